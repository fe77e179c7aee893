"""``simfarm``: the typer app. Commands live in one module per area and register here.

Heavy libraries (pybullet, ray, pyarrow, boto3, kubernetes) are imported inside
commands, never at import time, so ``simfarm --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from farm import __version__

app = typer.Typer(name="simfarm", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Scenario simulation farm: closed-loop rollouts of a full autonomy stack, at scale.")


def _version(value: bool) -> None:
    if value:
        print(f"simfarm {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Scenario simulation farm for autonomy teams."""


def _register() -> None:
    # Each area module exposes ``register(app)`` and imports only typer at module level.
    from cli import (
        logexport_cmds,
        promote_cmds,
        replay_cmds,
        report_cmds,
        run_cmds,
        scenario_cmds,
        sim2real_cmds,
        stack_cmds,
        store_cmds,
        submit_cmds,
        sweep_cmds,
        trends_cmds,
    )

    for module in (run_cmds, stack_cmds, scenario_cmds, sweep_cmds, store_cmds, submit_cmds, replay_cmds,
                   report_cmds, logexport_cmds, promote_cmds, trends_cmds, sim2real_cmds):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
