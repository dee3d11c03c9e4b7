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
import contextlib
import dataclasses
import functools
import gc
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

_SCALARS = (str, int, float, bool, type(None))


@contextlib.contextmanager
def decoding() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch of records is decoded.

    Decoding allocates hundreds of thousands of small objects, and every few hundred allocations
    the collector walks all live objects again; in an ingest process, with the models loaded,
    that took more time than the decoding itself (a large storyline's mentions: 2.0 s with the
    collector, 0.8 s without). Records hold no reference cycles, so nothing is left for it to
    collect; it runs again afterwards as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    return _decoder(kind)(data)


_DECODERS: dict[Any, Callable[[Any], Any]] = {}


def _decoder(kind: Any) -> Callable[[Any], Any]:
    """The function that decodes data of type ``kind``, built once per annotation: reading a
    workspace decodes hundreds of thousands of values, so the annotation is not inspected again
    for each."""
    found = _DECODERS.get(kind)
    if found is None:
        found = _DECODERS[kind] = _build_decoder(kind)
    return found


def _build_decoder(kind: Any) -> Callable[[Any], Any]:  # noqa: C901 (one branch per kind of type)
    if kind is Any or kind is object:
        return _identity
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        options = typing.get_args(kind)
        nullable = type(None) in options
        decoders = [_decoder(option) for option in options if option is not type(None)]

        def union(data: Any) -> Any:
            if data is None and nullable:
                return None
            for decode in decoders:
                try:
                    return decode(data)
                except (TypeError, ValueError, KeyError):
                    continue
            raise ValueError(f"no type of {kind} fits {data!r:.80}")

        return union
    if origin is typing.Literal:
        allowed = typing.get_args(kind)

        def literal(data: Any) -> Any:
            if data not in allowed:
                raise ValueError(f"{data!r} is not one of {allowed}")
            return data

        return literal
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if item is _identity:
                return lambda data: tuple(_sequence(data))
            return lambda data: tuple([item(x) for x in _sequence(data)])
        decoders = [_decoder(arg) for arg in args]

        def fixed(data: Any) -> Any:
            items = _sequence(data)
            if len(items) != len(decoders):
                raise ValueError(f"expected {len(decoders)} items, got {len(items)}")
            return tuple(decode(x) for decode, x in zip(decoders, items, strict=True))

        return fixed
    if origin in (list, typing.Sequence, Iterable) or kind is list:
        args = typing.get_args(kind)
        item = _decoder(args[0] if args else Any)
        return lambda data: [item(x) for x in _sequence(data)]
    if origin in (dict, Mapping) or kind is dict:
        args = typing.get_args(kind)
        value = _decoder(args[1] if len(args) == 2 else Any)

        def mapping(data: Any) -> Any:
            if not isinstance(data, Mapping):
                raise TypeError(f"expected an object, got {type(data).__name__}")
            return {key: value(item) for key, item in data.items()}

        return mapping
    if _is_record(kind):
        return _record_decoder(kind)
    if kind is bytes:
        return _bytes
    if kind is float:
        return _float
    if kind is int:
        return _int
    if kind is bool:
        return _bool
    if kind is str:
        return _str
    if isinstance(kind, type):
        return kind
    return _identity


