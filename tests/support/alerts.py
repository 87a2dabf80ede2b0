"""Helpers for the alert tests: sample rows, a real evidence folder, SMTP servers on loopback.

Sample posts are in Indonesian, written for these tests (not copied from ../shared).
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlite_utils import Database

from alerts.sink import LOOPBACK, LoopbackController, MailSink
from crawler import store

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SENDER = "pantau@pantau.example.org"
RECIPIENTS = ("penyidik@example.org",)

POST_TEXT = (
    "LOKER ADMIN ke Kamboja 🇰🇭 gaji 1000 USD, tiket dan visa turis ditanggung, "
    "berangkat cepat! Hubungi WA +855 12 345 678 atau t.me/agen_kerja"
)


def span(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def indicator(text: str, code: str, word: str, weight: float) -> dict[str, Any]:
    start, end = span(text, word)
    return {"code": code, "weight": weight, "text": word, "start": start, "end": end, "note": ""}


def sample_post(key_id: str = "100", **changes: Any) -> dict[str, Any]:
    """A post row as ``store.get_post`` returns it."""
    post = {
        "key": f"telegram:lokerluar/{key_id}",
        "platform": "telegram",
        "source": "lokerluar",
        "post_id": f"lokerluar/{key_id}",
        "url": f"https://t.me/lokerluar/{key_id}",
        "author": "Info Loker Luar Negeri",
        "author_url": "https://t.me/lokerluar",
        "text": POST_TEXT,
        "posted_at": "2026-03-01T10:00:00+00:00",
        "images": [],
        "extra": {},
        "first_seen_at": "2026-03-01T10:05:00+00:00",
    }
    post.update(changes)
    return post


def sample_verdict(text: str = POST_TEXT, **changes: Any) -> dict[str, Any]:
    """A suspicious verdict row whose indicators point into ``text``."""
    verdict = {
        "score": 0.9234,
        "label": "suspicious",
        "indicators": changes.pop("indicators")
        if "indicators" in changes
        else default_indicators(text),
        "entities": [
            {
                "kind": "phone",
                "value": "+85512345678",
                "text": "+855 12 345 678",
                "start": 0,
                "end": 1,
            },
            {
                "kind": "telegram",
                "value": "@agen_kerja",
                "text": "t.me/agen_kerja",
                "start": 0,
                "end": 1,
            },
        ],
        "model_version": "rules-test-1",
        "reasons": ["tujuan Kamboja + pekerjaan admin"],
    }
    verdict.update(changes)
    return verdict


def default_indicators(text: str) -> list[dict[str, Any]]:
    return [
        indicator(text, "DEST", "Kamboja", 0.25),
        indicator(text, "SCAMJOB", "ADMIN", 0.3),
        indicator(text, "VISA", "visa turis", 0.35),
    ]


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_evidence(folder: Path) -> dict[str, Any]:
    """A small evidence bundle in ``folder``; returns an ``ok`` evidence row for it."""
    folder.mkdir(parents=True, exist_ok=True)
    shot = png_bytes()
    (folder / "screenshot.png").write_bytes(shot)
    manifest = {
        "format": "pantau-evidence/1",
        "url": "https://t.me/lokerluar/100",
        "captured_at": "2026-03-01T10:06:00+00:00",
        "files": [{"name": "screenshot.png", "sha256": hashlib.sha256(shot).hexdigest()}],
    }
    data = json.dumps(manifest, indent=2).encode()
    (folder / "manifest.json").write_bytes(data)
    return {
        "post_key": "telegram:lokerluar/100",
        "status": "ok",
        "path": str(folder),
        "manifest_sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": "2026-03-01T10:06:00+00:00",
    }


def seed_flagged_post(db: Database, evidence_root: Path, key_id: str = "100") -> str:
    """Store a post, a suspicious verdict and captured evidence; returns the post key."""
    post = sample_post(key_id)
    store.upsert_post(db, post, now=NOW)
    key = store.post_key("telegram", post["post_id"])
    store.save_verdict(db, key, sample_verdict(), "digest", now=NOW)
    row = write_evidence(evidence_root / key_id)
    store.save_evidence(
        db, key, path=row["path"], manifest_sha256=row["manifest_sha256"], error=None, now=NOW
    )
    return key


def dead_port() -> int:
    """A loopback port with nothing listening (bound, noted, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_messages(sink: MailSink, count: int, timeout: float = 10.0) -> list[Path]:
    """The sink's messages once there are at least ``count`` (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while len(found := sink.messages()) < count:
        assert time.monotonic() < deadline, f"{len(found)} of {count} messages arrived"
        pause.wait(0.01)
    return found


class RefusingHandler:
    """aiosmtpd handler refusing every recipient with ``reply`` (e.g. ``550 ...``)."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.data_calls = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return self.reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_calls += 1
        return "250 OK"


@contextmanager
def refusing_server(reply: str) -> Iterator[tuple[int, RefusingHandler]]:
    """A loopback SMTP server that refuses every recipient; yields (port, handler)."""
    handler = RefusingHandler(reply)
    controller = LoopbackController(handler, hostname=LOOPBACK, port=0)
    controller.start()
    try:
        yield int(controller.port), handler
    finally:
        controller.stop()


class ScriptedHandler:
    """aiosmtpd handler that misbehaves as told, and records what it received.

    ``rcpt`` maps an address to the replies its next RCPTs get, one per try (then it is
    accepted); ``data`` is the reply to the end of the message (``drop`` closes the
    connection instead, after filing the message); ``quit`` the reply to QUIT (then the
    server closes as usual).
    """

    def __init__(
        self,
        *,
        rcpt: dict[str, list[str]] | None = None,
        data: str = "250 OK",
        quit: str = "221 Bye",
        drop: bool = False,
    ) -> None:
        self.rcpt = {address: list(replies) for address, replies in (rcpt or {}).items()}
        self.data, self.quit, self.drop = data, quit, drop
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        replies = self.rcpt.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        if self.drop:
            assert server.transport is not None
            server.transport.abort()
        return self.data

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self.quit

    def copies(self) -> dict[str, int]:
        """How many copies of a message each recipient was sent."""
        counts: dict[str, int] = {}
        for recipients, _ in self.received:
            for recipient in recipients:
                counts[recipient] = counts.get(recipient, 0) + 1
        return counts


@contextmanager
def scripted_server(handler: Any, **options: Any) -> Iterator[int]:
    """A loopback aiosmtpd server with ``handler`` (and controller ``options`` such as
    ``data_size_limit``); yields its port."""
    controller = LoopbackController(handler, hostname=LOOPBACK, port=0, **options)
    controller.start()
    try:
        yield int(controller.port)
    finally:
        controller.stop()


class TricklingServer:
    """A raw SMTP server thread on loopback that answers like a server but sends one
    reply one byte every 200 ms: the greeting (``at="greeting"``) or the reply to the end
    of the message (``at="end"``); or, with ``at="slow-read"``, reads the message slowly
    (at most 32 kB every 100 ms, like a slow line) and answers at once. ``message_received`` is
    set once a whole message came in. Use as a context manager; leaving it stops the
    server."""

    PAUSE = 0.2
    SLOW_CHUNK, SLOW_PAUSE = 32_000, 0.1

    def __init__(self, at: str) -> None:
        self.at = at
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small receive window, so that reading slowly makes the sender wait.
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.SLOW_CHUNK)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen()
        self.port = int(self.listener.getsockname()[1])
        self.stopped = threading.Event()
        self.message_received = threading.Event()
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept()
        self.listener.close()
        for conn in self.connections:
            conn.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            try:
                self._talk(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _talk(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        self._reply(conn, "220 trickle.example ESMTP", slow=self.at == "greeting")
        for line in reader:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._reply(conn, "250 trickle.example")
            elif verb == b"DATA":
                self._reply(conn, "354 go on")
                if not self._read_message(reader):
                    return
                self.message_received.set()
                self._reply(conn, "250 OK queued", slow=self.at == "end")
            elif verb == b"QUIT":
                self._reply(conn, "221 Bye")
                return
            else:
                self._reply(conn, "250 OK")

    def _read_message(self, reader: Any) -> bool:
        """Read up to the end of the message; False when the client went away first."""
        tail = b""
        while not tail.endswith(b"\r\n.\r\n"):
            if self.at == "slow-read" and self.stopped.wait(self.SLOW_PAUSE):
                return False
            chunk = reader.read1(self.SLOW_CHUNK)
            if not chunk:
                return False
            tail = (tail + chunk)[-5:]
        return True

    def _reply(self, conn: socket.socket, text: str, slow: bool = False) -> None:
        data = (text + "\r\n").encode()
        if not slow:
            conn.sendall(data)
            return
        for byte in data[:3] + b" " * 10_000:  # a line that never ends
            if self.stopped.wait(self.PAUSE):
                return
            conn.sendall(bytes([byte]))
