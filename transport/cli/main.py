"""``sen-transport``: the command line for eligibility officers and route planners.

Errors the user can fix print one line naming the row or value and exit non-zero
(2 for bad input, 3 when no route or plan exists, 1 for a defect); no traceback.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console

from transport.cli.data import app as data_app
from transport.cli.eligibility import app as eligibility_app
from transport.cli.export import app as export_app
from transport.cli.letters import app as letters_app
from transport.cli.network import app as network_app
from transport.cli.readiness import readiness as _readiness
from transport.cli.routes import app as routes_app
from transport.cli.scenario import app as scenario_app
from transport.cli.service import keys_app as _keys_app, serve as _serve, worker as _worker
from transport.domain.errors import SenTransportError

app = typer.Typer(
    name="sen-transport",
    help=(
        "SEN home-to-school transport: decide who is entitled to transport and plan the cheapest "
        "safe routes to carry them, on real OpenStreetMap roads and paths."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(network_app, name="network")
app.add_typer(data_app, name="data")
err = Console(stderr=True)

app.add_typer(eligibility_app, name="eligibility", help="Decide transport applications and explain the decisions.")
app.add_typer(scenario_app, name="scenario", help="Build and inspect routing scenarios.")
app.add_typer(routes_app, name="routes", help="Plan, validate, export and compare routes.")
app.add_typer(letters_app, name="letters", help="Letters, school lists and operator route packs as PDFs.")
app.add_typer(export_app, name="export", help="Decisions, plans and comparisons as .xlsx, CSV or GeoPackage.")
app.command("serve")(_serve)
app.command("readiness")(_readiness)
app.command("worker")(_worker)
app.add_typer(_keys_app, name="keys", help="Issue, list and revoke API keys.")


@app.command("demo")
def demo(
    out: str = typer.Option("out/demo", help="folder for the demo's outputs"),
) -> None:
    """Run the engine end to end on the bundled Rutland sample: networks, eligibility, routes."""
    from transport.planning.demo import run_demo

    run_demo(out)


def main() -> None:
    """Console-script entry point with one-line errors."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        rc = app(standalone_mode=False)  # returns the code of a typer.Exit
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except SenTransportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
