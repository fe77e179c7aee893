"""report compare on synthetic paired sweeps written through the store: the verdict rules, with checkable values.

(The exact McNemar value b = 3, c = 15 → two-sided p ≈ 0.0075 and Tango's worked examples are
tested once, in tests/farm/test_stats.py and tests/farm/test_stats_paired.py; here the gate uses them.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from benchmarks.synthetic_pairs import make_paired_sweeps
from farm.errors import InputError
from farm.reports.compare import compare
from farm.reports.gatefile import Gate, load_gate, parse_gate
from farm.stats_paired import pairs_needed, upper_bound_increase
from farm.store import open_store
from farm.store.base import Store

CRITICAL = ["cut_in", "pedestrian_crossing"]
STANDARD = ["static_obstacle", "curve_following"]
FAMILIES = CRITICAL + STANDARD
DAY = dt.date(2027, 1, 10)


def _gate(waivers: str = "", latency: str = "null") -> Gate:
    return parse_gate(f"version: 1\nname: t\nalpha: 0.05\nmargins: {{critical: 0.05, standard: 0.10}}\n"
                      f"latency: {{stack_p95_ms: {latency}}}\nwaivers: [{waivers}]\n", source="GATE.yaml")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Every scenario of this module, written once (about 10 s)."""
    s = open_store(str(tmp_path_factory.mktemp("compare") / "store"))
    make_paired_sweeps(s, "same-b", "same-c", 2400, seed=1, families=FAMILIES, changed=0.0)
    make_paired_sweeps(s, "tiny-b", "tiny-c", 8, seed=2, families=FAMILIES, changed=0.0)
    make_paired_sweeps(s, "reg-b", "reg-c", 2400, seed=3, families=FAMILIES, changed=0.0,
                       regress={"static_obstacle": 0.15})
    make_paired_sweeps(s, "crit-b", "crit-c", 2400, seed=4, families=FAMILIES, changed=0.0, regress={"cut_in": 0.01})
    make_paired_sweeps(s, "det-b", "det-c", 400, seed=5, families=FAMILIES, changed=0.0, same_code=True, flip=1)
    make_paired_sweeps(s, "infra-b", "infra-c", 2400, seed=6, families=FAMILIES, changed=0.0, infra=2)
    make_paired_sweeps(s, "vers-b", "vers-c", 40, seed=7, families=FAMILIES, version_bump="cut_in")
    make_paired_sweeps(s, "one", "", 400, seed=8, families=FAMILIES, changed=0.1, one_sweep=True)
    return s


def _outcomes(data: dict) -> dict[str, str]:
    return {f["family"]: f["judgement"]["outcome"] for f in data["families"]}


def test_identical_large_samples_pass(store: Store) -> None:
    data, _ = compare(store, "same-b", "same-c", gate=_gate(), today=DAY)
    assert data["verdict"]["outcome"] == "pass" and data["verdict"]["exit_code"] == 0
    for fam in data["families"]:
        v = fam["verdict"]
        assert v["b"] == v["c"] == 0 and v["upper_bound"] == pytest.approx(upper_bound_increase(0, 0, v["n"]))
        assert v["upper_bound"] < fam["margin"]
    assert data["pairing"]["pairs"] == 2400 and not data["determinism"]["defect"]


def test_identical_tiny_samples_are_inconclusive_with_the_demonstrable_margin(store: Store) -> None:
    data, _ = compare(store, "tiny-b", "tiny-c", gate=_gate(), today=DAY)
    assert data["verdict"]["outcome"] == "inconclusive" and data["verdict"]["exit_code"] == 3
    for fam in data["families"]:
        j, n = fam["judgement"], fam["verdict"]["n"]
        if n == 0:
            continue
        z2 = 1.6448536269514722 ** 2
        assert j["demonstrable_margin"] == pytest.approx(z2 / (n + z2), rel=1e-9)  # b = c = 0: z²/(n + z²)
        assert j["pairs_needed"] == pairs_needed(fam["margin"]) == (52 if fam["criticality"] == "critical" else 25)
        assert "assuming no discordant pairs" in j["reasons"][-1]


def test_a_planted_regression_in_one_family_fails_that_family_only(store: Store) -> None:
    data, _ = compare(store, "reg-b", "reg-c", gate=_gate(), today=DAY)
    outcomes = _outcomes(data)
    assert data["verdict"]["outcome"] == "fail"
    assert outcomes.pop("static_obstacle") == "fail" and set(outcomes.values()) == {"pass"}
    reg = next(f for f in data["families"] if f["family"] == "static_obstacle")["judgement"]
    assert reg["regression"] and reg["c"] == 0 and reg["b"] > 0 and reg["p_holm"] <= 0.05
    assert all(r.startswith("static_obstacle: regression shown") for r in data["verdict"]["reasons"])


