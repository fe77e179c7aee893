"""Fixtures for the scenario library: a valid family document to mutate, and a writer for family files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenario_library.catalog import families_dir


@pytest.fixture(scope="session")
def base_doc_session() -> dict[str, Any]:
    """The shipped ``null`` family as a plain document, renamed and made visible (builder ``null:build``)."""
    doc = yaml.safe_load((families_dir() / "null.yaml").read_text())
    doc["name"] = "probe"
    doc["test_only"] = False
    doc["edge_cases"] = [{"name": "x_high", "params": {"x": 0.9, "pass_below": 0.5}, "expect": "fail",
                          "why": "x is above pass_below"}]
    return doc


@pytest.fixture
def doc(base_doc_session: dict[str, Any]) -> dict[str, Any]:
    """A fresh deep copy of the valid document, for one test to mutate."""
    return copy.deepcopy(base_doc_session)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Write a document (dumped as YAML) or raw text/bytes to ``tmp_path/name``; returns the path."""

    def _write(content: Any, name: str = "probe.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return path

    return _write
