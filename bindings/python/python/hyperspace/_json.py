"""JSON text of values a user hands over (parameters, user attributes,
settings): numpy scalars and arrays as plain Python, and errors that name
what was being stored when a value cannot be."""

from __future__ import annotations

import json
import numbers
from typing import Any

from .errors import NonFiniteValueError


def json_value(value: Any) -> Any:
    """Numpy scalars and other number types as plain Python."""
    if isinstance(value, (str, bool)) or value is None:
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _default(value: Any) -> Any:
    """What ``json`` calls for a value it cannot write itself."""
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    try:
        plain = tolist() if callable(tolist) else json_value(value)
    except (TypeError, ValueError):
        plain = value
    if plain is value:
        raise TypeError(
            f"{type(value).__name__!r} values cannot be stored; use numbers, strings, booleans, None, lists or dicts"
        )
    return plain


def dumps(value: Any, what: str) -> str:
    """``value`` as JSON text; ``what`` names it in errors (``"user
    attribute 'note'"``). NaN or infinity raises
    :class:`NonFiniteValueError`, anything JSON cannot hold ``TypeError``."""
    try:
        return json.dumps(value, allow_nan=False, default=_default)
    except TypeError as e:
        raise TypeError(f"{what}: {e}") from None
    except ValueError as e:
        if "ircular" in str(e):
            raise TypeError(f"{what} contains itself and cannot be stored") from None
        raise NonFiniteValueError(
            f"{what}: NaN and infinity cannot be stored (JSON); use None or a string instead"
        ) from None
