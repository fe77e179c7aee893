"""Replay a stored rollout here, from its stored spec, and check the determinism promise.

docs/architecture.md ("Determinism") promises: same RolloutSpec + same code fingerprint + same architecture ->
identical ``outcome_hash``. ``replay`` reruns a stored run, compares the hashes
and, on a mismatch, says which of those three differed (or that none did, which
is a bug to report). ``find_run`` locates a run id in one sweep or in the newest
sweep that holds it.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm.errors import InputError, StoreError
from farm.fingerprint import code_fingerprint
from farm.result import RolloutResult, Status
from farm.spec import RolloutSpec
from farm.store.backend import ObjectMissing
from farm.store.base import Manifest, Store
from farm.store.ids import validate_key_part
from scenario_library.recorded import RecordedLog

RUN_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
RUN_COLUMNS = ("run_id", "spec", "outcome_hash", "code_fingerprint", "status", "worker", "error")
ARCH_KEYS = ("machine", "arch", "architecture", "platform")   # manifest ``versions`` keys naming the CPU
OUTCOME_LIBRARIES = ("python", "numpy", "scipy", "pybullet")    # recorded versions that can change an outcome
# fault-family modes that hang or end the process: replaying them would take the CLI down with them
UNREPLAYABLE_FAULTS = frozenset({"hang", "busy_hang", "exit", "crash_after"})
_EXECUTOR_STATUSES = (Status.TIMEOUT.value, Status.INFRA_ERROR.value)   # recorded by the executor, not a rollout
_FINGERPRINT_LABELS = ("simfarm version", "source revision", "scenario library hash", "stack id",
                       "stack source hash")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayReport:
    """The outcome of one replay: both hashes, the verdict and, on a mismatch, why."""

    run_id: str
    sweep_id: str
    stored_status: str
    stored_hash: str
    replay_hash: str
    match: bool
    reasons: tuple[str, ...]          # empty on a match
    result: RolloutResult             # the replayed rollout (with telemetry when the family has any)
    plot_path: Path | None = None     # the PNG written, if any
    notes: tuple[str, ...] = ()       # informational: plot skipped, spec identity drift


def validate_run_id(run_id: str) -> str:
    """``run_id`` if it is 16 lowercase hex characters, else ``InputError`` naming the argument."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise InputError(f"{run_id!r} is not a run id (16 lowercase hex characters)", field="RUN_ID")
    return run_id


