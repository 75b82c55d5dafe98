"""Search spaces: :class:`Float`, :class:`Int`, :class:`Categorical`,
:class:`Choice` (a categorical whose options bring their own
sub-parameters), and :class:`Space`, a named collection of them.

A space can be given to hyperspace in any of these forms::

    hs.Space({"lr": hs.Float(1e-5, 1e-1, log=True), "layers": hs.Int(1, 8)})
    {"lr": hs.Float(1e-5, 1e-1, log=True), "opt": ["adam", "sgd"]}       # a dict
    {"lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": True}}      # JSON form
    "lr=log(1e-5,1e-1) layers=int(1,8) opt=choice(adam,sgd)"            # compact text

Validation (``low < high``, a positive ``low`` on a log scale, a ``step``
that divides the range, ...) happens in the engine, which raises
:class:`hyperspace.InvalidParamError` naming the parameter.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from . import _core
from .errors import InvalidParamError

__all__ = [
    "Distribution",
    "Float",
    "Int",
    "Categorical",
    "Choice",
    "Space",
    "SpaceLike",
    "ChoiceValue",
]

#: A categorical choice: any JSON scalar.
ChoiceValue = Union[None, bool, int, float, str]


class Distribution:
    """One parameter's range. Subclasses: :class:`Float`, :class:`Int`,
    :class:`Categorical` (and :class:`Choice`)."""

    __slots__ = ()

    def to_json(self) -> Dict[str, Any]:
        """The engine's JSON definition of this parameter."""
        raise NotImplementedError

    def sample(self, rng: Optional[random.Random] = None) -> Any:
        """A value drawn uniformly (on the log scale for ``log=True``) by the
        engine, as the random searcher draws it; see :meth:`Space.sample`."""
        return Space({"value": self}).sample(rng)["value"]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Distribution) and type(self) is type(other) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{k}={v!r}" for k, v in self.to_json().items() if k != "type" and v is not None and v is not False
        )
        return f"{type(self).__name__}({fields})"


class Float(Distribution):
    """A real number in ``[low, high]``, optionally on a log scale or a grid
    of ``step``; ``default`` is what older trials count as having had when
    the parameter is added to a study later."""

    __slots__ = ("low", "high", "log", "step", "default")

    def __init__(
        self,
        low: float,
        high: float,
        *,
        log: bool = False,
        step: Optional[float] = None,
        default: Optional[float] = None,
    ) -> None:
        self.low = float(low)
        self.high = float(high)
        self.log = bool(log)
        self.step = None if step is None else float(step)
        self.default = None if default is None else float(default)

    def to_json(self) -> Dict[str, Any]:
        return {
            "type": "float",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "step": self.step,
            "default": self.default,
        }


class Int(Distribution):
    """An integer in ``[low, high]`` (both included), optionally on a log
    scale or every ``step``."""

    __slots__ = ("low", "high", "log", "step", "default")

    def __init__(
        self,
        low: int,
        high: int,
        *,
        log: bool = False,
        step: int = 1,
        default: Optional[int] = None,
    ) -> None:
        self.low = _as_int("low", low)
        self.high = _as_int("high", high)
        self.log = bool(log)
        self.step = _as_int("step", step)
        self.default = None if default is None else _as_int("default", default)

    def to_json(self) -> Dict[str, Any]:
        return {
            "type": "int",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "step": self.step,
            "default": self.default,
        }


