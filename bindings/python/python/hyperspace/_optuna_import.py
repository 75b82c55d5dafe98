"""``hs.import_optuna``: an Optuna study's history brought into a
hyperspace study, from an ``optuna.Study`` or straight from Optuna's
SQLite database (read with ``sqlite3``, so Optuna need not be installed).

Optuna's RDB schema, as read here: ``studies``, ``study_directions``,
``study_user_attributes``, ``trials``, ``trial_params`` (value and
``distribution_json``), ``trial_values``, ``trial_intermediate_values``,
``trial_user_attributes``. Finished trials come in through
``study.add_trials`` (the engine checks them); running and waiting ones
are left out, with a warning."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ._admin import AddedTrial, _distribution, _from_optuna_trial, _when, create_trial
from .distributions import Categorical, Int

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
        name = study_name
        directions, attrs, trials, skipped = _read_sqlite(_sqlite_path(source), study_name)
    if skipped:
        warnings.warn(
            f"import_optuna: {skipped} running or waiting trial(s) of '{name}' were left out (no result yet)",
            RuntimeWarning,
            stacklevel=2,
        )
    study = Study.create(storage, new_name if new_name is not None else name, directions=directions)
    study.add_trials(trials)
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    return study


def _sqlite_path(source: Any) -> str:
    text = os.fspath(source)
    if not isinstance(text, str):
        raise TypeError(f"source must be an optuna.Study or a SQLite URL or path, got {source!r}")
    if text.startswith("sqlite:///"):
        # SQLAlchemy's rule, as Optuna's: three slashes then a relative
        # path, four for an absolute one.
        return text[len("sqlite:///") :]
    if "://" in text:
        raise ValueError(f"import_optuna reads Optuna's SQLite databases (sqlite:///file.db), not {text!r}")
    return text


def _read_sqlite(path: str, study_name: str) -> Any:
    """Directions, user attributes, finished trials and the number of
    unfinished ones of Optuna study ``study_name`` in the file ``path``."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no Optuna database at {path!r}")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute("SELECT study_id FROM studies WHERE study_name = ?", (study_name,)).fetchone()
        if row is None:
            names = [r[0] for r in db.execute("SELECT study_name FROM studies ORDER BY study_id")]
            raise ValueError(f"no Optuna study '{study_name}' in {path} (it has: {', '.join(names) or 'none'})")
        sid = row[0]
        directions = [
            str(d).lower()
            for (d,) in db.execute(
                "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective", (sid,)
            )
        ]
        attrs = {
            k: json.loads(v)
            for k, v in db.execute("SELECT key, value_json FROM study_user_attributes WHERE study_id = ?", (sid,))
        }
        trials: List[AddedTrial] = []
        skipped = 0
        rows = db.execute(
            "SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials "
            "WHERE study_id = ? ORDER BY number",
            (sid,),
        ).fetchall()
        for trial_id, _number, state, started, completed in rows:
            ours = _STATES.get(str(state))
            if ours is None:
                skipped += 1
                continue
            trials.append(_read_trial(db, trial_id, ours, started, completed))
    return directions, attrs, trials, skipped


def _number(value: float, kind: Optional[str]) -> float:
    """A stored value with its Optuna value type (``FINITE``, ``INF_POS``,
    ``INF_NEG``)."""
    if kind == "INF_POS":
        return math.inf
    if kind == "INF_NEG":
        return -math.inf
    return float(value)


def _read_trial(db: sqlite3.Connection, trial_id: int, state: str, started: Any, completed: Any) -> AddedTrial:
    params: Dict[str, Any] = {}
    distributions: Dict[str, Any] = {}
    for name, stored, dist_json in db.execute(
        "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ?", (trial_id,)
    ):
        spec = json.loads(dist_json)
        dist = _distribution(spec["name"], spec["attributes"])
        distributions[name] = dist
        # Optuna stores a choice's index and every number as a float.
        if isinstance(dist, Categorical):
            params[name] = dist.choices[int(stored)]
        elif isinstance(dist, Int):
            params[name] = int(round(stored))
        else:
            params[name] = float(stored)
    values = [
        _number(v, k)
        for v, k in db.execute(
            "SELECT value, value_type FROM trial_values WHERE trial_id = ? ORDER BY objective", (trial_id,)
        )
    ]
    intermediate = {
        int(step): _number(v, k)
        for step, v, k in db.execute(
            "SELECT step, intermediate_value, intermediate_value_type FROM trial_intermediate_values "
            "WHERE trial_id = ?",
            (trial_id,),
        )
    }
    user_attrs = {
        k: json.loads(v)
        for k, v in db.execute("SELECT key, value_json FROM trial_user_attributes WHERE trial_id = ?", (trial_id,))
    }
    message = None
    if any(not math.isfinite(v) for v in values):
        # The engine keeps finite results only: such a trial comes in failed.
        state, message, values = "failed", f"its value in Optuna was {values}", []
    return create_trial(
        params=params,
        distributions=distributions,
        values=values if state == "complete" else None,
        state=state,
        intermediate_values={s: v for s, v in intermediate.items() if math.isfinite(v)},
        user_attrs=user_attrs,
        message=message,
        datetime_start=_when(_local(started)),
        datetime_complete=_when(_local(completed)),
    )


def _local(text: Any) -> Any:
    """Optuna's naive local time text as a datetime (``None`` kept)."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
