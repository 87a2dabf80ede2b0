"""``pantau serve``: the review desk on waitress, in the foreground until SIGTERM/Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from crawler import store
from pantau.options import config_option, get_config, setup_logging
from review import serve as serve_desk

log = logging.getLogger(__name__)


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
def serve(config_path: str | None, host: str, port: int) -> None:
    """Serve the review desk (the web app for reviewers and investigators).

    Keep it on 127.0.0.1 behind nginx with TLS (docs/review.md); add accounts with
    `pantau user add`.

    \b
    Example:
        pantau serve --host 127.0.0.1 --port 8080
    """
    setup_logging()
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        if not store.list_users(db):
            click.echo("no accounts yet: add one with `pantau user add NAME --role admin`")
    server = serve_desk(config, host, port)
    click.echo(f"review desk on {server.url} (Ctrl-C to stop)")
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stopped.wait()
    finally:
        server.stop()
        log.info("review desk stopped")
