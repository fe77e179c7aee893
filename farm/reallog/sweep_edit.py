"""Adding one named sample to a sweep file's frozen entry by a targeted text edit (comments and layout kept).

The sweep file is parsed once to find where things are (PyYAML node marks), then new
lines are inserted — never re-serialised, so every comment, blank line and the key
order stay as they were. Three cases:

- a frozen entry for the family with a block ``samples:`` list: the sample is appended to it;
- a frozen entry for the family without ``samples:``: a ``samples:`` list is added to it;
- no such entry: a new frozen entry (``seeds: [1, 2, 3]``, like the nightly's regression set)
  is appended to ``families``.

Only ``families[*].samples`` changes (or one entry is added); the result is validated by
the caller with ``farm.sweep.parse_sweep`` before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from farm.errors import InputError
from farm.identity import ParamValue

NEW_ENTRY_SEEDS = "[1, 2, 3]"


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleEdit:
    """The edited text, the index of the entry holding the sample, and whether anything changed."""

    text: str
    entry: int
    changed: bool
    existing_name: str | None = None  # the name under which the same sample was already listed


def add_named_sample(text: str, *, source: str, family: str, name: str, params: dict[str, ParamValue]) -> SampleEdit:
    """``text`` with ``{name: NAME, params: {...}}`` added to the family's frozen entry.

    The same parameters already listed (under any name) change nothing; the same name
    with other parameters is refused.

    Raises:
        InputError: the file is not a sweep mapping with a block ``families`` list, the name is
            taken, or the samples list is written in flow style (``samples: [...]``).
    """
    root = yaml.compose(text)
    families = _families_node(root, source)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    line = _sample_line(name, params)
    for index, item in enumerate(families.value):
        keys = _keys(item)
        if _scalar(keys.get("name")) != family or _scalar(keys.get("sampler")) != "frozen":
            continue
        samples = keys.get("samples")
        if samples is None:
            indent = item.start_mark.column
            at = _after(item, lines)
            lines[at:at] = [f"{' ' * indent}samples:\n", f"{' ' * (indent + 2)}- {line}\n"]
            return SampleEdit(text="".join(lines), entry=index, changed=True)
        found = _existing(samples, name, params, source, index)
        if found is not None:
            return SampleEdit(text=text, entry=index, changed=False, existing_name=found)
        if not isinstance(samples, yaml.SequenceNode) or samples.flow_style or not samples.value:
            raise InputError("promote appends to a block list of samples ('- ...' lines), not a flow list",
                             source=source, field=f"families[{index}].samples")
        indent = samples.value[0].start_mark.column - 2
        at = _after(samples.value[-1], lines)
        lines[at:at] = [f"{' ' * indent}- {line}\n"]
        return SampleEdit(text="".join(lines), entry=index, changed=True)
    indent = families.value[0].start_mark.column if families.value else 2
    dash = " " * (indent - 2)
    pad = " " * indent
    entry = [f"{dash}# promoted real runs (simfarm promote): one named sample per logged run\n",
             f"{dash}- name: {family}\n", f"{pad}sampler: frozen\n", f"{pad}seeds: {NEW_ENTRY_SEEDS}\n",
             f"{pad}samples:\n", f"{pad}  - {line}\n"]
    at = _after(families.value[-1], lines) if families.value else len(lines)
    lines[at:at] = entry
    return SampleEdit(text="".join(lines), entry=len(families.value), changed=True)


def _families_node(root: Any, source: str) -> yaml.SequenceNode:
    if not isinstance(root, yaml.MappingNode):
        raise InputError("a sweep file must be a YAML mapping", source=source)
    node = _keys(root).get("families")
    if not isinstance(node, yaml.SequenceNode) or node.flow_style:
        raise InputError("promote edits a block list of families ('- name: ...' lines)", source=source,
                         field="families")
    return node


def _keys(node: Any) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalar(node: Any) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _existing(samples: Any, name: str, params: dict[str, ParamValue], source: str, index: int) -> str | None:
    """The name of a listed sample with these parameters, or None; refuses the name taken by other parameters."""
    listed = yaml.safe_load(yaml.serialize(samples)) or []
    for i, sample in enumerate(listed if isinstance(listed, list) else []):
        named = isinstance(sample, dict) and isinstance(sample.get("params"), dict)
        values = sample["params"] if named else sample
        if values == params:
            return str(sample["name"]) if named else f"samples[{i}]"
        if named and sample.get("name") == name:
            raise InputError(f"sample name {name!r} is taken by other parameters ({sample['params']}); "
                             "choose another with --name", source=source, field=f"families[{index}].samples[{i}]")
    return None


def _after(node: Any, lines: list[str]) -> int:
    """The line index just after ``node``'s last line (trailing blank lines stay after the insertion)."""
    end = node.end_mark
    at = end.line if end.column == 0 else end.line + 1
    while at > 0 and not lines[at - 1].strip():
        at -= 1
    return at


def _sample_line(name: str, params: dict[str, ParamValue]) -> str:
    inner = ", ".join(f"{k}: {_value(v)}" for k, v in params.items())
    return f"{{name: {_value(name)}, params: {{{inner}}}}}"


def _value(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        plain = bool(value) and value[0].isalnum() and all(c.isalnum() or c in "._-" for c in value)
        return value if plain and yaml.safe_load(value) == value else json.dumps(value)  # "1e5", "true": quoted
    return repr(value)
