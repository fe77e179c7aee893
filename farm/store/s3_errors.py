"""Classifying boto3/botocore failures and turning them into one clean, credential-free line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from enum import Enum

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
                    "InternalError", "ServiceUnavailable", "503", "500", "502", "504"}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
_CONFLICT_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
_SECRET_PATTERNS = (
    (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b"), "***"),
    (re.compile(r"(Signature|Credential|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s,\"']+",
                re.IGNORECASE), r"\1=***"),
    (re.compile(r"(://)[^/@\s]+@"), r"\1***@"),
)


class Failure(Enum):
    """What a failed S3 call means for the caller."""

    TRANSIENT = "transient"   # retry with backoff
    MISSING = "missing"       # the object is not there
    CONFLICT = "conflict"     # a conditional write lost the race
    NO_BUCKET = "no_bucket"   # the bucket does not exist
    FATAL = "fatal"           # permissions, bad request, ... : give up now


def classify(exc: BaseException) -> Failure:
    """Map an exception from boto3 (or s3transfer) to a ``Failure``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code == "NoSuchBucket":
            return Failure.NO_BUCKET
        if code in _MISSING_CODES or status == 404:
            return Failure.MISSING
        if code in _CONFLICT_CODES or status in (409, 412):
            return Failure.CONFLICT
        if code in _TRANSIENT_CODES or status >= 500 or status == 429:
            return Failure.TRANSIENT
        return Failure.FATAL
    if isinstance(exc, BotoConnectionError | HTTPClientError | ConnectionError | TimeoutError):
        return Failure.TRANSIENT
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        return classify(cause)
    if type(exc).__name__ == "S3UploadFailedError":
        return Failure.TRANSIENT
    return Failure.FATAL


def describe(exc: BaseException) -> str:
    """A short reason: the S3 error code and HTTP status, or the connection problem."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        message = error.get("Message") or ""
        return f"{error.get('Code', 'error')} (HTTP {status}){': ' + message if message else ''}"
    if isinstance(exc, BotoCoreError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove credentials from ``text`` and fold it onto one line.

    Known secret values (the resolved access key, secret key and session token,
    and the ``AWS_*`` environment variables) are replaced by ``***``, and so is
    anything shaped like an access key id, a signature or URL user info.
    """
    values = [*secrets, *(os.environ.get(name) for name in
                          ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"))]
    for value in values:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())
