"""Local-folder specifics."""

from __future__ import annotations

import pytest

from farm.errors import StoreError
from farm.store.local import LocalStore


def test_a_local_store_that_cannot_be_created_fails_its_check_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"a-file/results: not writable \(Not a directory\)$"):
        LocalStore(blocker / "results").check()
    LocalStore(blocker / "results").check(write=False)  # nothing there yet: fine for readers
