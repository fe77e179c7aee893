"""The results store: Parquet parts, manifests, leases and compaction, on a folder or on S3.

Owns everything below the store root (layout in ``farm.store.base``). The only
package that imports boto3 (``farm.store.s3``); imports ``farm.schema``,
``farm.result``, ``farm.spec``, ``farm.identity`` and ``farm.errors``.
``open_store`` picks the implementation from a URI; boto3 is imported only
when an ``s3://`` store is opened.
"""

from __future__ import annotations

import os
import re
from typing import Any

from farm.errors import InputError
from farm.store.base import SWEEP_STATES, Lease, Manifest, Store
from farm.store.ids import new_sweep_id, validate_key_part, validate_relative_key

DEFAULT_STORE = "./simfarm-results"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

__all__ = ["DEFAULT_STORE", "SWEEP_STATES", "Lease", "Manifest", "Store", "new_sweep_id", "open_store",
           "validate_key_part", "validate_relative_key"]


def open_store(uri: str | None = None, *, endpoint_url: str | None = None, **options: Any) -> Store:
    """Open the store at ``uri`` (None -> ``SIMFARM_STORE`` or ``./simfarm-results``).

    A plain path or ``file://PATH`` opens a ``LocalStore``; ``s3://bucket/prefix``
    an ``S3Store`` (``endpoint_url`` or ``AWS_ENDPOINT_URL`` for S3-compatible
    services). ``options`` go to the store's constructor (retry and multipart
    settings). Nothing is contacted here: call ``check()`` to fail fast.
    """
    uri = uri or os.environ.get("SIMFARM_STORE") or DEFAULT_STORE
    if uri.startswith("s3://"):
        from farm.store.s3 import S3Store

        bucket, _, prefix = uri[len("s3://"):].partition("/")
        if not _BUCKET.match(bucket) or ".." in bucket:
            raise InputError(f"{bucket!r} is not a valid S3 bucket name", source=uri, field="--store")
        prefix = prefix.strip("/")
        if prefix:
            validate_relative_key(prefix, "store prefix")
        return S3Store(bucket, prefix, endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
                       **options)
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    elif "://" in uri:
        raise InputError(f"unsupported store scheme in {uri.split('://', 1)[0]!r}: use a folder, file:// or s3://",
                         field="--store")
    if not uri:
        raise InputError("empty store path", field="--store")
    from farm.store.local import LocalStore

    return LocalStore(uri, **options)