class Categorical(Distribution):
    """One of ``choices`` (JSON scalars: str, int, float, bool, None).

    ``branches`` maps a choice to the sub-space it brings: those parameters
    exist only in trials that made that choice (conditional parameters)::

        hs.Categorical(["svm", "tree"], branches={
            "svm": {"C": hs.Float(1e-3, 1e3, log=True)},
            "tree": {"depth": hs.Int(1, 12)},
        })
    """

    __slots__ = ("choices", "default", "branches")

    def __init__(
        self,
        choices: Sequence[ChoiceValue],
        *,
        default: ChoiceValue = None,
        branches: Optional[Mapping[ChoiceValue, Optional["SpaceLike"]]] = None,
    ) -> None:
        if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence):
            raise TypeError(f"choices must be a list of values, got {choices!r}")
        self.choices: List[ChoiceValue] = list(choices)
        self.default = default
        self.branches: Dict[ChoiceValue, Space] = {}
        for choice, sub in (branches or {}).items():
            if sub is None:
                continue
            key = _find_choice(self.choices, choice)
            self.branches[key] = sub if isinstance(sub, Space) else Space(sub)

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "type": "categorical",
            "choices": list(self.choices),
            "default": self.default,
        }
        branches = {choice_key(c): sub.to_json() for c, sub in self.branches.items() if len(sub) > 0}
        if branches:
            out["branches"] = branches
        return out

    def __repr__(self) -> str:
        extra = "" if self.default is None else f", default={self.default!r}"
        if self.branches:
            extra += f", branches={self.branches!r}"
        return f"Categorical({self.choices!r}{extra})"


class Choice(Categorical):
    """A categorical whose options each bring their own parameters —
    conditional branches, written as a dict from option to sub-space
    (``None`` or ``{}`` for an option with none)::

        hs.Choice({
            "svm": {"C": hs.Float(1e-3, 1e3, log=True),
                    "kernel": hs.Choice({"rbf": None, "poly": {"degree": hs.Int(2, 5)}})},
            "tree": {"depth": hs.Int(1, 12)},
        })
    """

    __slots__ = ()

    def __init__(
        self,
        options: Mapping[ChoiceValue, Optional["SpaceLike"]],
        *,
        default: ChoiceValue = None,
    ) -> None:
        super().__init__(list(options.keys()), default=default, branches=options)


SpaceLike = Union["Space", Mapping[str, Any], str]


