"""``simfarm run``: one rollout, here and now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt

if TYPE_CHECKING:
    from farm.spec import RolloutSpec


def _parse_params(pairs: list[str]) -> dict[str, str]:
    from farm.errors import InputError

    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"'{pair}' is not name=value", source="--param")
        params[name.strip()] = value.strip()
    return params


def spec_from_options(family: str, param: list[str] | None, *, seed: int, stack: str,
                      fidelity: str) -> RolloutSpec:
    """The one rollout that ``FAMILY -p name=value ... --seed --stack --fidelity`` names (bad input: exit 2)."""
    from farm.errors import InputError
    from farm.spec import FIDELITIES, RolloutSpec
    from farm.stacks import resolve_stack
    from scenario_library.catalog import load_family

    if fidelity not in FIDELITIES:
        raise InputError(f"'{fidelity}' is not one of {', '.join(FIDELITIES)}", source="--fidelity")
    fam = load_family(family)
    params = fam.resolve(_parse_params(param or []), source="--param")
    return RolloutSpec.create(family=fam.name, family_version=fam.version, params=params, seed=seed,
                              stack=resolve_stack(stack), fidelity=fidelity)  # type: ignore[arg-type]


@domain_errors
def run(
    family: Annotated[str, typer.Argument(help="Scenario family, e.g. lead_vehicle_braking.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Override a parameter: name=value.")] = None,
    seed: Annotated[int, typer.Option(help="Rollout seed.")] = 1,
    stack: Annotated[str, typer.Option(help="Stack name ('reference') or entry point package.module:factory.")]
    = "reference",
    fidelity: Annotated[str, typer.Option(help="dynamic (wheels, motors, tyre friction) or kinematic.")]
    = "kinematic",
    json_out: JsonOpt = False,
) -> None:
    """Run one closed-loop rollout and print its metrics and verdict (exit 1 unless PASS)."""
    from farm.errors import ExitCode

    spec = spec_from_options(family, param, seed=seed, stack=stack, fidelity=fidelity)
    from farm.sim.rollout import run_rollout

    result = run_rollout(spec)
    if json_out:
        from farm.reports.rollout_view import result_dict

        print_json(result_dict(result))
    else:
        from farm.reports.rollout_view import print_result

        print_result(result)
    if not result.passed:
        raise typer.Exit(ExitCode.FINDING)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
