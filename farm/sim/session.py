"""One pybullet DIRECT client, reused across the rollouts of a batch."""

from __future__ import annotations

from types import TracebackType

import pybullet as pb

from farm.errors import ExecutionError


class SimSession:
    """One pybullet DIRECT client, reused across the rollouts of a batch (resetSimulation per world)."""

    def __init__(self) -> None:
        self.client_id: int = pb.connect(pb.DIRECT)
        if self.client_id < 0:
            raise ExecutionError("could not start a pybullet DIRECT client", source="pybullet")
        self._closed = False

    def close(self) -> None:
        """Disconnect; idempotent."""
        if not self._closed:
            self._closed = True
            pb.disconnect(physicsClientId=self.client_id)

    @property
    def connected(self) -> bool:
        """False once closed."""
        return not self._closed

    def __enter__(self) -> SimSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
