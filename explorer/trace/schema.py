"""Reading a trace file given to `replay` or `render`: the ITF shape and faultline's own `#meta`, checked once,
on reading, so that every later stage can rely on them. A file that does not conform gets one error that
names the place inside it: `states[3].#meta.text: expected a string`.

What is checked (the writer is explorer/trace/itf.py):
- the document: an object with `#meta` (an object), `states` (a non-empty list of objects) and optionally
  `vars` (a list of strings), `params` and `loop` (the index of a state: the trace is a lasso);
- the document's `#meta`: `model` and `property` strings; `nodes` a list of distinct node names (`Client`,
  `Client[1]`); `constants` an object of integers and booleans; `spec`, `source`, `description`, `bounds`,
  `kind`, `network`, `format`, `format-description`, `generator`, `closing` strings; `length` an integer;
  `counterexample_to_induction` a boolean. Other keys are left alone;
- each state's `#meta`: `action` and `text` strings; `actor` a node or `network` or `time`; `peer`, a
  `link`'s two ends, a `cut`'s pairs and each of `sends`' `from` and `to` nodes of the trace; `message`,
  `step`, `fault`, `error`, `violates`, `at` strings; `index`, `now`, `clock` integers; `byzantine` a boolean;
- every variable's value an ITF value: a boolean, an integer, a string, a list, `{"#set": [...]}`,
  `{"#map": [[k, v], ...]}`, `{"#tup": [...]}`, `{"#bigint": "digits"}`, `{"tag": ..., "value": ...}` or a
  record, nested at most MAX_DEPTH deep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spec
from spec import CheckedSpec, ir
from spec.parser import MAX_LITERAL

MAX_DEPTH = 64  # how deeply a value may nest (a set of tuples of maps ...)
MAX_BYTES = 64 * 2**20  # a trace file larger than this is not read
NODE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?")
_DOCUMENT_STRINGS = (
    "spec",
    "source",
    "description",
    "bounds",
    "kind",
    "network",
    "format",
    "format-description",
    "generator",
    "closing",  # a lasso's step back to its loop state
)
_STEP_STRINGS = ("action", "text", "message", "step", "fault", "error", "violates", "at")
_STEP_INTEGERS = ("index", "now", "clock")


class TraceFormatError(Exception):
    """The file is not a faultline ITF trace; the message names the place inside it."""


def read(path: Path) -> dict[str, Any]:
    """The trace at `path`, checked; TraceFormatError saying what is wrong (OSError if it cannot be read)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TraceFormatError(
            f"the file is larger than {MAX_BYTES // 2**20} MiB; it is not a trace faultline wrote"
        )
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is skipped, as in specs
    except UnicodeDecodeError as error:
        raise TraceFormatError(f"not UTF-8 text (byte {error.start} cannot be decoded)") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise TraceFormatError(f"{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    except RecursionError:
        raise TraceFormatError("not a trace: its JSON is nested too deeply to read") from None
    except ValueError as error:  # an integer of more digits than Python reads
        raise TraceFormatError(f"not a trace: {error}") from None
    validate(document)
    return document


def validate(document: Any) -> None:
    """TraceFormatError at the first place where `document` departs from the shape described above."""
    _object(document, "the trace")
    meta = _object(_required(document, "#meta", ""), "#meta")
    for key in ("model", "property"):
        _string(_required(meta, key, "#meta"), f"#meta.{key}")
    for key in _DOCUMENT_STRINGS:
        if key in meta:
            _string(meta[key], f"#meta.{key}")
    if "length" in meta:
        _integer(meta["length"], "#meta.length")
    if "counterexample_to_induction" in meta:
        _boolean(meta["counterexample_to_induction"], "#meta.counterexample_to_induction")
    nodes = _nodes(_required(meta, "nodes", "#meta"))
    for name, value in _object(meta.get("constants", {}), "#meta.constants").items():
        _constant(value, f"#meta.constants.{name}")
    if "vars" in document:
        for k, name in enumerate(_list(document["vars"], "vars")):
            _string(name, f"vars[{k}]")
    states = _list(_required(document, "states", ""), "states")
    if not states:
        raise TraceFormatError("states: expected at least one state")
    if "loop" in document:
        _integer(document["loop"], "loop")
        if not 0 <= document["loop"] < len(states):
            raise TraceFormatError(f"loop: expected the index of a state, 0..{len(states) - 1}")
    for k, state in enumerate(states):
        _state(state, f"states[{k}]", nodes)


def _state(state: Any, where: str, nodes: set[str]) -> None:
    _object(state, where)
    _step(_object(_required(state, "#meta", where), f"{where}.#meta"), f"{where}.#meta", nodes)
    for name, value in state.items():
        if name != "#meta":
            _value(value, f"{where}.{name}", 0)


def _step(meta: dict[str, Any], where: str, nodes: set[str]) -> None:
    for key in ("action", "text"):
        _string(_required(meta, key, where), f"{where}.{key}")
    # What a chart draws of each kind of step must be there: a message's two ends, a fault's link.
    needed: tuple[str, ...] = ("actor", "peer", "message") if meta["action"] in ("deliver", "inject") else ()
    if meta.get("fault") in ("drop", "duplicate"):
        needed = ("link", "message")
    for key in needed:
        _required(meta, key, where)
    for key in _STEP_STRINGS:
        if key in meta:
            _string(meta[key], f"{where}.{key}")
    for key in _STEP_INTEGERS:
        if key in meta:
            _integer(meta[key], f"{where}.{key}")
    if "byzantine" in meta:
        _boolean(meta["byzantine"], f"{where}.byzantine")
    if "actor" in meta:
        _node(meta["actor"], f"{where}.actor", nodes | {"network", "time"})
    if "peer" in meta:
        _node(meta["peer"], f"{where}.peer", nodes)
    if "link" in meta:
        _pair(meta["link"], f"{where}.link", nodes)
    if "cut" in meta:
        for k, pair in enumerate(_list(meta["cut"], f"{where}.cut")):
            _pair(pair, f"{where}.cut[{k}]", nodes)
    if "sends" in meta:
        for k, send in enumerate(_list(meta["sends"], f"{where}.sends")):
            at = f"{where}.sends[{k}]"
            _object(send, at)
            _node(_required(send, "from", at), f"{at}.from", nodes)
            _node(_required(send, "to", at), f"{at}.to", nodes)
            _string(_required(send, "message", at), f"{at}.message")


def _value(value: Any, where: str, depth: int) -> None:
    """An ITF value (checked without recursion past MAX_DEPTH)."""
    if depth > MAX_DEPTH:
        raise TraceFormatError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, bool | str | int):
        return
    if isinstance(value, list):
        for k, item in enumerate(value):
            _value(item, f"{where}[{k}]", depth + 1)
        return
    if not isinstance(value, dict):
        raise TraceFormatError(
            f"{where}: expected an ITF value (a boolean, an integer, a string, a list or an "
            f"object), not {_kind(value)}"
        )
    _tagged(value, where, depth)


