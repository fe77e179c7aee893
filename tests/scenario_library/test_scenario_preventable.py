"""The ``preventable:`` block of a family file: strictly validated, one line naming the file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scenario_library.catalog import family_dict, list_families, load_family_file, validate_paths
from scenario_library.errors import ScenarioError


def test_every_shipped_family_pins_a_versioned_rule() -> None:
    for family in list_families(include_test_only=True):
        assert family.preventable is not None, family.name
        assert family.preventable.rule_id.endswith("@1")
    assert family_dict(list_families()[0])["preventable"]["rule"] == "curve_following@1"


@pytest.mark.parametrize(("block", "field", "reason"), [
    ({"rule": "brake_hard", "version": 1, "why": "x"}, "preventable.rule", "unknown rule 'brake_hard'"),
    ({"rule": "cut_in", "version": 0, "why": "x"}, "preventable.version", "positive"),
    ({"rule": "cut_in", "version": 1, "why": " "}, "preventable.why", "explain"),
    ({"rule": "cut_in", "version": 1, "why": "x", "margin_m": -1.0}, "preventable.margin_m", ">= 0"),
    ({"rule": "curve_following", "version": 1, "why": "x"}, "preventable.lat_accel_limit_mps2", "needs"),
    ({"rule": "cut_in", "version": 1, "why": "x", "lat_accel_limit_mps2": 4.0}, "preventable.lat_accel_limit_mps2",
     "not used"),
    ({"rule": "cut_in", "version": 1, "why": "x", "speed": 3}, "preventable.speed", "unknown key"),
])
def test_a_bad_block_is_one_line_naming_file_and_field(doc: dict[str, Any], write: Callable[..., Path],
                                                       block: dict[str, Any], field: str, reason: str) -> None:
    doc["preventable"] = block
    path = write(doc)
    errors = validate_paths([path])
    assert len(errors) == 1 and errors[0].field == field and reason in errors[0].reason, errors
    with pytest.raises(ScenarioError) as info:
        load_family_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
