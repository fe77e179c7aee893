"""A stored log's content (the canonical document of ``inputs/<hash>``) back into a ``RecordedLog``.

The farm (``farm.reallog``) validates log files and writes their canonical form:
one compact JSON document with sorted keys, tracks sorted by ``actor_id``, each
track's samples in time order, lanes sorted by ``lane_id`` with their points in
``seq`` order, floats in their exact shortest round-trip form. The object's key
is the first ``INPUT_HASH_HEX`` hex characters of the SHA-256 of exactly those
bytes, so decoding checks the hash and nothing else can be substituted.

This module only decodes (pure data, no farm import). It also resolves ``input``
parameters for a builder: a hash is replaced by the ``RecordedLog`` the farm
fetched, or by a packaged input (``scenario_library/inputs/<hash>.json``, the
nominal logs of the catalogue's families). Builders never read files or the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scenario_library.params import Parameter
from scenario_library.recorded import RecordedLane, RecordedLog, Track

INPUT_FORMAT = 1
INPUT_HASH_HEX = 32  # 128 bits: a collision would silently swap one log for another


class InputContentError(ValueError):
    """Stored or packaged log content that is not what its hash says, or not a log document."""


def content_hash_of(data: bytes) -> str:
    """The content hash of canonical log bytes (what ``inputs/<hash>`` is keyed by)."""
    return hashlib.sha256(data).hexdigest()[:INPUT_HASH_HEX]


def inputs_dir() -> Path:
    """The folder of packaged inputs (the nominal logs of the catalogue's families)."""
    return Path(__file__).resolve().parent / "inputs"


def decode_log(data: bytes, content_hash: str) -> RecordedLog:
    """The ``RecordedLog`` of canonical log bytes whose hash is ``content_hash``.

    Raises:
        InputContentError: the bytes hash to something else, or are not a log document of this format.
    """
    actual = content_hash_of(data)
    if actual != content_hash:
        raise InputContentError(f"content hashes to {actual}, not {content_hash}")
    try:
        doc = json.loads(data)
        if doc["format"] != INPUT_FORMAT:
            raise InputContentError(f"log format {doc['format']!r}, this simfarm reads format {INPUT_FORMAT}")
        road = doc["road"]
        return RecordedLog(
            real_run_id=str(doc["real_run_id"]), content_hash=content_hash,
            tracks=tuple(_track(t) for t in doc["tracks"]),
            lanes=tuple(_lane(lane) for lane in road.get("lanes", ())),
            road_family=road.get("family"), road_params=dict(road.get("params", {})),
            metadata=dict(doc["metadata"]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputContentError):
            raise
        raise InputContentError(f"not a log document: {type(exc).__name__}: {exc}") from None


def _track(t: Mapping[str, Any]) -> Track:
    return Track(actor_id=t["actor_id"], kind=t["kind"], length_m=float(t["length_m"]), width_m=float(t["width_m"]),
                 t_s=t["t_s"], x_m=t["x_m"], y_m=t["y_m"], yaw_rad=t["yaw_rad"], v_mps=t["v_mps"])


def _lane(lane: Mapping[str, Any]) -> RecordedLane:
    return RecordedLane(lane_id=lane["lane_id"], centreline=tuple(zip(lane["x_m"], lane["y_m"], strict=True)),
                        width_m=float(lane["width_m"]), speed_limit_mps=float(lane["speed_limit_mps"]))


def packaged_input(content_hash: str) -> RecordedLog | None:
    """The packaged input with this hash, or None when the library ships none."""
    path = inputs_dir() / f"{content_hash}.json"
    if not path.is_file():
        return None
    return decode_log(path.read_bytes(), content_hash)


def resolve_inputs(parameters: Sequence[Parameter], values: Mapping[str, Any],
                   inputs: Mapping[str, RecordedLog]) -> dict[str, Any]:
    """``values`` with every ``input`` parameter's hash replaced by its ``RecordedLog``.

    ``inputs`` maps content hashes to logs the farm fetched; a hash not there is
    looked up among the packaged inputs.

    Raises:
        LookupError: a hash that is neither in ``inputs`` nor packaged (one line naming parameter and hash).
    """
    out = dict(values)
    for p in parameters:
        if p.type != "input" or p.name not in out:
            continue
        digest = out[p.name]
        log = inputs.get(digest) if isinstance(digest, str) else None
        if log is None and isinstance(digest, str):
            log = packaged_input(digest)
        if log is None:
            raise LookupError(f"input parameter {p.name!r}: log {digest} was not provided (the farm fetches "
                              f"inputs/{digest} from the sweep's store; 'simfarm promote' uploads it)")
        out[p.name] = log
    return out
