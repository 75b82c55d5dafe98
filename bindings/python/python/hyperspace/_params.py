"""Parameter sets as dataclasses, for people who would rather list the
configurations to try than hand a black box an objective::

    import hyperspace as hs

    @hs.params
    class Config:
        lr: float = hs.search([1e-3, 1e-2])      # a grid axis
        width: int = hs.search([16, 32])
        dropout: float = 0.1                     # fixed

        def run(self) -> float:
            return train(self.lr, self.width, self.dropout)

    for config in Config:          # the 4 combinations, in field order
        print(config)
    study = Config.run_all("run", num_proc=2, storage="runs.db", study_name="grid")
    study.to_parquet("grid.parquet")

A field may also be a distribution (``hs.Float(0.0, 0.5)``, ``hs.Int``,
``hs.Categorical``): then the set is a search space rather than a grid,
and a study's searcher proposes the configurations:
``Config.suggest(study, 8)`` hands out 8 ``(trial, config)`` pairs to run
and ``study.tell``; ``Config.run_all(fn, n_trials=50)`` runs 50 of them.

The decorator makes the class a dataclass (unless it is one already) whose
class object is iterable; the searched fields' defaults are the values a
plain ``Config()`` gets (a grid's first value, a distribution's low end or
first choice), so the class also works as an ordinary dataclass.
"""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .distributions import Categorical, Distribution, Float, Int, Space
from ._target import study_from
from .study import Study
from .trial import Trial, TrialState

__all__ = ["params", "search", "Search"]


class Search:
    """One grid axis: the values a field takes, in order (see :func:`search`)."""

    __slots__ = ("values",)

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"hs.search takes a list of values, got {values!r}")
        if not values:
            raise ValueError("hs.search needs at least one value")
        self.values: Tuple[Any, ...] = tuple(values)

    def __hash__(self) -> int:  # a dataclass default must be hashable
        return hash(self.values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Search) and other.values == self.values

    def __repr__(self) -> str:
        return f"hs.search({list(self.values)!r})"


def search(values: Sequence[Any]) -> Search:
    """A grid axis for a field of an :func:`params` class: every value is
    tried, with every value of the other axes."""
    return Search(values)


class _ParamsClass(type):
    """The metaclass of :func:`params` classes: what the class itself
    (rather than an instance) can do. Kept on the metaclass so a method
    here never shadows a field or method of the user's class."""

    __hs_searched__: Dict[str, Union[Search, Distribution]]

    def __iter__(cls) -> Iterator[Any]:
        """Every combination of the grid axes (the last field varies
        fastest), as instances."""
        names, axes = _grid_axes(cls)
        for values in itertools.product(*axes):
            yield cls(**dict(zip(names, values)))

    def __len__(cls) -> int:
        _, axes = _grid_axes(cls)
        count = 1
        for axis in axes:
            count *= len(axis)
        return count

    def space(cls) -> Space:
        """The searched fields as a space: a grid axis as a categorical of
        its values, a distribution as itself."""
        return Space({name: _distribution(v) for name, v in cls.__hs_searched__.items()})

    def suggest(cls, study: Study, n: int = 1) -> List[Tuple[Trial, Any]]:
        """Asks ``study`` for ``n`` configurations chosen together by its
        searcher: ``(trial, config)`` pairs; tell the study each trial's
        result (``study.tell(trial, config.run())``)."""
        if not isinstance(study, Study):
            raise TypeError(f"study must be a hyperspace.Study, got {study!r}")
        trials = study.ask(cls.space(), n=n)
        return [(t, cls(**{name: t.params[name] for name in cls.__hs_searched__})) for t in trials]

    def run_all(
        cls,
        fn_or_method: Union[str, Callable[[Any], Any]],
        *,
        num_proc: int = 1,
        n_trials: Optional[int] = None,
        study: Optional[Study] = None,
        storage: Any = None,
        study_name: Optional[str] = None,
        direction: str = "minimize",
        searcher: Optional[str] = None,
        seed: Optional[int] = None,
        catch: Any = (),
    ) -> Study:
        """Runs every configuration and records each as a trial; returns
        the study.

        ``fn_or_method`` is a function of a config (``Config.run`` works
        too) or the name of a method of the class (``"run"``); its return
        value is the trial's value (a float, or one per objective), and
        :class:`hyperspace.TrialPruned` prunes it.

        - A grid (every searched field a :func:`search`) runs each
          combination once; combinations the study has already completed
          are skipped, so running again after a crash finishes the rest.
        - With distributions, ``n_trials`` configurations are proposed by
          the study's searcher (``searcher=``, ``auto`` by default).
        - ``num_proc`` processes run configurations at once; they share
          the study through its storage, so ``num_proc > 1`` needs
          ``storage=`` (a file or PostgreSQL), not a study in memory.
        - ``study`` (or ``storage`` / ``study_name`` / ``direction`` /
          ``searcher`` / ``seed`` to open or create one) is where trials
          go; by default a new in-memory study.
        - An exception fails its trial and stops the run, unless its type
          is in ``catch``.
        """
        runner = _Runner(cls, fn_or_method)
        if isinstance(num_proc, bool) or not isinstance(num_proc, int) or num_proc < 1:
            raise ValueError(f"num_proc must be a positive integer, got {num_proc!r}")
        target = study_from(study, storage, study_name, direction=direction, searcher=searcher, seed=seed)
        if num_proc > 1 and target.storage in (":memory:", "memory://"):
            raise ValueError(
                f"study '{target.name}' lives in memory, which the num_proc={num_proc} processes cannot open; "
                "give storage= (a file such as 'runs.db', or PostgreSQL)"
            )
        if _is_grid(cls):
            queued, todo = _grid_left(cls, target)
            if n_trials is not None:
                todo = todo[: max(0, n_trials - queued)]
            for combination in todo:
                target.enqueue(combination)
            # Queued trials are handed out first: a crashed run's leftovers too.
            count = queued + len(todo)
        else:
            if n_trials is None:
                raise ValueError(
                    f"{cls.__name__} has distribution fields, so run_all needs n_trials= "
                    "(how many configurations the searcher proposes)"
                )
            count = n_trials
        if count == 0:
            return target
        if num_proc == 1:
            target.optimize(runner, n_trials=count, catch=catch)
        else:
            with ProcessPoolExecutor(num_proc) as pool:
                target.optimize(runner, n_trials=count, n_jobs=num_proc, executor=pool, catch=catch)
        return target


