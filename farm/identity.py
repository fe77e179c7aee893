"""Identity: canonical encodings and the content hashes everything pairs on.

Frozen contract (docs/architecture.md, "Identity"); changing any encoding here changes every
key ever stored, so it needs a schema-version bump and a migration note.

- ``scenario_key`` = H(family, family_version, canonical params, seed)
- ``run_id``       = H(scenario_key, stack_id, fidelity, canonical sim settings)

H is SHA-256 of a canonical JSON document, truncated to 16 hex characters
(64 bits: the birthday bound for 10^6 runs is ~3e-8).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

ParamValue = float | int | bool | str
KEY_HEX_CHARS = 16


class CanonicalError(ValueError):
    """A value that has no canonical encoding (NaN, inf, unsupported type)."""


def canonical_value(value: ParamValue) -> str:
    """Encode one typed parameter value as an exact, type-tagged string.

    Floats use ``repr`` (shortest round-tripping form), so ``0.001``, ``1e-3``
    and ``1.0e-3`` — which parse to the same float — encode identically;
    ``-0.0`` is normalised to ``0.0``. Types are tagged so the int ``1`` and the
    float ``1.0`` stay distinct: families coerce values to their declared type
    before any key is computed.
    """
    if isinstance(value, bool):
        return "b:true" if value else "b:false"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalError(f"non-finite float {value!r} has no canonical form")
        return f"f:{(value + 0.0)!r}"
    if isinstance(value, str):
        return f"s:{value}"
    raise CanonicalError(f"unsupported parameter type {type(value).__name__}")


def canonical_params(params: Mapping[str, ParamValue]) -> list[list[str]]:
    """Sorted ``[name, encoded value]`` pairs."""
    return [[name, canonical_value(params[name])] for name in sorted(params)]


def canonical_json(document: Any) -> str:
    """Compact JSON with sorted keys; the only serialisation hashes are taken over."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def content_hash(document: Any, n_hex: int = KEY_HEX_CHARS) -> str:
    """SHA-256 of ``canonical_json(document)``, first ``n_hex`` hex characters."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()[:n_hex]


def scenario_key(family: str, family_version: int, params: Mapping[str, ParamValue], seed: int) -> str:
    """What pairs a baseline run with a candidate run, and a sim run with a real run."""
    return content_hash(
        {"family": family, "family_version": int(family_version), "params": canonical_params(params), "seed": int(seed)}
    )


def run_id(scenario: str, stack_id: str, fidelity: str, sim_settings: Mapping[str, ParamValue]) -> str:
    """One rollout of one scenario on one stack at one fidelity and simulator setting."""
    return content_hash(
        {"scenario_key": scenario, "stack_id": stack_id, "fidelity": fidelity, "sim": canonical_params(sim_settings)}
    )


def part_key(run_ids: list[str] | tuple[str, ...]) -> str:
    """Key of a stored part: a hash of the sorted run_ids it holds (never a batch index or clock)."""
    return content_hash(sorted(run_ids), n_hex=24)
