"""``flask plcsim serve``: the simulated line's live tag table over Modbus TCP and OPC UA."""

from __future__ import annotations

import asyncio

import click
from flask.cli import AppGroup

from plcsim.registers import build_map
from plcsim.scenarios import SCENARIOS, scenario
from plcsim.serve import (
    MAX_SPEED,
    Address,
    Endpoints,
    LiveLine,
    ServeError,
    check_address,
    serve,
)

group = AppGroup("plcsim", help="Serve the simulated production line to PLC clients.")


class AddressType(click.ParamType):
    name = "host:port"

    def convert(self, value, param, ctx):
        if isinstance(value, Address):
            return value
        try:
            return Address.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


ADDRESS = AddressType()


@group.command("serve")
@click.option("--modbus", type=ADDRESS, help="Serve Modbus TCP here, e.g. 127.0.0.1:5020.")
@click.option("--opcua", type=ADDRESS, help="Serve OPC UA here, e.g. 127.0.0.1:4840.")
@click.option(
    "--scenario",
    "name",
    type=click.Choice(sorted(SCENARIOS)),
    default="packaging-line",
    show_default=True,
)
@click.option("--seed", type=int, default=1, show_default=True, help="The scenario's seed.")
@click.option(
    "--speed",
    type=click.FloatRange(0, MAX_SPEED),
    default=1.0,
    show_default=True,
    help="Simulated seconds per wall second (0 freezes the line).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Accept an address other than loopback. The servers have no authentication.",
)
@click.option("--print-map", is_flag=True, help="Print the Modbus register map and exit.")
def serve_command(
    modbus: Address | None,
    opcua: Address | None,
    name: str,
    seed: int,
    speed: float,
    allow_remote: bool,
    print_map: bool,
) -> None:
    """Run the simulated line and serve its tags until Ctrl+C."""
    line = scenario(name, seed)
    if print_map:
        click.echo(build_map(line.tags(), line.units).markdown(), nl=False)
        return
    if modbus is None and opcua is None:
        raise click.UsageError("Give --modbus HOST:PORT, --opcua HOST:PORT or both.")
    for option, address in (("--modbus", modbus), ("--opcua", opcua)):
        try:
            if address is not None:
                check_address(address, allow_remote=allow_remote)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None

    def ready(endpoints: Endpoints) -> None:
        if endpoints.modbus:
            click.echo(f"Modbus TCP on {endpoints.modbus} (any unit id)")
        if endpoints.opcua:
            click.echo(f"OPC UA on {endpoints.opcua}")
        click.echo(f"Scenario {name}, seed {seed}, speed {speed:g}x. Ctrl+C stops.")

    live = LiveLine(line, speed=speed)
    try:
        asyncio.run(serve(live, modbus=modbus, opcua=opcua, ready=ready, allow_remote=allow_remote))
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("Stopped.")
