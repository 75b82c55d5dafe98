"""The Python blocks of bindings/python/README.md run as written, with
stand-ins for the user's training code."""

from __future__ import annotations

import importlib.util
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    scope = {
        "train_one_epoch": lambda lr: lr * 10,
        "train": lambda **params: sum(v for v in params.values() if isinstance(v, (int, float))),
    }
    for block in blocks:
        code = block.replace("n_trials=100", "n_trials=12")
        if importlib.util.find_spec("pandas") is None:
            code = code.replace("df = study.to_pandas()", "")
        if "hs.visualization" in code and importlib.util.find_spec("plotly") is None:
            continue  # the `plot` extra is not installed here
        exec(compile(code, str(README), "exec"), scope)
    assert (tmp_path / "runs.db").exists()
    if importlib.util.find_spec("plotly") is not None:
        assert "plotly" in (tmp_path / "history.html").read_text()
