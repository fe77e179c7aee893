"""``simfarm report coverage`` on a small real store: the three formats agree, the fill file runs, the sub-domain."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.jsonout import loads_strict
from farm.reports.coverage_axes import axes_of
from farm.reports.coverage_tway import tway
from farm.reports.render import format_cell
from farm.sweep import expand, load_sweep
from scenario_library.catalog import load_family
from tests.farm.reports.coverage_fixtures import SWEEP_ID, make_store


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list]:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("coverage")
    store, _, specs = make_store(tmp)
    out = tmp / "out"
    result = CliRunner().invoke(app, ["report", "coverage", SWEEP_ID, "--store", store.uri, "-o", str(out),
                                      "--heatmaps", "1", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, loads_strict(result.stdout), specs


def test_html_json_and_markdown_agree_on_every_number(written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    out, doc, _ = written
    assert doc == loads_strict((out / "report.json").read_text())
    page = (out / "report.html").read_text()
    tables = [[[html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", tr)]
               for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
              for body in re.findall(r"<table>(.*?)</table>", page, flags=re.S)]
    glance = {row[0]: row[1:] for row in tables[0] if row}
    head = doc["tway_overall"]
    for t in ("2", "3"):
        for scope, what in (("declared", "declared domain"), ("chosen", "chosen sub-domain")):
            c = head[t][scope]
            assert glance[f"{t}-way bin combinations, {what}"] == [format_cell(c[k]) for k in ("covered", "total",
                                                                                               "share")]
    odd = doc["odd"]
    assert glance["ODD values sampled (of all permitted values)"] == [
        format_cell(odd["sampled"]), format_cell(odd["values"]), format_cell(odd["share"])]
    cells = [c for table in tables for row in table for c in row]
    rows = {f["family"]: f for f in doc["families"]}
    lvb = rows["lead_vehicle_braking"]
    two = lvb["tway"]["2"]
    expected = ["lead_vehicle_braking", "2", *(format_cell(two[s][k]) for s in ("declared", "chosen")
                                               for k in ("covered", "total", "share"))]
    assert any(cells[i:i + 8] == expected for i in range(len(cells))), "the t-wise row differs from the JSON"
    md = (out / "report.md").read_text()
    c2 = head["2"]["declared"]
    assert f"| 2-way bin combinations, declared domain | {format_cell(c2['covered'])} | " \
           f"{format_cell(c2['total'])} | {format_cell(c2['share'])} |" in md
    crit = doc["critical"]
    assert f"critical scenarios {crit['covered']} of {crit['total']}" in md


def test_the_sub_domain_is_read_from_the_sweep_file_with_fixed_parameters_noted(
        written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    _, doc, _ = written
    lvb = next(f for f in doc["families"] if f["family"] == "lead_vehicle_braking")
    assert lvb["fixed"] == [{"parameter": "brake_time_s", "bin": "[2, 4) s"}]
    assert lvb["varied"] == ["ego_speed_mps", "gap_m", "lead_decel_mps2"]
    decel = next(p for p in lvb["parameters"] if p["parameter"] == "lead_decel_mps2")
    assert decel["bins"] == 6 and decel["chosen_bins"] == 4  # range [1, 6] reaches the bins of 1, 3, 5, 7
    # chosen 2-way: ego 6 bins x gap 6 + ego x decel 6 x 4 + gap x decel 6 x 4
    assert lvb["tway"]["2"]["chosen"]["total"] == 36 + 24 + 24
    assert "sweep file" in doc["subdomain_sources"][SWEEP_ID]
    lfb = next(f for f in doc["families"] if f["family"] == "low_friction_braking")
    assert lfb["tway"]["2"]["declared"]["share"] == 1.0  # a 2-wise design of the declared levels
    assert lfb["fixed"] == []


def test_a_bool_parameter_bins_by_its_levels(written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    _, doc, specs = written
    ped = next(f for f in doc["families"] if f["family"] == "pedestrian_crossing")
    occluded = next(p for p in ped["parameters"] if p["parameter"] == "occluded")
    flags = [bool(s.param_dict["occluded"]) for s in specs if s.family == "pedestrian_crossing"]
    assert [(b["label"], b["runs"]) for b in occluded["per_bin"]] == [("false", flags.count(False)),
                                                                      ("true", flags.count(True))]


def test_failure_map_cells_count_through_the_status_table(written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    _, doc, specs = written
    lvb = next(f for f in doc["families"] if f["family"] == "lead_vehicle_braking")
    fmap = next(m for m in lvb["failure_maps"] if m["pair"] == ["ego_speed_mps", "gap_m"])
    gaps = [float(s.param_dict["gap_m"]) for s in specs if s.family == "lead_vehicle_braking"]
    assert sum(c["n"] for c in fmap["cells"]) == len(gaps) == 16
    assert sum(c["failures"] for c in fmap["cells"]) == sum(g < 20.0 for g in gaps)
    short = [c for c in fmap["cells"] if c["col"] <= 1 and c["n"]]  # gap bins < 15 m: every run failed
    assert short and all(c["pass_rate"] == 0.0 for c in short)
    assert lvb["failure_maps"][0]["pair"] in (["ego_speed_mps", "gap_m"], ["gap_m", "lead_decel_mps2"])


def test_the_fill_sweep_file_expands_and_closes_every_2_way_gap(written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    out, doc, specs = written
    fill = load_sweep(out / "coverage-fill.yaml")  # the real loader: the file is valid as written
    added = expand(fill)
    assert len({s.scenario_key for s in added}) == doc["fill"]["samples"]
    for name in ("lead_vehicle_braking", "low_friction_braking"):
        family = load_family(name)
        axes, _ = axes_of(family)
        both = [s for s in (*specs, *added) if s.family == name]
        bins = np.array([[a.encode_value(s.param_dict[a.name]) for a in axes] for s in both])
        cover = tway(bins, [tuple(range(a.k)) for a in axes], 2)
        assert cover.share == 1.0, name
    assert "low_friction_braking" not in doc["fill"]["by_family"]  # nothing left to fill there


def test_critical_scenarios_need_passing_preventable_samples(written: tuple[Path, dict, list]) -> None:  # type: ignore[type-arg]
    _, doc, _ = written
    crit = {(s["kind"], s["name"]): s for s in doc["critical"]["scenarios"]}
    lvb = crit[("family", "lead_vehicle_braking")]
    assert lvb["samples"] == 16 and lvb["covered"] and 0 < lvb["passing"] < 16
    assert not crit[("family", "cut_in")]["covered"] and crit[("family", "cut_in")]["samples"] == 0
    assert doc["critical"]["total"] == len(crit) and doc["critical"]["meets_kpi"] is False


def test_a_partial_sweep_is_refused_without_the_flag_and_labelled_with_it(tmp_path: Path) -> None:
    store, _, _ = make_store(tmp_path, state="partial")
    args = ["report", "coverage", SWEEP_ID, "--store", store.uri, "-o", str(tmp_path / "o"), "--json"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "--allow-partial" in refused.output
    allowed = CliRunner().invoke(app, [*args, "--allow-partial", "--heatmaps", "0"])
    assert allowed.exit_code == 0 and loads_strict(allowed.stdout)["labels"][0].startswith("PARTIAL SWEEP")
