"""Reading YAML documents strictly: UTF-8 only, ``yaml.safe_load`` only, no duplicate keys, a mapping at the top.

Every failure becomes a ``ScenarioError`` naming the file, the field path and
the reason on one line, so a malformed file never surfaces as a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from scenario_library.errors import ScenarioError

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_+\-]*$")
MAX_FILE_BYTES = 1_000_000


def one_line(text: str) -> str:
    """``text`` with line breaks escaped, so every error stays on one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\u2028", " ").replace("\u2029", " ")


def field_path(loc: Iterable[Any]) -> str:
    """``("parameters", 2, "levels")`` -> ``parameters[2].levels``; odd keys are JSON-quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif part == "[key]":
            out += "[key]"
        else:
            text = str(part)
            shown = text if _PLAIN_KEY.match(text) else json.dumps(text)
            out += f".{shown}" if out else shown
    return out


def error(source: str, loc: Iterable[Any] | str, reason: str) -> ScenarioError:
    """A one-line ``ScenarioError`` at ``loc`` (a field path or its parts)."""
    field = loc if isinstance(loc, str) else field_path(loc)
    return ScenarioError(one_line(reason), source=one_line(source), field=one_line(field))


def read_text(path: Path, source: str) -> str:
    """The file's text, decoded as strict UTF-8 (a BOM is allowed)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(source, "", "no such file") from None
    except IsADirectoryError:
        raise error(source, "", "is a directory, not a file") from None
    except OSError as exc:
        raise error(source, "", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise error(source, "", f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(source, "", f"not valid UTF-8 (byte {exc.start}: {exc.reason})") from None


def parse_mapping(text: str, source: str) -> dict[str, Any]:
    """``text`` parsed with ``yaml.safe_load``; the top level must be a mapping without duplicate keys."""
    try:
        _check_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), source, ())
        document = yaml.safe_load(text)
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise error(source, "", f"YAML syntax error at {where}{exc.problem or exc.context or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise error(source, "", f"YAML error: {exc}") from None
    except RecursionError:
        raise error(source, "", "YAML is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible !!timestamp
        raise error(source, "", f"YAML value cannot be read: {exc}") from None
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise error(source, "", f"the document must be a mapping, got {kind}")
    return document


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and parse one YAML file whose top level is a mapping."""
    source = str(path)
    return parse_mapping(read_text(Path(path), source), source)


def _check_duplicate_keys(node: yaml.Node | None, source: str, loc: tuple[Any, ...],
                          seen_nodes: set[int] | None = None) -> None:
    """Reject a mapping that repeats a key (``safe_load`` would silently keep the last one).

    Nodes shared through YAML aliases are checked once, so alias bombs cost linear time.
    """
    seen_nodes = set() if seen_nodes is None else seen_nodes
    if not isinstance(node, yaml.MappingNode | yaml.SequenceNode) or id(node) in seen_nodes:
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicate_keys(item, source, (*loc, i), seen_nodes)
        return
    keys: set[tuple[str, str]] = set()
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
        if isinstance(key_node, yaml.ScalarNode):
            if (key_node.tag, key) in keys:
                raise error(source, (*loc, key), f"duplicate key (line {key_node.start_mark.line + 1})")
            keys.add((key_node.tag, key))
        _check_duplicate_keys(value_node, source, (*loc, key), seen_nodes)
