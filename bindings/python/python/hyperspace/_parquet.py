"""``Study.to_parquet``: the trials table written with pyarrow (an
optional dependency, the package's ``parquet`` extra), without pandas.

Columns are built one at a time so that each gets the narrowest Arrow type
its values fit; a column whose values have no common type (a categorical
mixing numbers and strings, nested user attributes of varying shape) is
written as JSON text, so that every study can be written and nothing is
silently dropped.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Sequence, Union


def write_rows(rows: Sequence[Mapping[str, Any]], path: Union[str, "os.PathLike[str]"]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "to_parquet() needs pyarrow, which hyperspace does not install: "
            "pip install 'hyperspace[parquet]' (or pip install pyarrow)"
        ) from None
    names: Dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        columns[name] = _column(pa, values)
    pq.write_table(pa.table(columns), os.fspath(path))


def _column(pa: Any, values: List[Any]) -> Any:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else json.dumps(v, default=str) for v in values], type=pa.string())
