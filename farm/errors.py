"""The farm's error hierarchy and the one exit-code table. The CLI catches ``SimfarmError`` once.

Every error carries where it happened (``source``: a file, a CLI option, a
sweep id), which field, and why, so it prints as one line, and the exit code
the command ends with (``cli.errors.domain_errors`` is the one place that
turns an error into that line and that code). The table and the reasons for
each class's code are in docs/architecture.md, "Exit codes".
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The one exit-code table of every ``simfarm`` command (docs/architecture.md "Exit codes")."""

    OK = 0            # success: the command did what it was asked and found nothing wrong
    FINDING = 1       # a finding: a failed rollout, a failed gate, a hash mismatch on replay
    BAD_INPUT = 2     # bad input: a malformed file, an unknown name, a bad option — before any work
    INCONCLUSIVE = 3  # the evidence does not decide (a gate that can neither pass nor fail)
    REGRESSION = 4    # a regression flagged by ``simfarm trends``
    INFRA = 5         # infrastructure: store unreachable, cluster lost, Kubernetes API refused
    INTERRUPTED = 130  # Ctrl-C / SIGTERM / cancelled; the store is consistent, resume it


class SimfarmError(Exception):
    """Base class: a domain error with a one-line message and an exit code.

    A subclass names its code. The base's own code is ``INFRA``, never
    ``FINDING``: an error is never a verdict about the stack under test, so an
    error class that forgot to choose must not look like a failed run.
    """

    exit_code: ExitCode = ExitCode.INFRA

    def __init__(self, reason: str, *, source: str = "", field: str = "") -> None:
        self.reason = reason
        self.source = source
        self.field = field
        super().__init__(self.line())

    def line(self) -> str:
        """``source: field: reason`` with the empty parts left out, always one line.

        Characters that are not printable (a newline or form feed in a fuzzed key, say) are shown escaped.
        """
        text = ": ".join(part for part in (self.source, self.field, self.reason) if part)
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class InputError(SimfarmError):
    """Bad input (scenario or sweep file, CLI argument, real-run log): exit 2, before any work."""

    exit_code = ExitCode.BAD_INPUT


class StackLoadError(InputError):
    """A stack entry point that cannot be imported or built."""


class StoreError(SimfarmError):
    """The results store is unreachable, inconsistent or refused an operation: exit 5.

    A sweep id that names no sweep is bad input, not an unreachable store: the
    store raises ``farm.store.backend.UnknownSweep`` (exit 2) for it.
    """

    exit_code = ExitCode.INFRA


class LeaseError(StoreError):
    """Another driver holds the sweep's lease, or ours was lost mid-run: exit 5.

    Not bad input — the command was right, and the same command succeeds once
    the other driver ends or its lease expires — and not a finding: nothing was
    judged. Like any store refusal it is infrastructure (docs/architecture.md).
    """


class ExecutionError(SimfarmError):
    """The executor could not run the sweep (cluster unreachable, version mismatch...): exit 5."""

    exit_code = ExitCode.INFRA
