"""One codec for every record: dataclasses to JSON-ready data and back, driven by their types.

The workspace store and the export both serialise :mod:`rashomon.records` through here, so
a field added to a record is stored, exported and read back without a hand-written field
list anywhere. The rules:

* a dataclass becomes a dict of its fields (in field order), a ``NamedTuple`` a dict too;
* tuples and lists become lists; dicts keep their keys (which must be strings);
* ``bytes`` become base64 text (only :class:`~rashomon.records.Rejected` carries bytes);
* reading back follows the field's annotation: ``tuple[X, ...]``, ``tuple[A, B]``,
  ``X | None``, nested records, ``Literal``; a field missing from the data takes its
  default (data written before the field existed reads back), an unknown key is ignored
  (data written by a newer version reads back too, without the new field).

:func:`to_row` / :func:`from_row` map a record onto a table row: scalar fields are columns as
they are, composite fields (records, tuples, dicts) are one JSON text column each.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

_SCALARS = (str, int, float, bool, type(None))


def to_data(value: Any) -> Any:
    """``value`` as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple
        return {name: to_data(item) for name, item in zip(value._fields, value, strict=True)}
    if isinstance(value, (list, tuple)):
        return [to_data(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_data(item) for key, item in value.items()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> str:
    """``value`` as compact JSON text (non-ASCII kept as is)."""
    return json.dumps(to_data(value), ensure_ascii=False, separators=(",", ":"))


def loads(kind: type[T], text: str | bytes) -> T:
    """The record (or container) of type ``kind`` that :func:`dumps` wrote."""
    return from_data(kind, json.loads(text))


@functools.cache
def _hints(kind: Any) -> dict[str, Any]:
    return typing.get_type_hints(kind)


_FIELDS: dict[Any, tuple[tuple[str, Any, bool], ...]] = {}


def _fields(kind: Any) -> tuple[tuple[str, Any, bool], ...]:
    """(name, annotation, has a default) of each field of a dataclass or NamedTuple (cached)."""
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = _read_fields(kind)
    return found


def _read_fields(kind: Any) -> tuple[tuple[str, Any, bool], ...]:
    hints = _hints(kind)
    if dataclasses.is_dataclass(kind):
        return tuple(
            (
                f.name,
                hints[f.name],
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING,
            )
            for f in dataclasses.fields(kind)
            if f.init
        )
    defaults = getattr(kind, "_field_defaults", {})
    return tuple((name, hints[name], name in defaults) for name in kind._fields)  # type: ignore[attr-defined]


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and (dataclasses.is_dataclass(kind) or hasattr(kind, "_fields"))


def from_data(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` (an annotation) from :func:`to_data`'s output."""
    if kind is Any or kind is object:
        return data
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return from_data(option, data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"no type of {kind} fits {data!r:.80}")
    if origin is typing.Literal:
        if data not in typing.get_args(kind):
            raise ValueError(f"{data!r} is not one of {typing.get_args(kind)}")
        return data
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], item) for item in _sequence(data))
        items = _sequence(data)
        if len(items) != len(args):
            raise ValueError(f"expected {len(args)} items, got {len(items)}")
        return tuple(from_data(arg, item) for arg, item in zip(args, items, strict=True))
    if origin in (list, typing.Sequence, Iterable) or kind is list:
        args = typing.get_args(kind)
        return [from_data(args[0] if args else Any, item) for item in _sequence(data)]
    if origin in (dict, Mapping) or kind is dict:
        args = typing.get_args(kind)
        value_kind = args[1] if len(args) == 2 else Any
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        return {key: from_data(value_kind, item) for key, item in data.items()}
    if _is_record(kind):
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object for {kind.__name__}, got {type(data).__name__}")
        values = {}
        for name, annotation, optional in _fields(kind):
            if name in data:
                values[name] = from_data(annotation, data[name])
            elif not optional:
                raise KeyError(f"{kind.__name__}.{name} missing")
        return kind(**values)
    if kind is bytes:
        if isinstance(data, (bytes, bytearray, memoryview)):
            return bytes(data)
        return base64.b64decode(data)
    if kind is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise TypeError(f"expected a number, got {data!r:.80}")
        return float(data)
    if kind is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise TypeError(f"expected an integer, got {data!r:.80}")
        return data
    if kind is bool:
        if isinstance(data, int) and not isinstance(data, bool) and data in (0, 1):
            return bool(data)  # SQLite keeps booleans as 0/1
        if not isinstance(data, bool):
            raise TypeError(f"expected true or false, got {data!r:.80}")
        return data
    if kind is str:
        if not isinstance(data, str):
            raise TypeError(f"expected text, got {data!r:.80}")
        return data
    if isinstance(kind, type):
        return kind(data)
    return data


def _sequence(data: Any) -> list[Any]:
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"expected a list, got {type(data).__name__}")
    return list(data)


def _composite(annotation: Any) -> bool:
    """True when a field of this type is kept as JSON text in a table column."""
    options = [a for a in typing.get_args(annotation) if a is not type(None)] if _optional(annotation) else None
    if options is not None and len(options) == 1:
        annotation = options[0]
    if annotation in (str, int, float, bool, bytes):
        return False
    return typing.get_origin(annotation) is not typing.Literal


def _optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin is typing.Union or origin is types.UnionType


def columns(kind: Any, skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The column names :func:`to_row` writes for ``kind``: its fields, less ``skip``."""
    return tuple(name for name, _a, _d in _fields(kind) if name not in skip)


def to_row(record: Any, skip: Iterable[str] = ()) -> tuple[Any, ...]:
    """``record``'s fields as column values (see :func:`columns`): composites as JSON text."""
    skipped = frozenset(skip)
    out = []
    for name, annotation, _default in _fields(type(record)):
        if name in skipped:
            continue
        value = getattr(record, name)
        out.append(dumps(value) if _composite(annotation) and value is not None else value)
    return tuple(out)


def from_row(kind: type[T], row: Any, **extra: Any) -> T:
    """The record of type ``kind`` in a table row written by :func:`to_row`.

    ``row`` is a mapping or an ``sqlite3.Row``. A field without a column (added after the
    table) takes its default; ``extra`` supplies fields the row does not hold.
    """
    keys = set(row.keys())
    values: dict[str, Any] = {}
    for name, annotation, _default in _fields(kind):
        if name in extra:
            values[name] = extra[name]
        elif name in keys:
            value = row[name]
            if value is not None and _composite(annotation):
                value = json.loads(value)
            values[name] = from_data(annotation, value)
    return kind(**values)
