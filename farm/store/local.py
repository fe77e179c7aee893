"""The local-folder store (the default, ``./simfarm-results``).

Every write goes to a temporary file in the target folder and is renamed into
place, so a reader never sees half an object. Manifest updates hold an
``fcntl.flock`` on ``manifest.json.lock`` around read-modify-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from farm.errors import StoreError
from farm.store.backend import ObjectInfo, ObjectMissing
from farm.store.results import ResultsStore

_TMP_PREFIX = ".tmp-"


class LocalBackend:
    """Objects as files below ``root``; keys are ``/``-separated relative paths."""

    max_parallel = 4

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root).expanduser().absolute()
        self.uri = str(self.root)
        self.fsync = fsync
        self.retry_listeners: list[Callable[[str, str], None]] = []  # a folder never retries: never called

    def check(self, *, write: bool = True) -> None:
        """Prove the root is usable: with ``write``, create it and write a probe file."""
        if not write:
            if self.root.exists() and not self.root.is_dir():
                raise StoreError("exists but is not a folder", source=self.uri)
            return
        probe = f"{_TMP_PREFIX}probe-{uuid.uuid4().hex}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / probe).write_bytes(b"")
            (self.root / probe).unlink()
        except OSError as exc:
            raise StoreError(f"not writable ({exc.strerror or type(exc).__name__})", source=self.uri) from None

    def put(self, key: str, data: bytes) -> None:
        """Write to a temporary sibling, then rename into place."""
        target = self._path(key)
        with _os_errors("write", key):
            os.replace(self._write_temp(target, data), target)

    def create(self, key: str, data: bytes) -> bool:
        """Exclusive create via ``link`` of a fully written temporary file."""
        target = self._path(key)
        with _os_errors("write", key):
            temp = self._write_temp(target, data)
            try:
                os.link(temp, target)
            except FileExistsError:
                return False
            finally:
                temp.unlink(missing_ok=True)
        return True

    def get(self, key: str) -> bytes:
        """The file's bytes; ``ObjectMissing`` if there is none."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectMissing("no such object", source=key) from None
        except OSError as exc:
            raise StoreError(f"read failed ({exc.strerror or type(exc).__name__})", source=key) from None

    def update(self, key: str, change: Callable[[bytes], bytes]) -> bytes:
        """Read-modify-write under an exclusive ``flock`` on ``<key>.lock``."""
        target = self._path(key)
        if not target.exists():
            raise ObjectMissing("no such object", source=key)
        with _os_errors("update", key), open(target.with_name(target.name + ".lock"), "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                data = change(target.read_bytes())
                os.replace(self._write_temp(target, data), target)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        return data

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        """Files whose key starts with ``prefix`` (temporary and lock files excluded)."""
        folder = self._path(prefix.rsplit("/", 1)[0]) if "/" in prefix else self.root
        found = []
        for dirpath, _, filenames in os.walk(folder):
            for name in filenames:
                if name.startswith(".") or name.endswith(".lock"):
                    continue
                path = Path(dirpath) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    stat = _stat(path)
                    if stat is not None:
                        found.append(ObjectInfo(key=key, size_bytes=stat.st_size, written_ns=stat.st_mtime_ns))
        return sorted(found, key=lambda info: info.key)

    def list_children(self, prefix: str) -> list[str]:
        """Sub-folder names of ``prefix``."""
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in folder.iterdir() if entry.is_dir() and not entry.name.startswith("."))

    def delete(self, keys: Sequence[str]) -> None:
        """Unlink files; missing ones are fine."""
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # prune an emptied family folder
                path.parent.rmdir()

    def _path(self, key: str) -> Path:
        path = self.root / key
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise StoreError("key escapes the store root", source=key)
        return path

    def _write_temp(self, target: Path, data: bytes) -> Path:
        temp = target.with_name(f"{_TMP_PREFIX}{uuid.uuid4().hex}-{target.name}")
        for attempt in range(3):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                handle = open(temp, "wb")  # noqa: SIM115 - closed below
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue  # a compaction pruned the emptied folder between mkdir and open
            with handle:
                handle.write(data)
                if self.fsync:
                    handle.flush()
                    os.fsync(handle.fileno())
            break
        return temp


@contextlib.contextmanager
def _os_errors(what: str, key: str) -> Iterator[None]:
    """Turn a file-system failure (disk full, permissions) into one ``StoreError`` line."""
    try:
        yield
    except OSError as exc:
        raise StoreError(f"{what} failed ({exc.strerror or type(exc).__name__})", source=key) from None


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:  # deleted between walk and stat (a compaction finished)
        return None


class LocalStore(ResultsStore):
    """A results store in a local folder."""

    def __init__(self, root: str | os.PathLike[str] = "simfarm-results", *, fsync: bool = True) -> None:
        backend = LocalBackend(root, fsync=fsync)
        super().__init__(backend)
        self.root = backend.root
