"""Options shared by several commands, declared once."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="SIMFARM_STORE",
                 help="Results store: a folder, file://PATH or s3://bucket/prefix [default: ./simfarm-results]."),
]


def parse_date(text: str | None, *, option: str = "--today") -> dt.date | None:
    """``YYYY-MM-DD`` as a date (None stays None); bad input names the option (exit 2)."""
    from farm.errors import InputError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date YYYY-MM-DD", source=option) from None
