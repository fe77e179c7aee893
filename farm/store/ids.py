"""Sweep ids and the validation of every user-supplied part of a store key.

Nothing a user types (sweep id, family name, auxiliary key) may escape the
store's root: each path segment is checked against a small alphabet, so
``..``, separators, absolute paths, drive letters and control characters are
refused before any key is built.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime

from farm.errors import InputError
from farm.identity import content_hash

MAX_KEY_PART_CHARS = 128
_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NAME_CHARS = 96  # leaves room for the timestamp and hash suffix of a sweep id


def validate_key_part(value: str, what: str) -> str:
    """Return ``value`` if it is safe as one segment of a store key, else raise ``InputError``.

    Allowed: letters, digits, ``.``, ``_``, ``-``; must start with a letter or a digit;
    no ``..``; at most 128 characters.

    Args:
        value: the candidate segment (a sweep id, a family name, one folder of a key).
        what: what it names, for the error line (``sweep id``, ``family``...).
    """
    if not isinstance(value, str) or not value:
        raise InputError("must not be empty", field=what)
    if len(value) > MAX_KEY_PART_CHARS:
        raise InputError(f"{_show(value)} is longer than {MAX_KEY_PART_CHARS} characters", field=what)
    if not _KEY_PART.match(value) or ".." in value:
        raise InputError(f"{_show(value)} is not allowed: use letters, digits, '.', '_' and '-', starting with a "
                         "letter or digit, without '..'", field=what)
    return value


def validate_relative_key(key: str, what: str = "key") -> str:
    """A ``/``-separated key below the store root whose every segment passes ``validate_key_part``."""
    if not isinstance(key, str) or not key:
        raise InputError("must not be empty", field=what)
    for segment in key.split("/"):
        if segment == "":
            raise InputError(f"{_show(key)} has an empty segment or is absolute", field=what)
        validate_key_part(segment, what)
    return key


def new_sweep_id(name: str, now: datetime | None = None) -> str:
    """``<name>-<UTC yyyymmddThhmmssZ>-<6 hex>``: a new, unique sweep id for every submit.

    The hash covers the name, the full-precision time, the process id and a random
    UUID, so two submits in the same second still get different ids.
    """
    validate_key_part(name, "sweep name")
    if len(name) > _NAME_CHARS:
        raise InputError(f"{_show(name)} is longer than {_NAME_CHARS} characters", field="sweep name")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    suffix = content_hash([name, moment.isoformat(), os.getpid(), uuid.uuid4().hex], n_hex=6)
    return f"{name}-{stamp}-{suffix}"


def _show(value: str) -> str:
    """A short, printable rendering of a rejected value (control characters escaped)."""
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text)
