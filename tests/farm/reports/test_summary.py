"""The summary's numbers on a small hand-built sweep: every expected value is counted by hand below.

Layout of ``HAND`` (one family, one stack, kinematic):
- sobol (random design), 23 samples × seeds 1–2: 17 pass both; 2 fail both; one flaky (pass, fail);
  one pass + sim_error (passes: sim_error does not count); one sim_error × 2 (not counted); one pass +
  timeout (flaky: a timeout counts as a failure). → counted 22, passed 18, failed 2, flaky 2.
- grid (chosen design), 3 samples × seed 1: pass, pass, fail → counts only, 2 of 3.
- lhs: sample Y passes twice (preventable); sample X fails twice with preventable = false
  (mitigation): the stack hits at 10 and 6 m/s where the reference driver hits at 12 and 4.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from farm.reports.summary import SUMMARY_COLUMNS, compute_summary, summary_groups
from farm.result import tally
from farm.schema import SCHEMAS

STACK = "autonomy.reference:build_stack/default@c89a148b"
NAMES = {STACK: "reference"}
SCHEMA = pa.schema([SCHEMAS["runs"].field(c) for c in SUMMARY_COLUMNS])
LAT = [{"module": "perception", "p50_ms": 1.0, "p95_ms": 2.0, "max_ms": 5.0}]


def run(design: str, sample: int, seed: int, status: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "family": "cut_in", "family_version": 2, "stack_id": STACK, "fidelity": "kinematic", "design": design,
        "params": f'{{"gap_m": {sample}.0}}', "seed": seed, "status": status, "preventable": True,
        "run_id": f"{design}-{sample}-{seed}", "fail_reasons": [], "collision": False, "collision_speed_mps": 0.0,
        "collision_rel_speed_mps": 0.0, "collision_kind": "none", "collision_class": "none",
        "collision_at_fault": False, "ref_impact_speed_mps": 0.0, "safety_triggers": 0, "fallbacks": 0,
        "latency": [],
    }
    if status == "failed":
        row["fail_reasons"] = [f"min_ttc_s = 0.{sample}, needs >= 1.5"]
    return {**row, **values}


def hand_rows() -> list[dict[str, Any]]:
    rows = [run("sobol", i, s, "passed") for i in range(17) for s in (1, 2)]
    rows += [run("sobol", i, s, "failed") for i in (17, 18) for s in (1, 2)]
    rows += [run("sobol", 19, 1, "passed"), run("sobol", 19, 2, "failed")]
    rows += [run("sobol", 20, 1, "passed"), run("sobol", 20, 2, "sim_error")]
    rows += [run("sobol", 21, 1, "sim_error"), run("sobol", 21, 2, "sim_error")]
    rows += [run("sobol", 22, 1, "passed"), run("sobol", 22, 2, "timeout")]
    rows += [run("grid", 0, 1, "passed"), run("grid", 1, 1, "passed"), run("grid", 2, 1, "failed")]
    hit = {"preventable": False, "collision": True, "collision_kind": "vehicle", "fail_reasons":
           ["collision = true, needs == false", "min_ttc_s = 0, needs >= 1.5"]}
    rows += [run("lhs", 0, 1, "passed", latency=LAT, safety_triggers=2),
             run("lhs", 0, 2, "passed", latency=[{**LAT[0], "p50_ms": 3.0, "p95_ms": 4.0, "max_ms": 9.0}]),
             run("lhs", 1, 1, "failed", **hit, collision_speed_mps=10.0, ref_impact_speed_mps=12.0,
                 collision_rel_speed_mps=3.0, collision_class="front", collision_at_fault=True, fallbacks=1),
             run("lhs", 1, 2, "failed", **hit, collision_speed_mps=6.0, ref_impact_speed_mps=4.0,
                 collision_rel_speed_mps=12.0, collision_class="rear")]
    return rows


HAND = pa.Table.from_pylist(hand_rows(), schema=SCHEMA)
EVENTS = pa.table({"run_id": ["lhs-0-1", "lhs-0-1", "lhs-0-2", "nope"], "kind": ["deadline_miss"] * 2 + ["aeb"] * 2,
                   "detail": ["perception 45.0 > 40.0", "perception 52.5 > 40.0", "ttc 0.9 s track 1", "x"]})


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    return compute_summary(HAND, EVENTS, stack_names=NAMES)


def group(body: dict[str, Any], design: str) -> dict[str, Any]:
    [found] = [g for g in body["groups"] if g["design"] == design]
    return found


def test_a_random_design_gets_a_wilson_interval_over_samples(body: dict[str, Any]) -> None:
    v = group(body, "sobol")["verdict"]
    assert (v["samples"], v["counted"], v["passed"], v["failed"], v["flaky"], v["not_counted"]) == (23, 22, 18, 2, 2, 1)
    assert v["pass_rate"] == pytest.approx(18 / 22)
    # Wilson 18/22 at 95 %, by hand: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.96
    assert (v["interval"]["low"], v["interval"]["high"]) == pytest.approx((0.6148, 0.9269), abs=1e-4)
    assert group(body, "sobol")["interval"] == "wilson"


def test_a_chosen_design_shows_counts_alone(body: dict[str, Any]) -> None:
    g = group(body, "grid")
    assert g["interval"] == "counts" and g["verdict"]["interval"] is None
    assert (g["verdict"]["counted"], g["verdict"]["passed"]) == (3, 2)


def test_runs_by_status_count_every_stored_run(body: dict[str, Any]) -> None:
    runs = group(body, "sobol")["runs"]
    assert runs["by_status"] == {"passed": 37, "failed": 5, "sim_error": 3, "timeout": 1}
    assert (runs["n"], runs["failures"], runs["excluded"]) == (43, 6, 3)


def test_unpreventable_runs_are_mitigation_apart_from_the_verdict(body: dict[str, Any]) -> None:
    g = group(body, "lhs")
    assert (g["verdict"]["counted"], g["verdict"]["passed"]) == (1, 1)
    assert (g["mitigation"]["counted"], g["mitigation"]["passed"]) == (1, 0)
    lhs = HAND.filter(pa.compute.equal(HAND["design"], "lhs"))
    split = tally(lhs["status"].to_pylist(), lhs["preventable"].to_pylist())  # the runs agree with farm.result
    assert g["verdict"]["runs"] == split.verdict.as_dict() and g["mitigation"]["runs"] == split.mitigation.as_dict()
    [m] = body["mitigation"]
    assert (m["runs"], m["stack_collisions"], m["reference_collisions"], m["no_worse"]) == (2, 2, 2, 1)
    assert (m["stack_impact_mean_mps"], m["reference_impact_mean_mps"]) == (8.0, 8.0)


def test_flaky_samples_are_listed_with_each_seed(body: dict[str, Any]) -> None:
    flaky = body["flaky"]
    assert flaky["count"] == 2
    assert [f["seeds"] for f in flaky["listed"]] == [{"1": "passed", "2": "failed"}, {"1": "passed", "2": "timeout"}]
    assert flaky["listed"][0]["params"] == '{"gap_m": 19.0}'


def test_per_stack_totals_keep_random_designs_apart(body: dict[str, Any]) -> None:
    [s] = body["stacks"]
    assert s["stack"] == "reference" and s["all_designs"]["interval"] is None
    assert (s["all_designs"]["counted"], s["all_designs"]["passed"]) == (22 + 3 + 1, 18 + 2 + 1)
    assert (s["random_designs"]["counted"], s["random_designs"]["passed"]) == (23, 19)
    assert s["random_designs"]["interval"]["method"] == "wilson"


def test_failure_reasons_are_grouped_by_criterion(body: dict[str, Any]) -> None:
    got = {r["criterion"]: (r["runs"], r["verdict"], r["mitigation"]) for r in body["failure_reasons"]}
    # 5 sobol + 1 grid failed runs break min_ttc_s (values differ); the 2 mitigation runs break both criteria
    assert got == {"min_ttc_s >= 1.5": (8, 6, 2), "collision == false": (2, 0, 2), "status timeout": (1, 1, 0)}


def test_collisions_by_kind_class_and_speed_band(body: dict[str, Any]) -> None:
    c = body["collisions"]
    assert [(r["kind"], r["collisions"], r["at_fault"], r["mitigation"]) for r in c["by_kind"]] == \
        [("vehicle", 2, 1, 2)]
    assert {(r["class"], r["at_fault"]): r["collisions"] for r in c["by_class"]} == {("front", True): 1,
                                                                                      ("rear", False): 1}
    assert {r["band"]: r["collisions"] for r in c["by_rel_speed"]} == {"2–5 m/s": 1, "10–20 m/s": 1}


def test_safety_and_latency(body: dict[str, Any]) -> None:
    [s] = body["safety"]
    assert (s["runs"], s["safety_triggers"], s["runs_with_trigger"], s["fallbacks"]) == (43 + 3 + 4, 2, 1, 1)
    [lat] = body["latency"]
    assert (lat["module"], lat["runs"], lat["p50_ms"], lat["max_ms"]) == ("perception", 2, 2.0, 9.0)
    assert lat["p95_ms"] == pytest.approx(3.9)  # 95th percentile of the runs' p95 (2, 4), linear
    assert (lat["deadline_misses"], lat["runs_with_miss"], lat["deadline_ms"]) == (2, 1, 40.0)


def test_the_end_of_sweep_groups_are_the_reports(body: dict[str, Any]) -> None:
    light = summary_groups(HAND.select(["family", "family_version", "stack_id", "fidelity", "design", "params",
                                        "seed", "status", "preventable"]), NAMES)
    assert light["groups"] == body["groups"] and light["stacks"] == body["stacks"]


def test_groups_are_ordered_family_stack_fidelity_then_chosen_designs_first(body: dict[str, Any]) -> None:
    assert [g["design"] for g in body["groups"]] == ["grid", "sobol", "lhs"]


def test_nothing_stored_gives_empty_tables() -> None:
    empty = compute_summary(SCHEMA.empty_table(), None, stack_names=NAMES)
    assert empty["groups"] == [] and empty["stacks"] == [] and empty["flaky"]["count"] == 0