class Space(Mapping[str, Distribution]):
    """A search space: top-level parameters by name, in order. Conditional
    parameters live in the ``branches`` of a :class:`Categorical`.

    Build one from a dict of distributions (or of their JSON definitions,
    lists of choices, compact strings such as ``"log(1e-5,1e-1)"``), or
    from compact text ``"lr=log(1e-5,1e-1) opt=choice(adam,sgd)"``.
    """

    __slots__ = ("_params", "_text")

    def __init__(self, params: SpaceLike = ()) -> None:  # type: ignore[assignment]
        self._text: Optional[str] = None
        self._params: Dict[str, Distribution] = {}
        if isinstance(params, Space):
            self._params = dict(params._params)
            self._text = params._text
        elif isinstance(params, str):
            # Kept as text; the engine parses it (and reports errors with the column).
            self._text = params
        else:
            for name, definition in dict(params).items():
                if not isinstance(name, str):
                    raise TypeError(f"parameter names must be strings, got {name!r}")
                self._params[name] = as_distribution(name, definition)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Space":
        """A space from the engine's JSON form (as in ``study.space_json``)."""
        return cls({name: _from_json(definition) for name, definition in data.items()})

    def to_json(self) -> Any:
        """The JSON form (a dict), or the compact text this space was made of."""
        if self._text is not None:
            return self._text
        return {name: dist.to_json() for name, dist in self._params.items()}

    def engine_text(self) -> str:
        """The text handed to the engine: JSON, or the compact syntax."""
        if self._text is not None:
            return self._text
        for name, dist in self.flatten().items():
            check_finite(name, dist)
        return json.dumps(self.to_json(), allow_nan=False)

    def sample(self, rng: Optional[random.Random] = None) -> Dict[str, Any]:
        """A random configuration, drawn by the engine as the random searcher
        draws it: every active parameter uniformly on its range (log-uniform
        on log scales), branch by branch. With ``rng``, the draw is
        reproducible from its state; without, each call is a fresh draw.
        Helps when writing a searcher in Python."""
        seed = (rng or random.SystemRandom()).getrandbits(64)
        return json.loads(_core.sample_space(self.engine_text(), seed))

    def flatten(self) -> Dict[str, Distribution]:
        """Every parameter, in every branch, by name."""
        out: Dict[str, Distribution] = {}
        for name, dist in self._params.items():
            out[name] = dist
            if isinstance(dist, Categorical):
                for sub in dist.branches.values():
                    out.update(sub.flatten())
        return out

    def __getitem__(self, name: str) -> Distribution:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params) if self._text is None else max(1, len(self._text.split()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Space):
            return NotImplemented
        return bool(self.to_json() == other.to_json())

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        if self._text is not None:
            return f"Space({self._text!r})"
        return f"Space({self._params!r})"


def check_finite(name: str, dist: Distribution) -> None:
    """Refuses NaN and infinity in a parameter's bounds, step, default or
    choices, naming the parameter."""
    if isinstance(dist, Categorical):
        values: List[Any] = list(dist.choices)
    elif isinstance(dist, (Float, Int)):
        values = [dist.low, dist.high, dist.step, dist.default]
    else:  # compact text: the engine reads and checks it
        return
    if not all(math.isfinite(v) for v in values if isinstance(v, float)):
        raise InvalidParamError(
            f"parameter '{name}': bounds, step, default and choices must be finite numbers, got {dist!r}",
            param=name,
        )


def as_distribution(name: str, definition: Any) -> Distribution:
    """Reads one parameter definition in any of the accepted forms."""
    if isinstance(definition, Distribution):
        return definition
    if isinstance(definition, Mapping):
        return _from_json(definition)
    if isinstance(definition, (list, tuple)):
        return Categorical(list(definition))
    if isinstance(definition, str):
        return _Compact(definition)
    raise TypeError(
        f"parameter '{name}': expected a Float/Int/Categorical/Choice, a dict, a list of "
        f"choices or a compact string such as 'log(1e-5,1e-1)', got {definition!r}"
    )


class _Compact(Distribution):
    """A definition in the compact syntax, parsed by the engine."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def to_json(self) -> Any:
        return self.text

    def __repr__(self) -> str:
        return repr(self.text)


def _from_json(definition: Mapping[str, Any]) -> Distribution:
    kind = definition.get("type")
    rest = {k: v for k, v in definition.items() if k != "type"}
    try:
        if kind == "float":
            return Float(rest.pop("low"), rest.pop("high"), **_only(rest, "log", "step", "default"))
        if kind == "int":
            step = rest.pop("step", None)
            return Int(
                rest.pop("low"),
                rest.pop("high"),
                step=1 if step is None else step,
                **_only(rest, "log", "default"),
            )
        if kind in ("categorical", "choice", "cat"):
            raw_branches = rest.pop("branches", None) or {}
            choices = rest.pop("choices")
            branches = {_find_choice_by_key(choices, key): sub for key, sub in raw_branches.items()}
            return Categorical(choices, branches=branches, **_only(rest, "default"))
    except KeyError as missing:
        raise TypeError(f"a {kind} definition needs {missing}") from None
    raise TypeError(f"unknown parameter type {kind!r} in {dict(definition)!r}")


def _only(rest: Dict[str, Any], *allowed: str) -> Dict[str, Any]:
    unknown = set(rest) - set(allowed)
    if unknown:
        raise TypeError(f"unknown field(s) {sorted(unknown)}; allowed: {list(allowed)}")
    return {k: v for k, v in rest.items() if v is not None}


def _as_int(what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise TypeError(f"{what} must be an integer, got {value!r}")
    return int(value)


def choice_key(value: ChoiceValue) -> str:
    """How the engine names a choice in ``branches`` (and on a command
    line): strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _find_choice(choices: Sequence[ChoiceValue], wanted: ChoiceValue) -> ChoiceValue:
    for c in choices:
        if c == wanted and type(c) is type(wanted):
            return c
    for c in choices:
        if choice_key(c) == choice_key(wanted):
            return c
    # Not a choice: kept, so the engine reports it naming the parameter.
    return wanted


def _find_choice_by_key(choices: Sequence[ChoiceValue], key: str) -> ChoiceValue:
    for c in choices:
        if choice_key(c) == key:
            return c
    return key
