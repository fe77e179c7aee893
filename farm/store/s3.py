"""The S3 store (``s3://bucket/prefix``, or any S3-compatible service via ``AWS_ENDPOINT_URL``).

Credentials come from the standard AWS chain. Every call runs under boto3's
``standard`` retry mode *and* our own bounded exponential backoff (``retry_deadline_s``),
so an outage of several seconds is ridden out. Large objects go up as
multipart uploads. Manifest updates are conditional on the ETag last read
(``If-Match``); each conditional write carries a random write id in its
metadata, so a write whose response was lost is recognised as ours on retry
instead of being applied twice.
"""

from __future__ import annotations

import functools
import io
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from farm.errors import StoreError
from farm.store.backend import ManifestConflict, ObjectInfo, ObjectMissing
from farm.store.results import ResultsStore
from farm.store.s3_errors import Failure, classify, describe, scrub

T = TypeVar("T")
MiB = 1024 * 1024
_WRITE_ID = "simfarm-write-id"
_CONFLICT_TRIES = 100


class S3Backend:
    """Objects below ``s3://bucket/prefix`` through one thread-safe boto3 client."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 retry_deadline_s: float = 60.0, max_attempts: int = 4, connect_timeout_s: float = 2.0,
                 read_timeout_s: float = 30.0, multipart_threshold_bytes: int = 64 * MiB,
                 multipart_chunk_bytes: int = 16 * MiB, max_parallel: int = 16,
                 list_page_size: int = 1000) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.max_parallel = max_parallel
        self.list_page_size = list_page_size  # keys per LIST page: S3's maximum (and default) is 1,000
        self.retry_deadline_s = retry_deadline_s
        self.retry_listeners: list[Callable[[str, str], None]] = []  # told (operation, key) before each backoff
        self._session = boto3.session.Session()
        self._endpoint_url = endpoint_url
        self._client = self._make_client(max_attempts, connect_timeout_s, read_timeout_s)
        self._check_client = self._make_client(2, min(connect_timeout_s, 2.0), 5.0)
        self._transfer = TransferConfig(multipart_threshold=multipart_threshold_bytes,
                                        multipart_chunksize=multipart_chunk_bytes, max_concurrency=4)

    def _make_client(self, max_attempts: int, connect_s: float, read_s: float) -> Any:
        config = Config(retries={"max_attempts": max_attempts, "mode": "standard"}, connect_timeout=connect_s,
                        read_timeout=read_s, max_pool_connections=self.max_parallel + 8,
                        s3={"addressing_style": "path"} if self._endpoint_url else None)
        return self._session.client("s3", endpoint_url=self._endpoint_url, config=config)

    # -- Backend ----------------------------------------------------------------------------

    def check(self, *, write: bool = True) -> None:
        """HEAD the bucket (and with ``write`` put and delete a probe object), with short timeouts."""
        probe = self._key(f"simfarm-probe-{uuid.uuid4().hex}")
        try:
            self._check_client.head_bucket(Bucket=self.bucket)
            if write:
                self._check_client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
                self._check_client.delete_object(Bucket=self.bucket, Key=probe)
        except Exception as exc:
            failure = classify(exc)
            if failure in (Failure.NO_BUCKET, Failure.MISSING):
                raise self._error(f"bucket {self.bucket!r} does not exist", None) from None
            if failure is Failure.TRANSIENT:
                where = self._endpoint_url or "the S3 endpoint"
                raise self._error(f"cannot reach {where}", exc) from None
            raise self._error("store check failed", exc) from None

    def put(self, key: str, data: bytes) -> None:
        """PUT (multipart above the threshold), retried with backoff."""
        full = self._key(key)
        if len(data) >= self._transfer.multipart_threshold:
            self._retry("write", key, lambda: self._client.upload_fileobj(io.BytesIO(data), self.bucket, full,
                                                                          Config=self._transfer))
        else:
            self._retry("write", key, lambda: self._client.put_object(Bucket=self.bucket, Key=full, Body=data))

    def create(self, key: str, data: bytes) -> bool:
        """Conditional PUT with ``If-None-Match: *``."""
        write_id = uuid.uuid4().hex
        try:
            self._retry("create", key, lambda: self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*", Metadata={_WRITE_ID: write_id}))
        except _Conflict:
            return self._head_write_id(key) == write_id  # our own write whose response was lost
        return True

    def get(self, key: str) -> bytes:
        """GET an object's bytes; ``ObjectMissing`` if absent."""
        return self._get(key)[0]

    def update(self, key: str, change: Callable[[bytes], bytes]) -> bytes:
        """Read, change, conditional PUT with ``If-Match``; on a lost race read again and re-apply."""
        body, etag, _ = self._get(key)
        for attempt in range(_CONFLICT_TRIES):
            data = change(body)
            write_id = uuid.uuid4().hex
            try:
                self._retry("update", key, functools.partial(
                    self._client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data, IfMatch=etag,
                    Metadata={_WRITE_ID: write_id}))
                return data
            except _Conflict:
                body, etag, current_id = self._get(key)
                if current_id == write_id:
                    return data  # the write landed; only its response was lost
                time.sleep(min(0.005 * 2 ** min(attempt, 6), 0.3))
        raise ManifestConflict(f"gave up after {_CONFLICT_TRIES} conflicting concurrent updates", source=key)

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        """Every object below ``prefix``, paginated past 1,000 keys."""

        def run() -> list[ObjectInfo]:
            found = []
            for page in self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self._key(prefix),
                    PaginationConfig={"PageSize": self.list_page_size}):
                for item in page.get("Contents", []):
                    found.append(ObjectInfo(key=self._relative(item["Key"]), size_bytes=int(item["Size"]),
                                            written_ns=int(item["LastModified"].timestamp() * 1e9)))
            return found

        return sorted(self._retry("list", prefix, run), key=lambda info: info.key)

    def list_children(self, prefix: str) -> list[str]:
        """Immediate sub-"folders" of ``prefix`` (common prefixes with ``/`` as delimiter)."""

        def run() -> list[str]:
            names = []
            for page in self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self._key(prefix), Delimiter="/",
                    PaginationConfig={"PageSize": self.list_page_size}):
                names += [self._relative(p["Prefix"])[len(prefix):].rstrip("/")
                          for p in page.get("CommonPrefixes", [])]
            return names

        return sorted(self._retry("list", prefix, run))

    def delete(self, keys: Sequence[str]) -> None:
        """Batched DeleteObjects (1,000 keys per call)."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start:start + 1000]]
            self._retry("delete", keys[start], functools.partial(
                self._client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}))

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, key: str) -> tuple[bytes, str, str | None]:
        def run() -> tuple[bytes, str, str | None]:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            body = response["Body"].read()
            return body, response["ETag"], response.get("Metadata", {}).get(_WRITE_ID)

        return self._retry("read", key, run)

    def _head_write_id(self, key: str) -> str | None:
        response = self._retry("read", key, lambda: self._client.head_object(Bucket=self.bucket, Key=self._key(key)))
        return response.get("Metadata", {}).get(_WRITE_ID)

    def _retry(self, what: str, key: str, call: Callable[[], T]) -> T:
        """Run ``call``; transient failures retried with exponential backoff until the deadline."""
        deadline = time.monotonic() + self.retry_deadline_s
        delay_s = 0.1
        while True:
            try:
                return call()
            except Exception as exc:
                failure = classify(exc)
                if failure is Failure.TRANSIENT and time.monotonic() + delay_s < deadline:
                    for listener in self.retry_listeners:
                        listener(what, key)
                    time.sleep(delay_s)
                    delay_s = min(delay_s * 2, 4.0)
                    continue
                if failure is Failure.CONFLICT:
                    raise _Conflict("conditional write lost the race", source=key) from None
                if failure is Failure.MISSING:
                    raise ObjectMissing("no such object", source=f"{self.uri}/{key}") from None
                if failure is Failure.NO_BUCKET:
                    raise self._error(f"bucket {self.bucket!r} does not exist", None) from None
                suffix = " after retries" if failure is Failure.TRANSIENT else ""
                raise self._error(f"{what} of {key} failed{suffix}", exc) from None

    def _error(self, reason: str, exc: BaseException | None) -> StoreError:
        detail = f" ({describe(exc)})" if exc is not None else ""
        return StoreError(scrub(reason + detail, self._secrets()), source=self.uri)

    def _secrets(self) -> list[str | None]:
        credentials = self._session.get_credentials()
        if credentials is None:
            return []
        frozen = credentials.get_frozen_credentials()
        return [frozen.access_key, frozen.secret_key, frozen.token]

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full: str) -> str:
        return full[len(self.prefix) + 1:] if self.prefix else full


class _Conflict(StoreError):
    """A conditional write found the object changed (or present)."""


class S3Store(ResultsStore):
    """A results store in an S3 bucket under a prefix."""

    def __init__(self, bucket: str, prefix: str = "", **options: Any) -> None:
        super().__init__(S3Backend(bucket, prefix, **options))
