"""The ODD taxonomy: it loads, maps parameter values to ODD values by bin, and refuses malformed files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenario_library.catalog import load_family
from scenario_library.errors import ScenarioError
from scenario_library.odd import default_odd, load_odd, odd_path, odd_value, odd_values


def test_the_taxonomy_has_the_pas_1883_categories_and_attributes() -> None:
    odd = default_odd()
    assert {a.category for a in odd.attributes} == {"scenery", "environment", "dynamic_elements"}
    assert odd.attribute("surface_friction").values == ("high", "medium", "low")
    assert odd.attribute("lanes").values == ("1", "2", "3+")
    assert odd.attribute("actor_types").values == ("vehicle", "pedestrian", "cyclist", "static")


@pytest.mark.parametrize(("mu", "expected"), [(0.1, "low"), (0.399, "low"), (0.4, "medium"), (0.69, "medium"),
                                              (0.7, "high"), (1.0, "high")])
def test_friction_maps_to_its_band_with_lower_edges_inclusive(mu: float, expected: str) -> None:
    assert odd_value(load_family("low_friction_braking").parameter("mu"), mu) == expected


@pytest.mark.parametrize(("speed_mps", "expected"), [(5.0, "low"), (7.99, "low"), (8.0, "medium"), (16.9, "medium"),
                                                     (17.0, "high"), (30.0, "high")])
def test_ego_speed_maps_to_the_speed_bands_of_the_odd(speed_mps: float, expected: str) -> None:
    assert odd_value(load_family("lead_vehicle_braking").parameter("ego_speed_mps"), speed_mps) == expected


def test_odd_values_of_a_parameter_set_cover_every_bound_parameter() -> None:
    family = load_family("sensor_degradation")
    values = odd_values(family.parameters, family.resolve({"lidar_max_range_m": 10.0, "gnss_outage_s": 1.0}))
    assert values == {"ego_speed_band": "medium", "sensor_degradation": "severe", "gnss": "degraded"}


def test_an_unbound_parameter_has_no_odd_value() -> None:
    assert odd_value(load_family("lead_vehicle_braking").parameter("gap_m"), 10.0) is None


@pytest.fixture
def odd_doc() -> dict[str, Any]:
    return yaml.safe_load(odd_path().read_text())


@pytest.mark.parametrize(("mutate", "field", "reason"), [
    (lambda d: d["attributes"]["gnss"].update(colour="red"), "attributes.gnss.colour", "Extra inputs"),
    (lambda d: d["attributes"]["lanes"].update(values=["1", "1"]), "attributes.lanes.values", "unique"),
    (lambda d: d["attributes"]["surface_friction"]["measures"]["mu"].update(edges=[0.7, 0.4]),
     "attributes.surface_friction.measures.mu.edges", "strictly increasing"),
    (lambda d: d["attributes"]["surface_friction"]["measures"]["mu"].update(values=["low", "high"]),
     "attributes.surface_friction.measures.mu.values", "needs 3 values"),
    (lambda d: d["attributes"]["gnss"]["measures"]["gnss_outage_s"].update(values=["a", "b", "c"]),
     "attributes.gnss.measures.gnss_outage_s.values", "'a' is not a value of gnss"),
    (lambda d: d["attributes"].update(BadName={"category": "scenery", "description": "x", "values": ["a"]}),
     "attributes.BadName", "lower_snake_case"),
    (lambda d: d["attributes"]["junction"].update(category="weather"), "attributes.junction.category", "Input"),
])
def test_a_malformed_taxonomy_is_one_clear_error(odd_doc: dict[str, Any], write: Callable[..., Path],
                                                 mutate: Callable[[dict[str, Any]], None], field: str,
                                                 reason: str) -> None:
    mutate(odd_doc)
    path = write(odd_doc, "odd.yaml")
    with pytest.raises(ScenarioError) as err:
        load_odd(path)
    assert err.value.source == str(path) and err.value.field == field and reason in err.value.reason
