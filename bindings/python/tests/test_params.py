"""Issue 16: ``@hs.params`` dataclass parameter sets (grids and spaces),
``run_all`` in one and in several processes, and ``study.to_parquet``."""

from __future__ import annotations

import dataclasses
import sys

import pytest

import hyperspace as hs
from conftest import needs_fork


@hs.params
class Grid:
    lr: float = hs.search([0.1, 0.01])
    width: int = hs.search([16, 32, 64])
    tag: str = "fixed"

    def run(self) -> float:
        return self.lr * self.width


@hs.params
@dataclasses.dataclass(frozen=True)
class Space:
    x: float = hs.Float(-3.0, 3.0)
    kind: str = hs.search(["a", "b"])

    def run(self) -> float:
        return (self.x - 1.0) ** 2 + (0.0 if self.kind == "b" else 1.0)


def test_iterating_a_grid_yields_every_combination_in_field_order():
    configs = list(Grid)
    assert len(Grid) == 6 and len(configs) == 6
    assert [(c.lr, c.width) for c in configs] == [(0.1, 16), (0.1, 32), (0.1, 64), (0.01, 16), (0.01, 32), (0.01, 64)]
    assert all(isinstance(c, Grid) and c.tag == "fixed" for c in configs)
    # Still an ordinary dataclass; a plain instance gets each axis's first value.
    assert dataclasses.is_dataclass(Grid)
    assert Grid() == Grid(lr=0.1, width=16, tag="fixed")
    assert Grid(lr=0.5).run() == 8.0
    assert Grid.space() == hs.Space({"lr": hs.Categorical([0.1, 0.01]), "width": hs.Categorical([16, 32, 64])})


def test_a_space_is_proposed_by_the_study_not_iterated():
    with pytest.raises(TypeError, match="Space.x is a distribution.*suggest"):
        list(Space)
    assert Space().x == -3.0 and Space().kind == "a"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Space().x = 1.0  # type: ignore[misc]
    study = hs.create_study(seed=1)
    pairs = Space.suggest(study, 4)
    assert len(pairs) == 4
    for trial, config in pairs:
        assert -3.0 <= config.x <= 3.0 and config.kind in ("a", "b")
        study.tell(trial, config.run())
    assert len(study.trials) == 4


def test_run_all_grid_in_memory_records_each_combination_once():
    study = Grid.run_all("run")
    trials = study.trials
    assert len(trials) == 6
    assert sorted((t.params["lr"], t.params["width"]) for t in trials) == sorted(
        (c.lr, c.width) for c in Grid)
    assert all(t.value == pytest.approx(t.params["lr"] * t.params["width"]) for t in trials)
    assert study.best_params == {"lr": 0.01, "width": 16}


def test_run_all_grid_runs_a_queued_leftover_once():
    # A crashed run left one combination queued: it runs once, not twice.
    study = hs.create_study(space=Grid.space())
    study.enqueue({"lr": 0.01, "width": 32})
    Grid.run_all("run", study=study)
    assert len(study.trials) == 6
    assert {(t.params["lr"], t.params["width"]) for t in study.trials} == {(c.lr, c.width) for c in Grid}
    assert all(t.state == hs.TrialState.COMPLETE for t in study.trials)


def test_run_all_searches_a_space_with_n_trials():
    with pytest.raises(ValueError, match="needs n_trials"):
        Space.run_all("run")
    study = Space.run_all(Space.run, n_trials=25, seed=3)
    assert len(study.trials) == 25
    # TPE finds the basin: x near 1, kind "b" (the minimum is 0).
    assert study.best_value < 0.1
    assert study.best_params["kind"] == "b"


def test_run_all_refuses_bad_arguments():
    with pytest.raises(AttributeError, match="no method 'train'"):
        Grid.run_all("train")
    with pytest.raises(ValueError, match="num_proc must be a positive integer"):
        Grid.run_all("run", num_proc=0)
    with pytest.raises(ValueError, match="lives in memory"):
        Grid.run_all("run", num_proc=2)
    with pytest.raises(TypeError, match="decorates a class"):
        hs.params(lambda: 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one value"):
        hs.search([])


def _bump(config: Grid) -> float:
    if config.width == 64 and config.lr == 0.1:
        raise RuntimeError("out of memory")
    return config.run()


@needs_fork
def test_run_all_in_processes_on_sqlite_resumes_what_is_left(db):
    # A first run where one combination fails (caught): five completes.
    with pytest.warns(RuntimeWarning, match="out of memory"):
        study = Grid.run_all(_bump, num_proc=2, storage=db, study_name="grid", catch=(RuntimeError,))
    states = sorted(t.state.value for t in study.trials)
    assert states.count("complete") == 5 and states.count("failed") == 1
    # Running again runs only the combination not completed.
    again = Grid.run_all("run", num_proc=2, storage=db, study_name="grid")
    complete = again.get_trials(states=["complete"])
    assert len(complete) == 6
    assert len(again.trials) == 7
    # Nothing left: a third run adds no trial.
    assert len(Grid.run_all("run", storage=db, study_name="grid").trials) == 7


def test_to_parquet_writes_every_trial(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed (scripts/test installs it)")
    study = Grid.run_all("run")
    # A column whose values share no type (an int, then a string) is
    # written as JSON text rather than refused.
    for note in (1, "x"):
        trial = study.ask()
        trial.set_user_attr("note", note)
        study.tell(trial, 1.0)
    path = tmp_path / "grid.parquet"
    study.to_parquet(path)
    table = pq.read_table(path)
    assert table.num_rows == 8
    columns = table.to_pydict()
    assert columns["number"] == list(range(8))
    assert columns["params_width"][:6] == [t.params["width"] for t in study.trials[:6]]
    assert columns["value"][:6] == pytest.approx([t.value for t in study.trials[:6]])
    assert columns["state"] == ["complete"] * 8
    assert columns["user_attrs_note"] == [None] * 6 + ["1", '"x"']


def test_to_parquet_without_pyarrow_names_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    study = hs.create_study()
    with pytest.raises(ImportError, match=r"pyarrow.*hyperspace\[parquet\]"):
        study.to_parquet(tmp_path / "x.parquet")
