"""Searchers written in Python, registered and used like the built-in ones.

A searcher is any object with ``suggest(space, trials)`` (or
``suggest(space, trials, context)``) returning a dict from parameter name to
value for every *active* parameter of ``space``::

    class Centre:
        def __init__(self, shrink=0.5):          # settings arrive as keywords
            self.shrink = shrink

        def suggest(self, space, trials, context):
            best = min((t for t in trials if t.value is not None),
                       key=lambda t: context.loss(t.value), default=None)
            if best is None:
                return space.sample(context.rng)
            ...

    hs.register_searcher("centre", Centre)
    study = hs.Study.open("runs.db", "demo", searcher="centre",
                          searcher_settings={"shrink": 0.3})

``space`` is a :class:`hyperspace.Space` (for define-by-run studies: the
parameters every finished trial shares; a new parameter met on its own is
asked for as a space of just that parameter). ``trials`` are all the
study's trials as :class:`hyperspace.FrozenTrial` — finished and running —
by number. State worth keeping belongs in the trials (user attributes), not
in the searcher: several processes may share a study.
"""

from __future__ import annotations

import inspect
import json
import random
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping

from . import _core
from .distributions import Space
from ._json import dumps
from .trial import FrozenTrial

__all__ = ["SearchContext", "register_searcher", "searchers"]


@dataclass
class SearchContext:
    """What a Python searcher may know besides the space and the trials."""

    direction: str
    """``"minimize"`` or ``"maximize"``."""
    study_seed: int
    """The study's seed."""
    trial_number: int
    """The number of the trial being proposed for."""
    seed: int
    """A seed for this proposal, derived from the study seed and the trial
    number (so a re-run study proposes the same configurations)."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        """A ``random.Random`` seeded with :attr:`seed`."""

    def loss(self, value: float) -> float:
        """A value as a loss (smaller is better), whatever the direction."""
        return value if self.direction == "minimize" else -value


class _Bridge:
    """What the engine calls: JSON in, JSON out."""

    def __init__(self, searcher: Any) -> None:
        suggest = getattr(searcher, "suggest", None)
        if not callable(suggest):
            raise TypeError(f"a searcher needs a suggest(space, trials) method; {searcher!r} has none")
        self.searcher = searcher
        self.wants_context = _takes_context(suggest)

    def _hs_suggest(self, space_json: str, trials_json: str, context_json: str) -> str:
        space = Space.from_json(json.loads(space_json))
        trials: List[FrozenTrial] = [FrozenTrial.from_dict(t) for t in json.loads(trials_json)]
        if self.wants_context:
            context = SearchContext(**json.loads(context_json))
            result = self.searcher.suggest(space, trials, context)
        else:
            result = self.searcher.suggest(space, trials)
        if not isinstance(result, Mapping):
            raise TypeError(f"suggest() must return a dict from parameter name to value, got {result!r}")
        return dumps(dict(result), "the values suggest() returned")


def _takes_context(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3


def register_searcher(name: str, factory: Callable[..., Any]) -> None:
    """Registers a searcher written in Python under ``name`` (replacing one
    of that name). ``factory`` — usually the class — is called with the
    study's ``searcher_settings`` as keyword arguments and returns an object
    with ``suggest(space, trials[, context])``.

    Registration is per process (a forked child inherits it); every process
    that opens a study using this searcher must register it first.
    """
    if not callable(factory):
        raise TypeError(f"factory must be callable (a class or function), got {factory!r}")

    def build(settings_json: str) -> _Bridge:
        settings = json.loads(settings_json)
        if settings is None:
            obj = factory()
        elif isinstance(settings, dict):
            obj = factory(**settings)
        else:
            obj = factory(settings)
        return _Bridge(obj)

    _core.register_searcher(name, build)


def searchers() -> List[str]:
    """The names of every registered searcher (built-in and Python)."""
    return list(_core.searcher_names())


def _settings_json(settings: Any) -> str:
    if settings is None:
        return "null"
    if not isinstance(settings, Mapping):
        raise TypeError(f"searcher_settings must be a dict, got {settings!r}")
    return dumps(dict(settings), "searcher_settings")

