"""Inputs by content in the store: upload one real run's canonical content, fetch and decode it on a worker.

``inputs/<hash>`` (``farm.store.layout.input_key``) holds exactly the canonical bytes the
hash was taken over, so an upload of the same content is the same object (written
once, idempotent) and a fetch verifies what it read. Workers keep decoded logs in a
small per-process cache: a batch of rollouts over one log fetches it once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from farm.errors import InputError, StoreError
from farm.spec import RolloutSpec
from farm.store.backend import ObjectMissing
from farm.store.base import Store
from farm.store.layout import input_key
from scenario_library.errors import ScenarioError
from scenario_library.log_content import InputContentError, decode_log, packaged_input
from scenario_library.recorded import RecordedLog

_CACHE: OrderedDict[tuple[str, str], RecordedLog] = OrderedDict()
_CACHE_SIZE = 16


def upload_input(store: Store, content_hash: str, data: bytes) -> bool:
    """Store one run's canonical bytes under ``inputs/<hash>``; False when the same content was there already."""
    key = input_key(content_hash)
    try:
        if store.get_bytes(key) == data:
            return False
    except ObjectMissing:
        pass
    store.put_bytes(key, data)
    return True


def fetch_input(store: Store, content_hash: str) -> RecordedLog:
    """The ``RecordedLog`` under ``inputs/<hash>`` (cached per process and store).

    Raises:
        ObjectMissing: no such input in the store.
        StoreError: the store cannot be read, or the object is not the content its key names.
    """
    cached = _CACHE.get((store.uri, content_hash))
    if cached is not None:
        _CACHE.move_to_end((store.uri, content_hash))
        return cached
    data = store.get_bytes(input_key(content_hash))
    try:
        log = decode_log(data, content_hash)
    except InputContentError as exc:
        raise StoreError(f"corrupt input: {exc}", source=store.uri, field=input_key(content_hash)) from None
    _CACHE[(store.uri, content_hash)] = log
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return log


def input_hashes(specs: Iterable[RolloutSpec]) -> list[str]:
    """Every distinct content hash the specs' ``input`` parameters name, in first-seen order."""
    from scenario_library.catalog import load_family

    found: dict[str, None] = {}
    for spec in specs:
        try:
            family = load_family(spec.family)
        except ScenarioError:
            continue  # the rollout itself reports an unknown family
        for p in family.parameters:
            value = spec.param_dict.get(p.name)
            if p.type == "input" and isinstance(value, str):
                found.setdefault(value, None)
    return list(found)


def fetch_inputs(store: Store, specs: Sequence[RolloutSpec]) -> dict[str, RecordedLog]:
    """Content hash -> log for every input the specs name that is not packaged with the library.

    Raises:
        ObjectMissing / StoreError: as ``fetch_input``.
    """
    return {h: fetch_input(store, h) for h in input_hashes(specs) if packaged_input(h) is None}


def check_inputs_present(store: Store, specs: Sequence[RolloutSpec], *, source: str) -> None:
    """Refuse a sweep naming a log its store does not hold (before anything runs).

    Raises:
        InputError: the first missing input, with the command that uploads it.
        StoreError: the store cannot be read, or holds an input that is not the content its key names.
    """
    for digest in input_hashes(specs):
        if packaged_input(digest) is not None:
            continue
        try:
            fetch_input(store, digest)  # read once: check_inputs_build below takes it from the cache
        except ObjectMissing:
            raise InputError(f"input {digest} is not in the store {store.uri}: upload it with "
                             f"'simfarm promote LOG --real-run-id ID --store {store.uri}'", source=source,
                             field="inputs") from None
    check_inputs_build(store, specs, source=source)


def check_inputs_build(store: Store, specs: Sequence[RolloutSpec], *, source: str) -> None:
    """Build the scene of every distinct sample that replays an input, once, before anything runs.

    A sample whose log the builder refuses (an actor of interest not in the log, a rule that
    does not fit it, an ego that never moves) would otherwise fail every seed as a sim_error.

    Raises:
        InputError: the first sample that does not build, with the builder's reason.
    """
    from scenario_library.catalog import load_family

    seen: set[tuple[str, object]] = set()
    for spec in specs:
        if (spec.family, spec.params) in seen:
            continue
        seen.add((spec.family, spec.params))
        try:
            family = load_family(spec.family)
        except ScenarioError:
            continue  # the rollout itself reports an unknown family
        if not any(p.type == "input" for p in family.parameters):
            continue
        try:
            family.build(spec.param_dict, inputs=fetch_inputs(store, [spec]))
        except (ValueError, ScenarioError) as exc:
            shown = ", ".join(f"{k}={v}" for k, v in spec.params)
            raise InputError(f"{spec.family} sample ({shown}) does not build: {exc}", source=source,
                             field="families") from None
