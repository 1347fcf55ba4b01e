"""``flask curriculum preview``: serve the curriculum and labs live while an author edits them."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

ROOT = click.Path(exists=True, file_okay=False, path_type=Path)
WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names of "every interface", compared only


@click.command("preview")
@click.option("--root", type=ROOT, default=None, help="The curriculum tree (default: curricula/).")
@click.option("--labs", "labs_root", type=ROOT, default=None, help="The labs (default: labs/).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5001, show_default=True)
@with_appcontext
def command(root: Path | None, labs_root: Path | None, host: str, port: int) -> None:
    """Serve the curriculum with live reload and problems shown inline, as you edit it.

    Pages are the real app's, on a temporary database of the preview's own; saving a file
    validates the tree, loads it if it has no errors, and reloads the open pages. Changed
    lab generators are run and learner versions built (labs/learner/ is left alone).
    """
    from werkzeug.serving import make_server

    from app.preview import server

    config = current_app.config
    badges_root = None if root else Path(config["BADGES_ROOT"])
    root = (root or Path(config["CURRICULUM_ROOT"])).resolve()
    labs_root = (labs_root or Path(config["LABS_ROOT"])).resolve()
    shown_host = "127.0.0.1" if host in WILDCARDS else host
    # Bound before the (slow) first load, so a port in use fails at once (werkzeug says so
    # and exits); nothing is served until the preview is ready.
    http = make_server(host, port, _loading, threaded=True)
    base = f"http://{shown_host}:{http.server_port}"
    click.echo(f"Loading {root} and the labs in {labs_root} into a preview database…")
    preview = server.build(
        root,
        labs_root,
        base_url=base,
        badges_root=badges_root,
        make_check=lambda app: _checker(app, labs_root),
        on_new_token=lambda token: click.echo(
            f"A browser signed in. For another one, open {base}/preview/enter?token={token}"
        ),
        overrides={"TRUSTED_HOSTS": list(dict.fromkeys([shown_host, "127.0.0.1", "localhost"]))},
    )
    http.app = preview.app
    errors = sum(1 for p in preview.session.problems if p.severity == "error")
    click.echo(
        f"{len(preview.session.files.courses)} courses, {len(preview.session.labs.builds)} labs: "
        f"{errors} errors, {len(preview.session.problems) - errors} warnings."
    )
    if host in WILDCARDS:
        click.echo("Listening on every interface: the entry link below is all that guards it.")
    click.echo("Open this link to sign in as the preview author (it works once):")
    click.echo(f"    {preview.entry_url(base)}")
    click.echo(f"Watching for changes every {server.POLL_SECONDS:g} s; Ctrl+C stops.")
    preview.watch()
    try:
        http.serve_forever()  # until Ctrl+C (werkzeug's server takes the KeyboardInterrupt)
    finally:
        http.server_close()
        preview.close()
        click.echo("The preview stopped; its database is deleted.")


def _loading(environ, start_response):  # pragma: no cover - never served: replaced first
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"The preview is loading.\n"]


def _checker(app: Flask, labs_root: Path):
    """What 'Check this lab' runs: ``flask labs check --seeds 1 --jobs 1`` for one lab."""
    from app import engine  # the lab runtime: imported by the preview, not by every command
    from app.cli import lab_checks

    def run(lab, progress) -> tuple[bool, str]:
        with app.app_context():
            lab_engine = engine.current()

            def grade(lab, notebook, seed):
                try:
                    return lab_engine.grade_notebook(lab, notebook, seed=seed)
                finally:
                    progress()

            report = next(lab_checks.check_labs([lab], labs_root, range(1, 2), grade=grade, jobs=1))
        return report.ok, report.text

    return run
