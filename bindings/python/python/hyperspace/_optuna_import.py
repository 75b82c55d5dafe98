"""``hs.import_optuna``: an Optuna study's history brought into a
hyperspace study, from an ``optuna.Study`` or straight from Optuna's
SQLite database, so Optuna need not be installed. The database is read by
the engine (``hyperspace_engine::optuna``, the same reader as
``hyperspace import optuna``); finished trials come in through the engine's
``add_trials`` (which checks them); running and waiting ones are left out,
with a warning."""

from __future__ import annotations

import json
import os
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import _core
from ._admin import AddedTrial, _from_optuna_trial

if TYPE_CHECKING:  # pragma: no cover
    from .study import StorageLike, Study

__all__ = ["import_optuna"]

_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}


def import_optuna(
    source: Any,
    study_name: Optional[str] = None,
    storage: "StorageLike" = "hyperspace.db",
    new_name: Optional[str] = None,
) -> "Study":
    """Creates study ``new_name`` (default ``study_name``) in ``storage``
    with the directions, user attributes and finished trials of Optuna
    study ``study_name``: distributions, parameters, values (one per
    objective), states, intermediate values, user attributes and times.

    ``source`` is an ``optuna.Study`` (``study_name`` then defaults to its
    name) or an Optuna SQLite URL or path (``sqlite:///optuna.db``)."""
    from .study import Study

    if hasattr(source, "get_trials") and hasattr(source, "directions"):
        name = study_name if study_name is not None else source.study_name
        directions = [d.name.lower() for d in source.directions]
        attrs: Dict[str, Any] = dict(source.user_attrs)
        trials: List[AddedTrial] = []
        skipped = 0
        for t in source.get_trials(deepcopy=False):
            if t.state.name in _STATES:
                trials.append(_from_optuna_trial(t))
            else:
                skipped += 1
    else:
        if study_name is None:
            raise TypeError("import_optuna from a database needs study_name=")
        text = os.fspath(source)
        if not isinstance(text, str):
            raise TypeError(f"source must be an optuna.Study or a SQLite URL or path, got {source!r}")
        read = _core.read_optuna(text, study_name)
        summary = json.loads(read.summary_json())
        _warn_unfinished(summary["unfinished"], study_name)
        study = Study.create(
            storage, new_name if new_name is not None else study_name, directions=summary["directions"]
        )
        read.add_to(study._c())
        for key, value in summary["user_attrs"].items():
            study.set_user_attr(key, value)
        return study
    _warn_unfinished(skipped, name)
    study = Study.create(storage, new_name if new_name is not None else name, directions=directions)
    study.add_trials(trials)
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    return study


def _warn_unfinished(skipped: int, name: str) -> None:
    if skipped:
        warnings.warn(
            f"import_optuna: {skipped} running or waiting trial(s) of '{name}' were left out (no result yet)",
            RuntimeWarning,
            stacklevel=3,
        )
