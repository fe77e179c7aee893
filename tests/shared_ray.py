"""One embedded Ray for the test modules that ask for ``ray_session`` (no tests here; see tests/conftest.py).

``ray.init`` costs 4-5 s on an idle 2-core machine (10-18 s on a loaded one), and five modules each
started and stopped their own. Now:

- the collection order puts the modules that use ``ray_session`` next to each other
  (``group_modules``: as one block where the last of them was; inside the block, and elsewhere, the
  order is unchanged);
- ``ray_session`` (module scope) starts the embedded 2-CPU Ray on loopback if it is not up, and
  leaves it up for the next module; ``fresh_ray_session`` restarts it first, for a module whose
  tests need worker processes that have run nothing yet (such modules lead the block, so the
  restart costs no extra start);
- before the first module that does not ask for it, ``release`` shuts it down, so no other test
  ever meets an embedded Ray it did not start (an in-process ``submit`` or ``start_ray(address)``
  behaves exactly as before).

What a module sees is what it saw before: Ray up from its first test to its last, 2 CPUs, loopback.
"""

from __future__ import annotations

import os

import pytest

FIXTURE, FRESH = "ray_session", "fresh_ray_session"
_users: set[str] = set()  # node ids of the modules with a test that uses either fixture
_fresh: set[str] = set()  # ... the fresh one
_state = {"ours": False}  # True while an embedded Ray started by ``ensure`` is up


def _module_id(item: pytest.Item) -> str:
    module = item.getparent(pytest.Module)
    return module.nodeid if module is not None else item.nodeid


def group_modules(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place: the modules that use ``ray_session`` as one block (see the module doc)."""
    _users.clear()
    _fresh.clear()
    for item in items:
        names = getattr(item, "fixturenames", ())
        if FIXTURE in names or FRESH in names:
            _users.add(_module_id(item))
        if FRESH in names:
            _fresh.add(_module_id(item))
    if len(_users) < 2:
        return
    block = [item for item in items if _module_id(item) in _fresh]
    block += [item for item in items if _module_id(item) in _users - _fresh]
    rest = [item for item in items if _module_id(item) not in _users]
    last = max(i for i, item in enumerate(items) if _module_id(item) in _users)
    insert_at = sum(1 for item in items[:last] if _module_id(item) not in _users)
    items[:] = rest[:insert_at] + block + rest[insert_at:]


def uses_ray(module: pytest.Module) -> bool:
    return module.nodeid in _users


def ensure(*, fresh: bool = False) -> None:
    """The embedded 2-CPU Ray on loopback, started unless up (``fresh``: restarted if this module started it)."""
    if fresh:
        release()
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # every Ray socket on 127.0.0.1
    from farm.execution.ray_executor import start_ray

    if start_ray(num_cpus=2):
        _state["ours"] = True


def release() -> None:
    """Shut down the Ray ``ensure`` started, if it is still up."""
    if _state["ours"]:
        from farm.execution.ray_executor import stop_ray

        stop_ray()
        _state["ours"] = False
