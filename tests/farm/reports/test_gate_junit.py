"""``simfarm report compare`` through the CLI: exit codes, JUnit XML of the common shape, JSON, archive."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.synthetic_pairs import make_paired_sweeps
from cli.main import app
from farm.errors import ExitCode
from farm.jsonout import loads_strict
from farm.store import open_store

FAMILIES = ["cut_in", "static_obstacle"]
CASE_CHILDREN = {"failure", "error", "skipped", "system-out", "system-err"}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("junit") / "store"
    store = open_store(str(path))
    make_paired_sweeps(store, "fail-b", "fail-c", 600, seed=11, families=FAMILIES, changed=0.0, flip=3)
    make_paired_sweeps(store, "tiny-b", "tiny-c", 6, seed=12, families=FAMILIES, changed=0.0)
    return path


def _run(root: Path, *args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(app, ["report", "compare", *args, "--store", str(root), "--today", "2027-01-10",
                                   "-o", str(root.parent / "out")], catch_exceptions=False)
    return out.exit_code, out.stdout, out.stderr


def check_junit_shape(path: Path) -> ET.Element:
    """The common JUnit schema's shape: testsuites > testsuite > testcase, counts that add up."""
    top = ET.parse(path).getroot()
    assert top.tag == "testsuites"
    for suite in top.findall("testsuite"):
        assert suite.get("name")
        cases = suite.findall("testcase")
        counts = {k: int(suite.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped")}
        assert counts == {"tests": len(cases), "failures": sum(c.find("failure") is not None for c in cases),
                          "errors": 0, "skipped": sum(c.find("skipped") is not None for c in cases)}
        float(suite.get("time", "x"))
        for case in cases:
            assert case.get("name") and case.get("classname") and float(case.get("time", "x")) >= 0
            tags = [child.tag for child in case]
            assert set(tags) <= CASE_CHILDREN and sum(t in ("failure", "error", "skipped") for t in tags) <= 1
            for verdict in case.findall("failure") + case.findall("skipped"):
                assert verdict.get("message")
    assert int(top.get("tests", "-1")) == sum(int(s.get("tests", "0")) for s in top.findall("testsuite"))
    return top


def test_a_failing_gate_exits_1_and_its_junit_failure_names_the_evidence(root: Path) -> None:
    junit = root.parent / "fail.xml"
    code, stdout, _ = _run(root, "fail-b", "fail-c", "--junit", str(junit))
    assert code == ExitCode.FINDING and "FAIL:" in stdout
    top = check_junit_shape(junit)
    cases = {c.get("name"): c for c in top.iter("testcase")}
    assert set(cases) == {*FAMILIES, "latency p95"}  # one per family, and the latency budget of the default gate
    failure = cases["cut_in"].find("failure")
    assert failure is not None and "newly failing" in failure.get("message", "")
    assert "simfarm replay " in (failure.text or "") and "b (newly failing) " in (failure.text or "")


def test_inconclusive_exits_3_or_0_when_allowed_and_its_testcases_are_skipped(root: Path) -> None:
    junit = root.parent / "tiny.xml"
    code, stdout, _ = _run(root, "tiny-b", "tiny-c", "--junit", str(junit))
    assert code == ExitCode.INCONCLUSIVE and "INCONCLUSIVE" in stdout
    top = check_junit_shape(junit)
    assert all(c.find("skipped") is not None for c in top.iter("testcase") if c.get("name") in FAMILIES)
    assert _run(root, "tiny-b", "tiny-c", "--inconclusive-ok")[0] == ExitCode.OK


def test_json_is_one_strict_document_and_the_archive_lives_under_the_candidate(root: Path) -> None:
    code, stdout, _ = _run(root, "fail-b", "fail-c", "--json", "--archive")
    document = loads_strict(stdout)
    assert code == ExitCode.FINDING and document["report"] == "compare"
    assert document["verdict"]["outcome"] == "fail" and document["verdict"]["exit_code"] == 1
    listed = sorted(p.name for p in (root / "sweeps" / "fail-c" / "reports" / document["report_id"]).iterdir())
    assert listed == ["provenance.json", "report.html", "report.json", "report.md"]


def test_bad_input_is_one_line_and_exit_2(root: Path, tmp_path: Path) -> None:
    gate = tmp_path / "GATE.yaml"
    gate.write_text("version: 1\nname: x\nmargins: {critical: 0.05, standard: 0.1}\nmargin: 0.1\n")
    code, _, stderr = _run(root, "fail-b", "fail-c", "--gate", str(gate))
    assert code == ExitCode.BAD_INPUT and stderr.strip() == f"error: {gate}: margin: unknown field"
    code, _, stderr = _run(root, "fail-b", "no-such-sweep")
    assert code == ExitCode.BAD_INPUT and len(stderr.strip().splitlines()) == 1