def _tagged(value: dict[str, Any], where: str, depth: int) -> None:
    """An ITF object: a set, a map, a tuple, a big integer, a variant or a record."""
    checks: dict[str, Callable[[Any], None]] = {
        "#set": lambda items: _items(items, f"{where}.#set", depth),
        "#tup": lambda items: _items(items, f"{where}.#tup", depth),
        "#map": lambda pairs: _map(pairs, f"{where}.#map", depth),
        "#bigint": lambda digits: _bigint(digits, f"{where}.#bigint"),
    }
    for key, check in checks.items():
        if key in value:
            if len(value) != 1:
                raise TraceFormatError(f"{where}: an object with {key} has no other keys")
            check(value[key])
            return
    if "tag" in value:
        _string(value["tag"], f"{where}.tag")
    for key, item in value.items():
        if key != "tag":
            _value(item, f"{where}.{key}", depth + 1)


def _items(items: Any, where: str, depth: int) -> None:
    for k, item in enumerate(_list(items, where)):
        _value(item, f"{where}[{k}]", depth + 1)


def _map(pairs: Any, where: str, depth: int) -> None:
    for k, pair in enumerate(_list(pairs, where)):
        if not isinstance(pair, list) or len(pair) != 2:
            raise TraceFormatError(f"{where}[{k}]: expected a [key, value] pair, not {_kind(pair)}")
        _value(pair[0], f"{where}[{k}][0]", depth + 1)
        _value(pair[1], f"{where}[{k}][1]", depth + 1)


