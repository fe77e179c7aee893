"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="SIMFARM_STORE",
                 help="Results store: a folder, file://PATH or s3://bucket/prefix [default: ./simfarm-results]."),
]
