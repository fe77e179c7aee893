"""Kubernetes names derived from a sweep id, by one rule the operator accepts (docs/decisions.md D60).

A sweep id (``<name>-<UTC time>-<hash>``) has capitals, ``_`` and ``.`` and can be ~90 characters;
KubeRay reconciles a RayJob only if its name is a DNS-1035 label (lowercase letters, digits and
``-``, starting with a letter, ending with a letter or digit) of at most 47 characters (its
RayCluster is ``<name>-xxxxx``, at most 53), and rejects anything else only with an event. So:

- ``sweep_hash(id)``: the first 10 hex digits of SHA-256 of the full id (a label value, ≤ 63);
- ``rayjob_name(id, submission)``: the id lowercased, every run of other characters turned into
  one ``-``, cut to fit, then ``-<sweep_hash>`` (and ``-<submission>`` for the 2nd, 3rd... RayJob
  of the same sweep, a resume), prefixed ``s-`` when it would not start with a letter.

The full id goes in the annotation ``simfarm.io/sweep-id``; the hash in the label
``simfarm.io/sweep-hash`` selects every RayJob of a sweep.
"""

from __future__ import annotations

import hashlib
import re

RAYJOB_NAME_MAX = 47       # KubeRay's MaxRayJobNameLength (MaxRayClusterNameLength 53 - 6)
LABEL_VALUE_MAX = 63       # Kubernetes label values
HASH_HEX = 10              # 40 bits: a collision among a million sweeps has odds ~1e-6
SWEEP_ID_ANNOTATION = "simfarm.io/sweep-id"
SWEEP_HASH_LABEL = "simfarm.io/sweep-hash"
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_OTHER = re.compile(r"[^a-z0-9]+")


def sweep_hash(sweep_id: str) -> str:
    """The short content hash of the full sweep id: ``HASH_HEX`` lowercase hex digits."""
    return hashlib.sha256(sweep_id.encode("utf-8")).hexdigest()[:HASH_HEX]


def rayjob_name(sweep_id: str, submission: int = 1) -> str:
    """The RayJob name of the ``submission``-th RayJob of ``sweep_id`` (1 = the first; see module doc).

    Always a DNS-1035 label of at most ``RAYJOB_NAME_MAX`` characters; different ids or submissions
    give different names (up to the hash).
    """
    if submission < 1:
        raise ValueError(f"submission counts from 1, got {submission}")
    tail = f"-{sweep_hash(sweep_id)}" + (f"-{submission}" if submission > 1 else "")
    slug = _OTHER.sub("-", sweep_id.lower()).strip("-")
    if not slug[:1].isalpha():
        slug = f"s-{slug}".rstrip("-")
    slug = slug[:RAYJOB_NAME_MAX - len(tail)].rstrip("-")
    return f"{slug}{tail}"


def is_dns_1035(name: str, max_chars: int = RAYJOB_NAME_MAX) -> bool:
    """True if ``name`` is a DNS-1035 label of at most ``max_chars`` characters."""
    return len(name) <= max_chars and DNS_1035.match(name) is not None


def sweep_labels(sweep_id: str) -> dict[str, str]:
    """The labels every generated object of a sweep carries."""
    return {"app.kubernetes.io/part-of": "simfarm", SWEEP_HASH_LABEL: sweep_hash(sweep_id)}


def sweep_annotations(sweep_id: str) -> dict[str, str]:
    """The annotations every generated object of a sweep carries: the full sweep id."""
    return {SWEEP_ID_ANNOTATION: sweep_id}