def find_run(store: Store, run_id: str, sweep_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """The sweep holding ``run_id`` and its stored row (latest attempt; ``RUN_COLUMNS`` only).

    Searches ``sweep_id`` only, or every sweep newest first. ``InputError`` for a
    malformed run id or sweep id, a sweep that does not exist, or a run not found.
    """
    import pyarrow.compute as pc

    validate_run_id(run_id)
    if sweep_id is not None:
        validate_key_part(sweep_id, "--sweep")
        try:
            store.read_manifest(sweep_id)
        except ObjectMissing:
            raise InputError(f"no sweep {sweep_id!r} in {store.uri}", field="--sweep") from None
        candidates = [sweep_id]
    else:
        candidates = [m.sweep_id for m in store.list_sweeps()]
    for candidate in candidates:
        table = store.read_table(candidate, "runs", columns=RUN_COLUMNS)
        rows = table.filter(pc.equal(table["run_id"], run_id)).to_pylist()
        if rows:
            return candidate, rows[0]
    where = f"sweep {sweep_id}" if sweep_id else f"any of the {len(candidates)} sweep(s)"
    raise InputError(f"no run {run_id} in {where} of {store.uri}", field="RUN_ID")


def replay(store: Store, run_id: str, *, sweep_id: str | None = None,
           plot_path: str | Path | None = None) -> ReplayReport:
    """Rerun a stored rollout from its stored spec and compare its ``outcome_hash``.

    Args:
        store: where the run is stored.
        run_id: the run to replay (16 lowercase hex characters).
        sweep_id: look only in this sweep (default: the newest sweep holding the run).
        plot_path: write the trajectory/speed/TTC PNG here (None: no plot). Synthetic
            families and rollouts that end in ``sim_error`` have no telemetry: the plot
            is skipped with a note.
    """
    from farm.reallog.inputs import fetch_inputs
    from farm.sim.rollout import run_rollout

    found_in, row = find_run(store, run_id, sweep_id)
    spec = _stored_spec(row, found_in)
    inputs = fetch_inputs(store, [spec])  # the logs of input parameters, from the run's own store
    notes: list[str] = []
    if spec.run_id != run_id:
        notes.append(f"the stored spec now hashes to run id {spec.run_id}: the identity encoding changed")
    result = run_rollout(spec, telemetry=True, inputs=inputs)
    match = result.outcome_hash == row["outcome_hash"]
    reasons: tuple[str, ...] = ()
    if not match:
        reasons = mismatch_reasons(row, result, _manifest_or_none(store, found_in))
    written = None
    if plot_path is not None:
        written, note = _plot(result, Path(plot_path), inputs)
        notes.extend([note] if note else [])
    return ReplayReport(run_id=run_id, sweep_id=found_in, stored_status=str(row["status"]),
                        stored_hash=str(row["outcome_hash"] or ""), replay_hash=result.outcome_hash, match=match,
                        reasons=reasons, result=result, plot_path=written, notes=tuple(notes))


def _stored_spec(row: dict[str, Any], sweep_id: str) -> RolloutSpec:
    source = f"sweep {sweep_id} run {row['run_id']}"
    try:
        spec = RolloutSpec.from_json(row["spec"])
    except (TypeError, ValueError, KeyError) as exc:
        raise StoreError(f"the stored spec is unreadable ({type(exc).__name__}: {exc})", source=source,
                         field="spec") from None
    mode = str(spec.param_dict.get("mode", "ok"))
    if spec.family == "fault" and mode in UNREPLAYABLE_FAULTS:
        raise InputError(f"fault mode {mode!r} hangs or ends the process on purpose; it is not replayed here",
                         source=source, field="spec")
    return spec


def _manifest_or_none(store: Store, sweep_id: str) -> Manifest | None:
    try:
        return store.read_manifest(sweep_id)
    except ObjectMissing:
        return None


def _plot(result: RolloutResult, path: Path, inputs: Mapping[str, RecordedLog]) -> tuple[Path | None, str]:
    from farm.sim import synthetic

    spec = result.spec
    if spec.family in synthetic.SYNTHETIC_FAMILIES:
        return None, f"no plot: '{spec.family}' is a synthetic family (no simulation, no trajectories)"
    if result.telemetry is None or len(result.telemetry.t_s) == 0:
        return None, f"no plot: the replay ended {result.status.value} without telemetry"
    from farm.reports.trajectory_plot import plot_rollout
    from scenario_library.catalog import load_family

    road = load_family(spec.family).build(spec.param_dict, inputs=inputs).road  # it just built: cannot fail
    try:
        return plot_rollout(result, path, road=road), ""
    except OSError as exc:   # keep the verdict: an unwritable PNG path is worth a note, not a lost replay
        return None, f"no plot: cannot write {path} ({exc.strerror or type(exc).__name__})"


def mismatch_reasons(row: dict[str, Any], result: RolloutResult, manifest: Manifest | None, *,
                     current_fingerprint: str | None = None) -> tuple[str, ...]:
    """Why a replay's hash differs from the stored one: status, code fingerprint, architecture.

    When neither the code nor the architecture differs, says so: the rollout is not
    deterministic, which is a bug.

    Args:
        row: the stored runs row (``RUN_COLUMNS``).
        result: the replayed rollout.
        manifest: the stored sweep's manifest (its ``versions`` may record the architecture).
        current_fingerprint: this code's fingerprint for the run's stack (default: computed).
    """
    reasons = _status_reasons(row, result)
    stored_fp = str(row.get("code_fingerprint") or "") or (manifest.code_fingerprint if manifest else "")
    spec = result.spec
    current = current_fingerprint or code_fingerprint(spec.stack_id, spec.stack.entry_point)
    code = _fingerprint_diff(stored_fp, current)
    env, arch_known = _environment_reasons(manifest, str(row.get("worker") or ""))
    reasons.extend([code] if code else [])
    reasons.extend(env)
    # Anything listed so far explains the mismatch (the unrecorded-architecture line alone does not).
    if str(row.get("status")) in _EXECUTOR_STATUSES or code or len(env) > (0 if arch_known else 1):
        return tuple(reasons)
    if "+dirty" in stored_fp:
        reasons.append("same code fingerprint, but from a working tree with uncommitted changes (+dirty), which "
                       "the fingerprint does not capture: the code may still differ")
    elif not arch_known:
        reasons.append("same code fingerprint; with no architecture recorded a different machine cannot be ruled "
                       "out — if the run was made on this architecture, the rollout is not deterministic: "
                       "please report")
    else:
        reasons.append("same code and architecture: the rollout is not deterministic — please report")
    return tuple(reasons)


def _status_reasons(row: dict[str, Any], result: RolloutResult) -> list[str]:
    stored = str(row.get("status"))
    error = (str(row.get("error") or "").strip().splitlines() or [""])[-1]
    if stored in _EXECUTOR_STATUSES:
        return [f"the stored run ended {stored} ({error or 'no detail'}): the executor recorded that, not the "
                f"rollout, so its hash is no rollout outcome; resume the sweep to get one"]
    if stored == result.status.value:
        return []
    line = f"status differs: stored {stored}, replay {result.status.value}"
    if result.status is Status.SIM_ERROR:
        tail = (result.error or "").strip().splitlines()[-1:]
        line += f" ({tail[0] if tail else 'no detail'})"
    return [line]


def fingerprint_parts(fingerprint: str) -> dict[str, str]:
    """Split ``simfarm <v> <revision>; lib:<h>; stack:<stack_id>#<src>`` into labelled parts."""
    parts: dict[str, str] = {}
    for chunk in (c.strip() for c in fingerprint.split(";")):
        if chunk.startswith("simfarm "):
            words = chunk.split()
            parts["simfarm version"] = words[1] if len(words) > 1 else ""
            parts["source revision"] = " ".join(words[2:])
        elif chunk.startswith("lib:"):
            parts["scenario library hash"] = chunk[len("lib:"):]
        elif chunk.startswith("stack:"):
            stack_id, _, source = chunk[len("stack:"):].rpartition("#")
            parts["stack id"], parts["stack source hash"] = stack_id, source
    return parts


def _fingerprint_diff(stored: str, current: str) -> str:
    """One reason naming each differing part of the code fingerprint ('' when the parts agree)."""
    if not stored:
        return "code fingerprint: none was stored for this run, so the code cannot be compared"
    old, new = fingerprint_parts(stored), fingerprint_parts(current)
    changed = [f"{label} {old[label] or '?'} -> {new.get(label) or '?'}" for label in _FINGERPRINT_LABELS
               if label in old and old[label] != new.get(label)]
    if not old:
        changed = [f"{stored!r} -> {current!r}"] if stored != current else []
    return "code fingerprint differs: " + "; ".join(changed) if changed else ""


def _environment_reasons(manifest: Manifest | None, worker: str) -> tuple[list[str], bool]:
    """Architecture and library-version differences against the sweep's manifest; (reasons, arch recorded)."""
    here = platform.machine()
    recorded = dict(manifest.versions) if manifest else {}
    arch_key = next((key for key in ARCH_KEYS if key in recorded), None)
    reasons = []
    if arch_key is None:
        listed = ", ".join(sorted(recorded)) or "nothing"
        reasons.append(f"architecture: the store recorded none for this sweep (manifest versions hold {listed}); "
                       f"this machine is {here}")
    elif here not in recorded[arch_key]:
        reasons.append(f"architecture differs: recorded {recorded[arch_key]}, this machine is {here}")
    for name in OUTCOME_LIBRARIES:
        current = _installed_version(name)
        if name in recorded and recorded[name] != current:
            reasons.append(f"{name} version differs: recorded {recorded[name]}, here {current}")
    host = socket.gethostname()
    if worker and worker.split(":", 1)[0] != host:
        reasons.append(f"the stored run ran on worker {worker}, not on this host ({host}); the manifest describes "
                       "the driver's machine")
    return reasons, arch_key is not None


def _installed_version(name: str) -> str:
    if name == "python":
        return platform.python_version()
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
