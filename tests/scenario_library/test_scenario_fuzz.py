"""Malformed family documents of every shape give clean one-line ScenarioErrors, never a traceback."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.main import app
from scenario_library.catalog import families_dir, load_family_file, validate_paths
from scenario_library.errors import ScenarioError

BASE: dict[str, Any] = yaml.safe_load((families_dir() / "low_friction_braking.yaml").read_text())
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)[1:]


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The valid document with one to three random edits: replace a value, delete a key, or add a key."""
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or reshaped this path
    return doc


def _check(content: str | bytes) -> list[ScenarioError]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        errors = validate_paths([path])
        for error in errors:
            assert isinstance(error, ScenarioError)
            assert error.source == str(path)
            assert "\n" not in error.line() and "\r" not in error.line()
        if not errors:
            load_family_file(path)  # what validates also loads
        return errors


@FUZZ
@given(mutated_documents())
def test_mutated_family_documents_never_escape_as_other_exceptions(doc: dict[str, Any]) -> None:
    _check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


@FUZZ
@given(values)
def test_arbitrary_yaml_values_are_refused_cleanly(value: Any) -> None:
    assert _check(yaml.safe_dump(value, allow_unicode=True))


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text_is_refused_cleanly(text: str) -> None:
    assert _check(text.replace("\ud800", ""))


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(data: bytes) -> None:
    assert _check(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_the_cli_answers_malformed_files_with_exit_2_and_one_line_per_problem(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        expected = validate_paths([path])
        result = CliRunner().invoke(app, ["scenarios", "validate", str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if expected:
            assert result.exit_code == 2
            lines = result.stderr.splitlines()
            assert lines == [f"error: {e.line()}" for e in expected]
        else:
            assert result.exit_code == 0
