"""``promote``: validate, upload, add a named sample — only the sweep file changes; a failure changes nothing."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from farm.errors import InputError
from farm.reallog import read_log
from farm.reallog.promote import promote
from farm.store.layout import input_key
from farm.sweep import expand, load_sweep
from scenario_library.catalog import load_family
from scenario_library.family import Family
from tests.farm.reallog.logdata import track_rows, write_log

NIGHTLY = Path(__file__).resolve().parents[3] / "scenario_library" / "sweeps" / "nightly.yaml"
REPLAY = load_family("log_replay")
_lookup = load_family


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_promote_uploads_the_input_and_adds_only_a_named_sample_to_the_sweep(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log")
    sweep = tmp_path / "nightly.yaml"
    sweep.write_text(NIGHTLY.read_text())
    before, logs_before = sweep.read_text(), _files(log)
    done = promote(log, "r1", into=sweep, rule="cut_in", actor="lead", store=str(tmp_path / "store"),
                   family_lookup=_lookup)
    digest = read_log(log).content("r1")[0]
    assert done.content_hash == digest and done.uploaded and done.added and done.name == "r1"
    assert "names no store" in done.notice
    assert [k for k in _files(tmp_path / "store") if not k.startswith(".")] == [input_key(digest)]
    assert _files(log) == logs_before  # the log is read, never written
    added = [d for d in difflib.ndiff(before.splitlines(), sweep.read_text().splitlines()) if d[:2] in ("+ ", "- ")]
    assert all(d.startswith("+ ") for d in added)  # every comment and line of the file is kept
    assert f"{{name: r1, params: {{log: {digest}, rule: cut_in, actor: lead}}}}" in sweep.read_text()
    expanded = load_sweep(sweep)
    entry = expanded.families[-1]  # the new entry; the nightly's 'select: all' entries replay the nominal log
    assert entry.name == "log_replay" and entry.sample_names == ("r1",)
    specs = [s for s in expand(expanded, family_lookup=_lookup) if s.param_dict.get("log") == digest]
    assert {(s.param_dict["actor"], s.param_dict["rule"], s.design) for s in specs} == {("lead", "cut_in", "frozen")}
    assert sorted(s.seed for s in specs) == [1, 2, 3]
    again = promote(log, "r1", into=sweep, name="other", rule="cut_in", actor="lead", store=str(tmp_path / "store"),
                    family_lookup=_lookup)
    assert not again.added and not again.uploaded and again.name == "r1"  # promoted once, listed once


@pytest.mark.parametrize(("change", "field"), [
    ("bad log", "row 2, kind"), ("no trajectories", "real_run_id"), ("unknown actor", "--actor"),
    ("another store", "store"), ("family without the parameter", "families[0].samples[1].actor"),
])
def test_a_failed_promote_stores_nothing_and_leaves_the_sweep_as_it_was(change: str, field: str,
                                                                          tmp_path: Path) -> None:
    tracks = track_rows()
    if change == "bad log":
        tracks[1] = {**tracks[1], "kind": "truck"}
    log = write_log(tmp_path / "log", tracks=tracks)
    sweep = tmp_path / "s.yaml"
    store_line = f"store: {tmp_path / 'elsewhere'}\n" if change == "another store" else ""
    sweep.write_text(f"name: s\nseed: 1\n{store_line}families:\n  - name: log_replay\n    sampler: frozen\n"
                     "    samples:\n      - {log: '" + "1" * 32 + "'}\n")
    before = sweep.read_text()
    plain = Family(**{**{f: getattr(REPLAY, f) for f in REPLAY.__dataclass_fields__},
                      "parameters": REPLAY.parameters[:1]})
    lookup = (lambda name: plain) if change == "family without the parameter" else _lookup
    with pytest.raises(InputError) as caught:
        promote(log, "r2" if change == "no trajectories" else "r1", into=sweep, store=str(tmp_path / "store"),
                rule="cut_in", actor="ghost" if change == "unknown actor" else "lead", family_lookup=lookup)
    assert caught.value.field == field, caught.value.line()
    assert sweep.read_text() == before
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").rglob("inputs/*"))
