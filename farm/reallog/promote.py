"""``simfarm promote``: a logged real run becomes a named sample of a sweep's frozen regression entry.

In this order, so that a failure at any step leaves nothing behind:

1. read and validate the whole log (``read_log``); take the real run's canonical content and hash;
2. edit the sweep file's text in memory (``sweep_edit``): the named sample ``{log: <hash>}``
   (and ``rule``/``actor`` when named) in the frozen entry of the replay family;
3. validate the edited sweep (``parse_sweep``), plan the edited entry against the family
   (unknown parameters, bad values: exit 2) and build its scene from the log (a rule or actor
   that does not fit the log, an ego that never moves: exit 2);
4. check the store — the one the sweep names, else ``--store``/``SIMFARM_STORE`` — and upload
   ``inputs/<hash>`` (idempotent: the same content is one object);
5. write the sweep file (atomically: a temporary file renamed over it).

Only the sweep file changes, never a family file, so the library's hash and the image
stay as they are. A sweep that names another store than the one the input went to is
refused; one that names none gets a notice to submit it with that store.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from farm.errors import InputError
from farm.identity import ParamValue
from farm.reallog.inputs import upload_input
from farm.reallog.log import read_log
from farm.reallog.sweep_edit import add_named_sample
from farm.store.layout import input_key
from farm.sweep.expand import FamilyLookup, plan
from farm.sweep.model import parse_sweep
from scenario_library.errors import ScenarioError
from scenario_library.family import RECORDED_RULES, RULES_ON_STATIC

DEFAULT_FAMILY = "log_replay"
DEFAULT_SWEEP = Path(__file__).resolve().parents[2] / "scenario_library" / "sweeps" / "nightly.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Promotion:
    """What ``promote`` did (``--json`` prints ``as_dict``)."""

    real_run_id: str
    name: str
    content_hash: str
    store: str
    uploaded: bool
    sweep: str
    entry: int
    added: bool
    params: dict[str, Any]
    notice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"real_run_id": self.real_run_id, "name": self.name, "content_hash": self.content_hash,
                "input_key": input_key(self.content_hash), "store": self.store, "uploaded": self.uploaded,
                "sweep": self.sweep, "entry": self.entry, "added": self.added, "params": self.params,
                "notice": self.notice}


def promote(log_path: str | Path, real_run_id: str, *, name: str | None = None, into: str | Path | None = None,
            rule: str | None = None, actor: str | None = None, store: str | None = None,
            family: str = DEFAULT_FAMILY, family_lookup: FamilyLookup | None = None) -> Promotion:
    """Promote one real run of a log into a sweep file (see the module docstring for the steps).

    Raises:
        InputError: a bad log, an unknown real run or actor, a bad rule, a sweep edit that does not
            validate, or a sweep naming another store (exit 2).
        StoreError: the store cannot be written (exit 5); the sweep file is then left untouched.
    """
    from farm.store import open_store

    sweep_path = Path(into) if into is not None else DEFAULT_SWEEP
    log = read_log(log_path)
    run = log.run(real_run_id)
    digest, data = log.content(real_run_id)
    params: dict[str, ParamValue] = {"log": digest, **_interest(log.recorded(real_run_id).others, rule, actor)}
    label = name or run.real_run_id
    try:
        text = sweep_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read sweep file: {exc.strerror or exc}", source=str(sweep_path)) from None
    edit = add_named_sample(text, source=str(sweep_path), family=family, name=label, params=params)
    sweep = parse_sweep(edit.text, source=str(sweep_path))
    entry = sweep.families[edit.entry]
    plan(replace(sweep, families=(entry,)), family_lookup=family_lookup)  # the family takes these parameters
    _check_builds(family_lookup, family, params, log.recorded(real_run_id), str(log_path))
    target, notice = _target_store(sweep.store, store, str(sweep_path))
    opened = open_store(target)
    opened.check()
    uploaded = upload_input(opened, digest, data)
    if edit.changed:
        _write_atomically(sweep_path, edit.text)
    return Promotion(real_run_id=run.real_run_id, name=edit.existing_name or label, content_hash=digest,
                     store=opened.uri, uploaded=uploaded, sweep=str(sweep_path), entry=edit.entry, added=edit.changed,
                     params=params, notice=notice)


def _check_builds(lookup: FamilyLookup | None, name: str, params: dict[str, ParamValue], recorded: Any,
                  source: str) -> None:
    """The promoted sample's scene builds from this log (else every seed of it would be a sim_error)."""
    from scenario_library.catalog import load_family

    family = (lookup or load_family)(name)
    try:
        family.build(params, inputs={str(params["log"]): recorded})
    except (ValueError, ScenarioError) as exc:
        raise InputError(f"the run does not replay as {name}: {exc}", source=source, field="real_run_id") from None


def _interest(others: Any, rule: str | None, actor: str | None) -> dict[str, str]:
    """``rule``/``actor`` parameters: both or neither; the rule known, the actor a logged non-ego actor."""
    if (rule is None) != (actor is None):
        raise InputError("give --rule and --actor together (the preventability rule and its actor of interest)",
                         field="--rule" if rule is None else "--actor")
    if rule is None or actor is None:
        return {}
    if rule not in RECORDED_RULES:
        raise InputError(f"no preventability rule {rule!r} for a recorded run (known: {', '.join(RECORDED_RULES)})",
                         field="--rule")
    kinds = {t.actor_id: t.kind for t in others}
    if actor not in kinds:
        raise InputError(f"no actor {actor!r} in the log (its actors: {', '.join(kinds) or 'none'})", field="--actor")
    if kinds[actor] == "static" and rule not in RULES_ON_STATIC:
        raise InputError(f"actor {actor!r} is static: rule {rule!r} needs a moving one (a static one takes "
                         f"{' or '.join(RULES_ON_STATIC)})", field="--actor")
    return {"rule": rule, "actor": actor}


def _target_store(declared: str | None, given: str | None, sweep: str) -> tuple[str | None, str]:
    """The store the input goes to, and a notice when the sweep does not name it."""
    if declared is not None and given is not None and _norm(declared) != _norm(given):
        raise InputError(f"the sweep runs against the store {declared!r}, the input would go to {given!r}: "
                         "promote into the sweep's store (drop --store) or edit its store:", source=sweep,
                         field="store")
    if declared is not None:
        return declared, ""
    chosen = given or os.environ.get("SIMFARM_STORE")
    from farm.store import DEFAULT_STORE

    where = chosen or DEFAULT_STORE
    return chosen, (f"{sweep} names no store: submit it with --store {where} (the store that now holds the input), "
                    "or workers will not find the log")


def _norm(uri: str) -> str:
    if uri.startswith("s3://"):
        return uri.rstrip("/")
    return str(Path(uri.removeprefix("file://")).expanduser().absolute())


def _write_atomically(path: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