def _bigint(digits: Any, where: str) -> None:
    if not isinstance(digits, str) or not re.fullmatch(r"-?[0-9]{1,400}", digits):
        raise TraceFormatError(f"{where}: expected a string of decimal digits")


def _nodes(value: Any) -> set[str]:
    names = _list(value, "#meta.nodes")
    for k, name in enumerate(names):
        if not isinstance(name, str) or not NODE_NAME.fullmatch(name):
            raise TraceFormatError(
                f"#meta.nodes[{k}]: expected a node name such as Client or Client[1], not {_kind(name)}"
            )
    if len(set(names)) != len(names):
        raise TraceFormatError("#meta.nodes: a node is named twice")
    return set(names)


def _node(value: Any, where: str, allowed: set[str]) -> None:
    _string(value, where)
    if value not in allowed:
        raise TraceFormatError(f"{where}: {value!r} is not one of the trace's nodes (#meta.nodes)")


def _pair(value: Any, where: str, nodes: set[str]) -> None:
    if not isinstance(value, list) or len(value) != 2:
        raise TraceFormatError(f"{where}: expected a pair of nodes, not {_kind(value)}")
    _node(value[0], f"{where}[0]", nodes)
    _node(value[1], f"{where}[1]", nodes)


def _constant(value: Any, where: str) -> None:
    if isinstance(value, bool):
        return
    if not isinstance(value, int) or abs(value) > MAX_LITERAL:
        raise TraceFormatError(
            f"{where}: expected an integer (at most {MAX_LITERAL} either side of 0) or a "
            f"boolean, not {_kind(value)}"
        )


def _required(container: dict[str, Any], key: str, where: str) -> Any:
    if key not in container:
        raise TraceFormatError(f"{where + ': ' if where else ''}missing {key!r}")
    return container[key]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TraceFormatError(f"{where}: expected an object, not {_kind(value)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise TraceFormatError(f"{where}: expected a list, not {_kind(value)}")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TraceFormatError(f"{where}: expected a string, not {_kind(value)}")
    return value


def _integer(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**53:
        raise TraceFormatError(f"{where}: expected an integer, not {_kind(value)}")


def _boolean(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise TraceFormatError(f"{where}: expected a boolean, not {_kind(value)}")


def _kind(value: Any) -> str:
    """How a JSON value is named in an error: its kind, and the value itself when it is short."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a number with a fraction",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    kind = kinds.get(type(value), type(value).__name__)
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, list | dict) else ""
    return f"{kind} {shown}" if shown and len(shown) <= 40 and value is not None else kind


def instantiate(document: dict[str, Any], checked: CheckedSpec) -> ir.System:
    """The IR of a (validated) trace's model of `checked`, with the trace's constants. TraceFormatError if
    the spec has no such model, or no such constant, or one of another type; SpecError if the spec refuses
    the constants' values (a range they empty, a count they make zero)."""
    meta = document["#meta"]
    model = meta["model"]
    constants = meta.get("constants", {})
    for field, mistakes in (
        ("model", spec.check_models(checked, [model])),
        ("constants", spec.check_constants(checked, constants)),
    ):
        if mistakes:
            raise TraceFormatError(f"#meta.{field}: {mistakes[0].message}")
    return spec.instantiate(checked, model, constants)
