"""Kubernetes: a sweep as a KubeRay RayJob — names, the object, the API calls, the follow loop.

Owns everything simfarm says to a Kubernetes API server; ``farm.k8s.api`` is the only importer of
the ``kubernetes`` client. ``names`` and ``rayjob`` are pure data (no client). May import the
store, the sweep layer and farm's contracts; never ``farm.execution`` or ``farm.driver`` (the
driver builds the entry point and calls in here). Importing this package imports no client.
"""

from __future__ import annotations

from farm.k8s.names import SWEEP_HASH_LABEL, SWEEP_ID_ANNOTATION, is_dns_1035, rayjob_name, sweep_hash
from farm.k8s.rayjob import RayJobOptions, build_rayjob, image_digest, parse_workers

__all__ = ["SWEEP_HASH_LABEL", "SWEEP_ID_ANNOTATION", "RayJobOptions", "build_rayjob", "image_digest",
           "is_dns_1035", "parse_workers", "rayjob_name", "sweep_hash"]
