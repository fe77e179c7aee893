"""The outcome-code hash: an allow-list of what changes outcomes; sweep files, commits and dirt never count."""

from __future__ import annotations

from pathlib import Path

from farm.fingerprint import LIBRARY_OUTCOME_FILES, hash_outcome_code, outcome_trees

ROOT = Path(__file__).resolve().parents[2]


def _library(root: Path) -> Path:
    for name, text in {"families/cut_in.yaml": "name: cut_in\n", "builders/cut_in.py": "X = 1\n",
                       "odd.yaml": "scenery: {}\n", "catalog.py": "", "sweeps/ci.yaml": "name: ci\n",
                       "README.txt": "notes\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _hash(library: Path) -> str:
    return hash_outcome_code([("scenario_library", library, LIBRARY_OUTCOME_FILES)])


def test_sweep_files_and_other_files_never_change_the_hash(tmp_path: Path) -> None:
    library = _library(tmp_path)
    before = _hash(library)
    (library / "sweeps" / "ci.yaml").write_text("name: ci\nbudget: 9\n")
    (library / "sweeps" / "new.yaml").write_text("name: new\n")
    (library / "README.txt").write_text("other notes\n")
    assert _hash(library) == before and before.startswith("outcome:") and len(before) == len("outcome:") + 16


def test_families_builders_odd_and_library_python_each_change_the_hash(tmp_path: Path) -> None:
    library = _library(tmp_path)
    seen = {_hash(library)}
    for name in ("families/cut_in.yaml", "builders/cut_in.py", "odd.yaml", "catalog.py"):
        (library / name).write_text((library / name).read_text() + "# edited\n")
        seen.add(_hash(library))
    (library / "families" / "new.yaml").write_text("name: new\n")
    seen.add(_hash(library))
    assert len(seen) == 6


def test_the_real_allow_list_holds_the_library_farm_outcome_code_and_the_stack_but_no_sweep() -> None:
    trees = {tag: (root, patterns) for tag, root, patterns in outcome_trees(["autonomy.reference:build_stack"])}
    assert set(trees) == {"scenario_library", "farm", "stack:autonomy.reference:build_stack"}
    files = {tag: {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)}
             for tag, (root, patterns) in trees.items()}
    assert "families/cut_in.yaml" in files["scenario_library"] and "odd.yaml" in files["scenario_library"]
    assert not any(name.startswith("sweeps/") for name in files["scenario_library"])
    assert {"sim/rollout.py", "metrics/ttc.py", "result.py", "spec.py"} <= files["farm"]
    assert not any(name.startswith(("driver/", "store/", "execution/")) for name in files["farm"])
    assert trees["stack:autonomy.reference:build_stack"][0] == ROOT / "autonomy"
