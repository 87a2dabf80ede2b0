"""A real SMTP server on loopback that files every message it receives as a ``.eml`` file.

The demo uses it as "the local mail sink" (investigators open the files in any mail
client) and the tests use it to receive alerts over a real SMTP conversation.

    with MailSink(tmp_path / "mail") as sink:
        smtp = SmtpConfig(host=sink.host, port=sink.port)
        ...
        sink.messages()   # paths of the received .eml files, oldest first
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

log = logging.getLogger(__name__)

# A tall full-page screenshot makes big messages (smtp.max_message_bytes is 10 MB by
# default); the sink takes more than that.
DATA_SIZE_LIMIT = 32 * 1024 * 1024
LOOPBACK = "127.0.0.1"


class LoopbackController(Controller):
    """``aiosmtpd`` ``Controller`` that accepts ``port=0`` and exposes the bound port.

    The stock ``Controller.start`` opens a test connection to ``self.port`` once the
    server listens; with port 0 that connection would go to port 0. We read the port
    the kernel picked from the listening socket first.
    """

    def _trigger_server(self) -> None:
        if isinstance(self.server, asyncio.Server) and self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class FolderHandler:
    """aiosmtpd handler: saves each message's raw bytes as ``<timestamp>-<n>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        path = self._next_path()
        # Write under a temporary name and rename, so a reader never sees half a file.
        partial = path.with_suffix(".part")
        partial.write_bytes(raw)
        partial.replace(path)
        log.info("Mail sink received %d bytes for %s: %s", len(raw), envelope.rcpt_tos, path)
        return "250 Message accepted for delivery"

    def _next_path(self) -> Path:
        with self._lock:
            self._count += 1
            count = self._count
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return self.folder / f"{stamp}-{count}.eml"


class MailSink:
    """A local SMTP server (context manager) saving messages into ``folder``.

    ``credentials=(user, password)`` makes it offer AUTH (without TLS, loopback only) and
    accept exactly that login; other logins get ``535``.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        port: int = 0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.host = LOOPBACK
        self.handler = FolderHandler(self.folder)
        self._controller = LoopbackController(
            self.handler, hostname=LOOPBACK, port=port, **_server_options(credentials)
        )

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        log.info("Mail sink listening on %s:%d, saving to %s", self.host, self.port, self.folder)
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[Path]:
        """The ``.eml`` files received so far, oldest first."""
        return sorted(self.folder.glob("*.eml"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _server_options(credentials: tuple[str, str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {"data_size_limit": DATA_SIZE_LIMIT, "server_hostname": "localhost"}
    if credentials is not None:
        options.update(auth_require_tls=False, authenticator=_Authenticator(*credentials))
    return options


class _Authenticator:
    """aiosmtpd authenticator accepting one login/password pair."""

    def __init__(self, login: str, password: str) -> None:
        self._expected = LoginPassword(login.encode(), password.encode())

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        return AuthResult(success=auth_data == self._expected, handled=False)
