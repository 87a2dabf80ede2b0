"""Logged-in sessions of the operator's accounts, one per source, kept as cookies.

Where a platform shows posts only to a logged-in account, the operator logs in with a
browser and exports its cookies: a Netscape ``cookies.txt`` (what browser extensions and
``curl`` write) or a Playwright storage state (``context.storage_state()``).
``import_session`` reads either and stores the cookies at
``<data_dir>/sessions/<source>.json``: the folder mode 0700, the file 0600, written
atomically, so only the service's user can read them. Cookie values are secrets: nothing
here logs them, ``crawler.warc`` redacts them from the WARC record, and evidence capture
never uses them.

``SessionCookiesMiddleware`` (``crawler.middlewares``) sends a source's cookies with the
requests of its crawl (``PANTAU_SESSION_FILE``) and ``mark_used`` notes when.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.errors import PantauError

FORMAT = "pantau-session/1"


class SessionError(PantauError):
    """A cookie file cannot be read, or a stored session is damaged."""


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float | None = None
    secure: bool = False
    http_only: bool = False

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now.timestamp()

    def matches(self, host: str, path: str, https: bool) -> bool:
        """True when a browser would send this cookie to ``host``/``path``."""
        domain = self.domain.lstrip(".").lower()
        host = host.lower()
        if host != domain and not host.endswith("." + domain):
            return False
        return path.startswith(self.path or "/") and (https or not self.secure)


@dataclass(frozen=True)
class SessionInfo:
    """What ``pantau session list`` shows of a session (never the values)."""

    source: str
    cookies: int
    expired: int
    domains: tuple[str, ...]
    imported_at: str
    last_used_at: str | None


def sessions_dir(data_dir: Path) -> Path:
    return data_dir / "sessions"


def session_path(data_dir: Path, source: str) -> Path:
    return sessions_dir(data_dir) / f"{source}.json"


# Reading exported cookie files ---------------------------------------------------------


def read_cookie_file(path: Path) -> list[Cookie]:
    """The cookies of a Playwright storage state or a Netscape cookies.txt."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"cannot read {path}: {exc}") from None
    cookies = (
        storage_state_cookies(text) if text.lstrip().startswith("{") else netscape_cookies(text)
    )
    if not cookies:
        raise SessionError(f"{path} holds no cookies (expected cookies.txt or a storage state)")
    return cookies


def storage_state_cookies(text: str) -> list[Cookie]:
    """Cookies of a Playwright storage state (``{"cookies": [...], "origins": [...]}``)."""
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise SessionError(f"storage state is not valid JSON: {exc}") from None
    raw = state.get("cookies") if isinstance(state, dict) else None
    if not isinstance(raw, list):
        raise SessionError("storage state has no 'cookies' list")
    return [_state_cookie(entry, number) for number, entry in enumerate(raw, 1)]


def _state_cookie(entry: Any, number: int) -> Cookie:
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("domain"):
        raise SessionError(f"cookie {number} of the storage state has no name or domain")
    expires = entry.get("expires")
    return Cookie(
        name=str(entry["name"]),
        value=str(entry.get("value", "")),
        domain=str(entry["domain"]),
        path=str(entry.get("path") or "/"),
        expires=float(expires) if isinstance(expires, int | float) and expires > 0 else None,
        secure=bool(entry.get("secure")),
        http_only=bool(entry.get("httpOnly")),
    )


def netscape_cookies(text: str) -> list[Cookie]:
    """Cookies of a Netscape cookies.txt: seven tab-separated fields a line;
    ``#HttpOnly_`` before the domain marks an HTTP-only cookie, other ``#`` lines are
    comments."""
    cookies = []
    for number, line in enumerate(text.splitlines(), 1):
        http_only = line.startswith("#HttpOnly_")
        line = line.removeprefix("#HttpOnly_").strip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        cookies.append(_netscape_cookie(line.split("\t"), http_only, number))
    return cookies


def _netscape_cookie(fields: list[str], http_only: bool, number: int) -> Cookie:
    if len(fields) != 7:
        raise SessionError(f"cookies.txt line {number}: expected 7 tab-separated fields")
    domain, _subdomains, path, secure, expires, name, value = fields
    if not domain or not name:
        raise SessionError(f"cookies.txt line {number}: no domain or name")
    seconds = float(expires) if expires.strip().isdigit() and int(expires) > 0 else None
    return Cookie(name, value, domain, path or "/", seconds, secure.upper() == "TRUE", http_only)


# Storing -------------------------------------------------------------------------------


def import_session(
    data_dir: Path, source: str, cookie_file: Path, now: datetime | None = None
) -> SessionInfo:
    """Store the cookies of ``cookie_file`` as ``source``'s session (replacing one)."""
    cookies = read_cookie_file(cookie_file)
    record = {
        "format": FORMAT,
        "source": source,
        "imported_at": _iso(now),
        "last_used_at": None,
        "cookies": [asdict(cookie) for cookie in cookies],
    }
    write_private(session_path(data_dir, source), record)
    return info(record, now)


def write_private(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON readable by the owner only, replacing ``path`` atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".session-", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SessionError(f"session file {path} cannot be read: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SessionError(f"{path} is not a Pantau session file")
    return record


def load_cookies(path: Path) -> list[Cookie]:
    """The stored cookies of the session file ``path``."""
    return [Cookie(**entry) for entry in load_record(path)["cookies"]]


def mark_used(path: Path, now: datetime | None = None) -> None:
    """Note in the session file that a crawl used it."""
    record = load_record(path)
    record["last_used_at"] = _iso(now)
    write_private(path, record)


def list_sessions(data_dir: Path, now: datetime | None = None) -> list[SessionInfo]:
    """Every stored session, by source name."""
    folder = sessions_dir(data_dir)
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [info(load_record(path), now) for path in paths]


def info(record: dict[str, Any], now: datetime | None = None) -> SessionInfo:
    cookies = [Cookie(**entry) for entry in record["cookies"]]
    moment = now or datetime.now(UTC)
    return SessionInfo(
        source=str(record["source"]),
        cookies=len(cookies),
        expired=sum(1 for cookie in cookies if cookie.expired(moment)),
        domains=tuple(sorted({cookie.domain.lstrip(".") for cookie in cookies})),
        imported_at=str(record["imported_at"]),
        last_used_at=record.get("last_used_at"),
    )


def cookie_header(
    cookies: Iterable[Cookie], host: str, path: str, https: bool, now: datetime
) -> str:
    """The ``Cookie`` header a browser would send to ``host``/``path``."""
    sent = [c for c in cookies if c.matches(host, path, https) and not c.expired(now)]
    return "; ".join(f"{c.name}={c.value}" for c in sent)


def _iso(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