def _record_decoder(kind: Any) -> Callable[[Any], Any]:
    fields: list[tuple[str, Callable[[Any], Any], bool]] = []
    compiled: list[Callable[[Any], Any]] = []

    def general(data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object for {kind.__name__}, got {type(data).__name__}")
        values = {}
        for name, decode, optional in fields:
            if name in data:
                values[name] = decode(data[name])
            elif not optional:
                raise KeyError(f"{kind.__name__}.{name} missing")
        return kind(**values)

    def record(data: Any) -> Any:
        if not compiled:  # built on first use: a record may refer to itself (or a later one)
            fields.extend((name, _decoder(annotation), optional) for name, annotation, optional in _fields(kind))
            compiled.append(_compiled_record(kind, general))
        return compiled[0](data)

    return record


_INLINE = {str: "str", int: "int", float: "float", bool: "bool"}
"""Scalar types a compiled record decoder checks inline (``type(v) is str``), calling the
checking decoder only for anything else (which converts or raises)."""


def _compiled_record(kind: Any, general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A decoder for ``kind`` written out as Python source, one statement per field: reading a
    large storyline decodes a few hundred thousand nested records, and a loop over the fields
    for each took most of the time. Data that is not a plain dict holding every field (data
    written before a field existed) goes to ``general``, the loop, which fills in defaults."""
    names: dict[str, Any] = {"kind": kind, "general": general, "dict": dict, "KeyError": KeyError}
    lines = ["def decode(data):", "    if type(data) is not dict:", "        return general(data)", "    try:"]
    arguments = []
    for number, (name, annotation, _optional_field) in enumerate(_fields(kind)):
        variable = f"v{number}"
        names[f"d{number}"] = _decoder(annotation)
        lines.append(f"        {variable} = data[{name!r}]")
        options = [a for a in typing.get_args(annotation) if a is not type(None)] if _optional(annotation) else None
        nullable = options is not None and len(options) == 1
        scalar = options[0] if nullable and options else annotation
        if scalar in _INLINE and (nullable or options is None):
            names[_INLINE[scalar]] = scalar
            check = f"type({variable}) is not {_INLINE[scalar]}"
            if nullable:
                check = f"{variable} is not None and {check}"
            lines.append(f"        if {check}:")
            lines.append(f"            {variable} = d{number}({variable})")
        else:
            lines.append(f"        {variable} = d{number}({variable})")
        arguments.append(f"{name}={variable}")
    lines += ["    except KeyError:", "        return general(data)", f"    return kind({', '.join(arguments)})"]
    exec("\n".join(lines), names)  # noqa: S102 (source built from field names of our own records)
    decode: Callable[[Any], Any] = names["decode"]
    return decode


def _identity(data: Any) -> Any:
    return data


def _bytes(data: Any) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    return base64.b64decode(data)


def _float(data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise TypeError(f"expected a number, got {data!r:.80}")
    return float(data)


def _int(data: Any) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise TypeError(f"expected an integer, got {data!r:.80}")
    return data


def _bool(data: Any) -> bool:
    if isinstance(data, int) and not isinstance(data, bool) and data in (0, 1):
        return bool(data)  # SQLite keeps booleans as 0/1
    if not isinstance(data, bool):
        raise TypeError(f"expected true or false, got {data!r:.80}")
    return data


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise TypeError(f"expected text, got {data!r:.80}")
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


_RowPlan = tuple[tuple[str, int, Callable[[Any], Any], bool], ...]
_ROW_PLANS: dict[tuple[Any, tuple[str, ...], frozenset[str]], _RowPlan] = {}


def _row_plan(kind: Any, keys: tuple[str, ...], extra: frozenset[str]) -> _RowPlan:
    """For each field of ``kind`` that a row with columns ``keys`` holds (and ``extra`` does not
    supply): its name, its column's index, its decoder and whether it is JSON text; built once per
    type and set of columns."""
    plan = _ROW_PLANS.get((kind, keys, extra))
    if plan is None:
        index = {key: number for number, key in enumerate(keys)}
        plan = _ROW_PLANS[(kind, keys, extra)] = tuple(
            (name, index[name], _decoder(annotation), _composite(annotation))
            for name, annotation, _d in _fields(kind)
            if name in index and name not in extra
        )
    return plan


def from_row(kind: type[T], row: Any, **extra: Any) -> T:
    """The record of type ``kind`` in a table row written by :func:`to_row`.

    ``row`` is an ``sqlite3.Row`` (or a mapping). A field without a column (added after the
    table) takes its default; ``extra`` supplies fields the row does not hold.
    """
    return from_rows(kind, [row], **extra)[0]


def from_rows(kind: type[T], rows: Iterable[Any], **extra: Any) -> list[T]:
    """:func:`from_row` of each row (all with the same columns): the columns are looked up once."""
    with decoding():
        return _from_rows(kind, rows, extra)


def _from_rows(kind: type[T], rows: Iterable[Any], extra: dict[str, Any]) -> list[T]:
    out: list[T] = []
    plan: _RowPlan | None = None
    loads = json.loads
    for row in rows:
        if plan is None:
            plan = _row_plan(kind, tuple(row.keys()), frozenset(extra))
        if isinstance(row, Mapping):
            row = [row[key] for key in row.keys()]
        values = dict(extra)
        for name, number, decode, composite in plan:
            value = row[number]
            if value is not None and composite:
                value = loads(value)
            values[name] = decode(value)
        out.append(kind(**values))
    return out
