"""``archivist serve``: the operators' console (crawler.console) under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from crawler.console._auth import needs_token


@click.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; beyond loopback, a token is required.",
)
@click.option(
    "--token",
    envvar="ARCHIVIST_TOKEN",
    help="Token every request must carry (Bearer header or ?token=). [env: ARCHIVIST_TOKEN]",
)
@click.option(
    "--replay-url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Where `archivist replay` serves pywb, for the replay links.",
)
def serve_command(port: int, bind: str, token: str | None, replay_url: str) -> None:
    """Serve the web console: sources, runs, charts, changes, live progress."""
    if needs_token(bind) and not token:
        raise click.UsageError(
            f"--bind {bind} exposes the console beyond this machine: give --token "
            "(or ARCHIVIST_TOKEN), e.g. --token $(python -c 'import secrets; "
            "print(secrets.token_urlsafe())')"
        )
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from crawler.console import create_app  # noqa: PLC0415 - nor the console

    home = Path(os.environ.get("ARCHIVIST_HOME") or "data")
    sources = Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")
    app = create_app(
        home, sources, os.environ.get("ARCHIVIST_STORE_URL"), token, replay_url=replay_url
    )
    shown = f"[{bind}]" if ":" in bind else bind
    click.echo(f"archivist console on http://{shown}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=bind, port=port, log_level="warning")