def params(cls: type) -> type:
    """Makes ``cls`` a parameter set: a dataclass whose fields may be
    :func:`search` grids or distributions, iterable over its grid, with
    ``Config.space()``, ``Config.suggest(study, n)`` and
    ``Config.run_all(fn, num_proc=...)`` (see this module's doc)."""
    if not isinstance(cls, type):
        raise TypeError(f"@hs.params decorates a class, got {cls!r}")
    if not dataclasses.is_dataclass(cls):
        cls = dataclasses.dataclass(cls)
    searched: Dict[str, Union[Search, Distribution]] = {
        f.name: f.default for f in dataclasses.fields(cls) if isinstance(f.default, (Search, Distribution))
    }
    for name, value in vars(cls).items():
        if isinstance(value, (Search, Distribution)) and name not in searched:
            raise TypeError(f"{cls.__name__}.{name} is searched but has no type annotation, so it is not a field")
    for value in searched.values():
        _distribution(value).to_json()  # every definition is checked here, not mid-run
    # A subclass whose searched fields default to plain values (so Config()
    # is an ordinary instance) and whose class object iterates.
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    namespace: Dict[str, Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__annotations__": {name: hints[name] for name in searched},
        "__hs_searched__": searched,
    }
    namespace.update({name: _plain_default(name, value) for name, value in searched.items()})
    made = _ParamsClass(cls.__name__, (cls,), namespace)
    options = cls.__dataclass_params__  # type: ignore[attr-defined]
    return dataclasses.dataclass(made, eq=options.eq, order=options.order, frozen=options.frozen)


# ---- helpers -----------------------------------------------------------------


class _Runner:
    """The objective ``run_all`` hands ``optimize``: builds the config from
    the trial and calls the user's function. A module-level class, so it
    pickles (by reference to the user's class) into worker processes."""

    def __init__(self, cls: Any, fn_or_method: Union[str, Callable[[Any], Any]]) -> None:
        if isinstance(fn_or_method, str):
            method = getattr(cls, fn_or_method, None)
            if not callable(method):
                raise AttributeError(f"{cls.__name__} has no method {fn_or_method!r} to run")
        elif not callable(fn_or_method):
            raise TypeError(f"run_all takes a function of a config or a method name, got {fn_or_method!r}")
        self.cls = cls
        self.fn = fn_or_method

    def __call__(self, trial: Trial) -> Any:
        values = {name: trial.suggest(name, _distribution(v)) for name, v in self.cls.__hs_searched__.items()}
        config = self.cls(**values)
        if isinstance(self.fn, str):
            return getattr(config, self.fn)()
        return self.fn(config)


def _distribution(value: Union[Search, Distribution]) -> Distribution:
    if isinstance(value, Search):
        return Categorical(list(value.values))
    return value


def _plain_default(name: str, value: Union[Search, Distribution]) -> Any:
    if getattr(value, "default", None) is not None:
        return getattr(value, "default")
    if isinstance(value, Search):
        return value.values[0]
    if isinstance(value, (Float, Int)):
        return value.low
    if isinstance(value, Categorical):
        return value.choices[0]
    raise TypeError(f"field {name}: a searched field is hs.search([...]), hs.Float, hs.Int or hs.Categorical")


def _is_grid(cls: Any) -> bool:
    return all(isinstance(v, Search) for v in cls.__hs_searched__.values())


def _grid_axes(cls: Any) -> Tuple[List[str], List[Tuple[Any, ...]]]:
    for name, value in cls.__hs_searched__.items():
        if not isinstance(value, Search):
            raise TypeError(
                f"{cls.__name__}.{name} is a distribution, not a grid: iterate Config.suggest(study, n) "
                "to have a searcher propose configurations"
            )
    names = list(cls.__hs_searched__)
    return names, [cls.__hs_searched__[n].values for n in names]


def _grid_left(cls: Any, study: Study) -> Tuple[int, List[Dict[str, Any]]]:
    """How many of the grid's combinations wait in ``study``'s queue, and
    the combinations it has neither completed, queued nor running."""
    names, axes = _grid_axes(cls)
    seen: Dict[Tuple[Any, ...], TrialState] = {}
    for t in study.get_trials(states=[TrialState.COMPLETE, TrialState.WAITING, TrialState.RUNNING]):
        if all(n in t.params for n in names):
            seen[tuple(_key(t.params[n]) for n in names)] = t.state
    queued = sum(1 for state in seen.values() if state == TrialState.WAITING)
    left = [dict(zip(names, values)) for values in itertools.product(*axes)
            if tuple(_key(v) for v in values) not in seen]
    return queued, left


def _key(value: Any) -> Tuple[str, Any]:
    # 1 and True (and 1.0) are different choices of a grid.
    return (type(value).__name__, value)