def test_a_newly_failing_critical_run_fails_and_lists_the_replay_command(store: Store) -> None:
    data, _ = compare(store, "crit-b", "crit-c", gate=_gate(), today=DAY)
    outcomes = _outcomes(data)
    assert outcomes["cut_in"] == "fail" and data["verdict"]["outcome"] == "fail"
    cut_in = next(f for f in data["families"] if f["family"] == "cut_in")["judgement"]
    assert not cut_in["regression"] and cut_in["newly_failing_critical"] == cut_in["b"] > 0  # the rule, not the test
    row = next(r for r in data["newly_failing"]["listed"] if r["family"] == "cut_in")
    assert row["replay"] == f"simfarm replay {row['candidate_run']} --sweep crit-c --store {store.uri}"
    assert row["params"] is not None and row["fail_reasons"]


def test_an_expired_waiver_stops_applying(store: Store) -> None:
    waiver = "{family: cut_in, reason: known cut-in weakness, ticket: SIM-7, expires: 2027-01-15}"
    before, _ = compare(store, "crit-b", "crit-c", gate=_gate(waiver), today=dt.date(2027, 1, 14))
    after, _ = compare(store, "crit-b", "crit-c", gate=_gate(waiver), today=dt.date(2027, 1, 15))
    assert _outcomes(before)["cut_in"] == "waived" and before["verdict"]["outcome"] == "pass"
    assert _outcomes(after)["cut_in"] == "fail" and after["verdict"]["outcome"] == "fail"
    assert [w["active"] for w in before["waivers"]] == [True] and [w["active"] for w in after["waivers"]] == [False]


def test_a_scenario_waiver_leaves_that_pair_out(store: Store) -> None:
    data, _ = compare(store, "crit-b", "crit-c", gate=_gate(), today=DAY)
    failing = [r for r in data["newly_failing"]["listed"] if r["family"] == "cut_in" and r["class"] == "verdict"]
    waivers = ", ".join(f"{{scenario_key: {r['scenario_key']}, fidelity: {r['fidelity']}, reason: triaged, "
                        f"ticket: SIM-{i}, expires: 2027-02-01}}" for i, r in enumerate(failing))
    waived, _ = compare(store, "crit-b", "crit-c", gate=_gate(waivers), today=DAY)
    assert _outcomes(waived)["cut_in"] == "pass" and waived["pairing"]["waived"] == len(failing)


def test_same_code_with_one_discordant_pair_is_a_determinism_defect(store: Store) -> None:
    data, _ = compare(store, "det-b", "det-c", gate=_gate(), today=DAY)
    det = data["determinism"]
    assert det["same_code"] and det["same_platform"] and det["differing_pairs"] == 1 and det["defect"]
    assert data["verdict"]["outcome"] == "inconclusive" and data["verdict"]["determinism_defect"]
    assert data["verdict"]["reasons"][0].startswith("DETERMINISM DEFECT: 1 pair(s) differ")
    assert any("differ only by code_fingerprint" not in n for n in det["notes"]) or not det["notes"]


def test_infra_errors_make_it_inconclusive_with_the_missing_runs_listed(store: Store) -> None:
    data, _ = compare(store, "infra-b", "infra-c", gate=_gate(), today=DAY)
    assert data["verdict"]["outcome"] == "inconclusive"
    assert data["missing_runs"]["total"] == 2 and len(data["missing_runs"]["listed"]) == 2
    assert {r["candidate_status"] for r in data["missing_runs"]["listed"]} == {"infra_error"}
    assert "incomplete: 2 paired run(s) in infra_error" in data["verdict"]["reasons"]


def test_pairs_across_family_versions_are_refused_in_one_line(store: Store) -> None:
    with pytest.raises(InputError, match=r"family cut_in is at version \d+ in the baseline and \d+ in the candidate"):
        compare(store, "vers-b", "vers-c", gate=_gate(), today=DAY)


def test_two_stacks_of_one_sweep_and_a_side_that_names_no_stack(store: Store) -> None:
    data, _ = compare(store, "one:baseline", "one:candidate", gate=_gate(), today=DAY)
    assert data["pairing"]["pairs"] == 400 and data["baseline"]["stack"] == "baseline"
    with pytest.raises(InputError, match="holds 2 stacks; name one"):
        compare(store, "one", "one:candidate", gate=_gate(), today=DAY)


def test_latency_budget_fails_when_the_shift_lies_above_it(store: Store) -> None:
    data, _ = compare(store, "same-b", "same-c", gate=_gate(latency="0.001"), today=DAY)
    shift = data["latency"]["shift"]
    assert shift["level"] == pytest.approx(0.90) and shift["zero_method"] == "pratt"
    judged = data["latency"]["judgement"]["outcome"]
    expected = "fail" if shift["shift_low"] > 0.001 else "pass" if shift["shift_high"] < 0.001 else "inconclusive"
    assert judged == expected  # random latency draws: whichever side, the rule is applied as stated


def test_the_default_gate_applies_and_metrics_state_their_rules(store: Store, tmp_path: Path) -> None:
    data, _ = compare(store, "reg-b", "reg-c", gate=load_gate("default"), today=DAY)
    ttc = data["families"][0]["metrics"]["min_ttc_s"]
    assert ttc["zero_method"] == "pratt" and ttc["n_both_infinite"] > 0 and ttc["shift"] == 0.0
    assert ttc["n"] + ttc["n_inf_increase"] + ttc["n_inf_decrease"] + ttc["n_missing"] == ttc["n_pairs"]
