"""The scenario library's error: one line naming the file, the field path and the reason."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A malformed family/ODD file, unknown parameter, or out-of-range value (exit code 2)."""

    # farm.errors.ExitCode.BAD_INPUT; a literal, as the library may not import farm (tested equal).
    exit_code = 2

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
