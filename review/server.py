"""Serving the review desk with waitress, a production WSGI server in pure Python.

``serve(config, host, port)`` starts it in a background thread and returns at once with a
``ReviewServer``: ``url`` is where it listens (port 0 picks a free port), ``stop()`` ends
it and waits for the thread. ``pantau serve`` runs it until SIGTERM or Ctrl-C; ``pantau
demo`` runs it beside the demo's cycle.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from waitress import wasyncore
from waitress.server import create_server

from crawler.config import Config
from review.app import create_app

log = logging.getLogger(__name__)

THREADS = 4
POLL_SECONDS = 0.2


class ReviewServer:
    """The review desk running on waitress in a thread. Use ``stop()`` (or ``with``)."""

    def __init__(self, config: Config, host: str, port: int, secret_key: str | None = None):
        app = create_app(config, secret_key=secret_key)
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=THREADS,
            ident="pantau",
            clear_untrusted_proxy_headers=True,
        )
        self.host, self.port = host, int(self._server.effective_port)  # type: ignore[union-attr]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="review-desk", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ReviewServer:
        self._thread.start()
        log.info("review desk on %s", self.url)
        return self

    def _run(self) -> None:
        # One short poll at a time, so that stop() is noticed within POLL_SECONDS.
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=POLL_SECONDS, map=self._server._map, count=1)  # type: ignore[union-attr]
        finally:
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._server._map)  # type: ignore[union-attr]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting requests, let running ones end, and wait for the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait(self) -> None:
        """Block until the server stops (``pantau serve`` waits here)."""
        while self._thread.is_alive():
            self._thread.join(1.0)

    def __enter__(self) -> ReviewServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    config: Config, host: str = "127.0.0.1", port: int = 8080, *, secret_key: str | None = None
) -> ReviewServer:
    """Start the review desk on ``host:port`` in a background thread; returns the running
    ``ReviewServer`` (``.url``, ``.stop()``)."""
    return ReviewServer(config, host, port, secret_key).start()
