"""``simfarm report sim2real --pairs``: the JSON shape, three formats agreeing, and bad files refused in one line.

The statistics' own oracle values (Kadian's Fisher-z interval, SIMPLER's MMRV, WOSAC's realism
example, Bland–Altman, CCC, CRPS, Brier) are tested in tests/farm/test_stats_sim2real.py; here
only what the report arranges: which values enter, what is excluded and counted, and the shape.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.jsonout import loads_strict
from farm.reports.render import format_cell

DATA = Path(__file__).parent / "data"
STATS_KEYS = {"n", "n_excluded", "pearson", "spearman", "kendall", "mmrv", "bland_altman", "ccc", "slope",
              "intercept", "wasserstein"}
OPTIONAL_KEYS = {"passfail", "realism"}
runner = CliRunner()


def _report(tmp_path: Path, pairs: Path, *extra: str) -> tuple[int, str, str]:
    out = runner.invoke(app, ["report", "sim2real", "--pairs", str(pairs), "-o", str(tmp_path / "out"), *extra,
                              "--json"])
    return out.exit_code, out.stdout, out.stderr


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One report of data/pairs.csv for the module: its folder and its JSON document."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        folder = tmp_path_factory.mktemp("pairs")
        code, stdout, _ = _report(folder, DATA / "pairs.csv")
    assert code == 0
    return folder / "out", loads_strict(stdout)


@pytest.fixture
def document(written: tuple[Path, dict]) -> dict:
    return written[1]


def _check_stats(stats: dict) -> None:
    assert STATS_KEYS <= set(stats) <= STATS_KEYS | OPTIONAL_KEYS
    assert set(stats["pearson"]) == {"value", "ci_fisher", "ci_bootstrap"}
    assert set(stats["spearman"]) == {"value"} and set(stats["kendall"]) == {"value"}
    assert set(stats["bland_altman"]) == {"bias", "loa_low", "loa_high"}
    for ci in (stats["pearson"]["ci_fisher"], stats["pearson"]["ci_bootstrap"]):
        assert ci is None or (len(ci) == 2 and ci[0] <= ci[1])


def test_json_is_shaped_metrics_overall_groups_stats(document: dict) -> None:
    assert document["report"] == "sim2real"
    assert set(document["metrics"]) == {"min_ttc_s", "passed"}
    for blocks in document["metrics"].values():
        assert set(blocks) == {"overall", "groups"} and set(blocks["groups"]) == {"fleet", "track"}
        for stats in (blocks["overall"], *blocks["groups"].values()):
            _check_stats(stats)
    assert "realism" in document["metrics"]["min_ttc_s"]["overall"]
    assert "passfail" in document["metrics"]["passed"]["overall"]
    assert "passfail" not in document["metrics"]["min_ttc_s"]["overall"]


def test_never_closing_ttc_is_excluded_and_counted_but_scored_for_realism(document: dict) -> None:
    ttc = document["metrics"]["min_ttc_s"]["overall"]
    assert ttc["n"] == 3 and ttc["n_excluded"] == 1  # u2 has one repeat that never closes: its mean is +inf
    assert ttc["realism"]["n"] == 4  # ... clipped to the last bin, it still has a likelihood
    u2 = next(u for u in document["units"]["min_ttc_s"] if u["unit"] == "u2")
    assert u2["sim_mean"] is None and u2["sim_median"] is None and u2["likelihood"] > 0  # inf is null in JSON
    assert document["metrics"]["min_ttc_s"]["overall"]["bland_altman"]["bias"] == pytest.approx(
        ((2.2 - 2.2) + (1.3 - 1.0) + (4.1 - 4.4)) / 3)


def test_passfail_by_majority_of_repeats_a_tie_fails(document: dict) -> None:
    pf = document["metrics"]["passed"]["overall"]["passfail"]
    # u1: one of two repeats failed (tie -> failed), real passed; u2 passed/passed; u3 failed/failed;
    # u4 passed in sim, failed in reality
    assert pf["table"] == {"both_failed": 1, "sim_only_failed": 1, "real_only_failed": 1, "both_passed": 1}
    assert pf["mcnemar"]["b"] == 1 and pf["mcnemar"]["c"] == 1 and pf["mcnemar"]["p_value"] == 1.0
    assert pf["brier"] == pytest.approx((0.5 ** 2 + 0 + 0 + 1.0) / 4)  # failed fractions 0.5, 0, 1, 0
    assert "tie fails" in pf["rule"]


def test_the_wosac_example_through_a_pairs_file_and_a_bins_file(tmp_path: Path) -> None:
    bins = tmp_path / "bins.yaml"
    bins.write_text("format: 1\nmetrics:\n  gap: {range: [0, 10], bins: 10, weight: 1}\n")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("unit,metric,sim,real\n" + "".join(f"{u},gap,{s},{r}\n" for u, r in (("a", 1.5), ("b", 5.0))
                                                        for s in (1.2, 1.4, 3.1, 9.0)))
    code, stdout, _ = _report(tmp_path, pairs, "--bins", str(bins))
    assert code == 0
    document = loads_strict(stdout)
    realism = document["metrics"]["gap"]["overall"]["realism"]
    assert document["metrics"]["gap"]["groups"] == {}  # no group column: overall only
    assert [u["likelihood"] for u in document["units"]["gap"]] == pytest.approx([0.42, 0.02])
    assert realism["mean"] == pytest.approx(0.22) and realism["geometric_mean"] == pytest.approx(0.0917, abs=1e-4)
    assert document["realism_meta"]["score"] == pytest.approx(0.22)


def test_html_json_and_markdown_agree_on_the_numbers(written: tuple[Path, dict]) -> None:
    folder, document = written
    page = html.unescape((folder / "report.html").read_text())
    markdown = (folder / "report.md").read_text()
    ttc = document["metrics"]["min_ttc_s"]["overall"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    for metric, blocks in document["metrics"].items():  # the first table: correlation and ranking, overall first
        s = blocks["overall"]
        p = s["pearson"]
        expected = [metric, "overall", s["n"], s["n_excluded"], p["value"], *(p["ci_fisher"] or [None, None]),
                    *(p["ci_bootstrap"] or [None, None]), s["spearman"]["value"], s["kendall"]["value"], s["mmrv"]]
        start = cells.index(metric)
        assert cells[start:start + 12] == [format_cell(v) for v in expected]
    md_row = next(line for line in markdown.splitlines() if line.startswith("| min_ttc_s |"))
    md = [c.strip() for c in md_row.strip("|").split("|")]
    assert md[1:4] == [format_cell(ttc["n"]), format_cell(ttc["n_excluded"]), format_cell(ttc["pearson"]["value"])]
    assert md[8] == format_cell(ttc["bland_altman"]["bias"])
    assert md[9] == format_cell(ttc["realism"]["mean"])


@pytest.mark.parametrize(("text", "reason"), [
    ("unit,metric,sim\nu,m,1\n", "real: required column is missing"),
    ("unit,metric,sim,real,extra\nu,m,1,2,3\n", "extra: unknown column"),
    ("unit,metric,sim,real\nu,m,NaN,2\n", "row 1, sim: NaN is not a value"),
    ("unit,metric,sim,real\nu,m,fast,2\n", "row 1, sim: 'fast' is not a number"),
    ("unit,metric,sim,real\nu,m,1,\n", "row 1, real: empty cell"),
    ("unit,metric,sim,real\nu,m,1,2\nu,m,1,3\n", "row 2, real: unit 'u' of metric 'm' has real 3"),
    ("unit,metric,sim,real\nu,passed,0.5,1\n", "row 1, sim: '0.5': a verdict metric takes 0/1"),
    ("unit,metric,sim,real\nu/x,m,1,2\n", "row 1, unit: 'u/x' is not a name"),
    ("unit,metric,sim,real\n", "unit: the pairs file has no rows"),
])
def test_a_malformed_pairs_file_is_one_line_and_exit_2(tmp_path: Path, text: str, reason: str) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(text)
    code, stdout, stderr = _report(tmp_path, pairs)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith(f"error: {pairs}: ") and reason in stderr, stderr


@pytest.mark.parametrize(("text", "field"), [
    ("format: 1\nmetrics:\n  m: {range: [0, 1]}\n", "metrics.m"),
    ("format: 1\nmetrics:\n  m: {edges: [0, 2, 1]}\n", "metrics.m.edges"),
    ("format: 1\nmetrics:\n  m: {edges: [0, 1], colour: red}\n", "metrics.m.colour"),
    ("format: 2\nmetrics: {}\n", "format"),
])
def test_a_malformed_bins_file_is_one_line_and_exit_2(tmp_path: Path, text: str, field: str) -> None:
    bins = tmp_path / "bins.yaml"
    bins.write_text(text)
    code, _, stderr = _report(tmp_path, DATA / "pairs.csv", "--bins", str(bins))
    assert code == 2 and stderr.count("\n") == 1 and f"{bins}: {field}" in stderr, stderr


def test_archive_stores_the_report_at_the_store_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    store = tmp_path / "store"
    code, stdout, _ = _report(tmp_path, DATA / "pairs.csv", "--archive", "--store", str(store))
    assert code == 0
    folder = store / "reports" / loads_strict(stdout)["report_id"]
    assert sorted(p.name for p in folder.iterdir()) == ["provenance.json", "report.html", "report.json", "report.md"]
