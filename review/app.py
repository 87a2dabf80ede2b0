"""The Flask app factory and the rules every request passes through.

Every request but ``/login`` and static files needs a logged-in, enabled account whose
session is fresh (idle timeout, absolute lifetime, and the account unchanged since the
login); every form carries the session's CSRF token, ``/login`` included; every response
carries a strict Content-Security-Policy (no inline script, nothing from other sites).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from sqlite_utils import Database
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from crawler import store
from crawler.config import Config
from review import i18n

log = logging.getLogger(__name__)

ROLE_RANK = {"viewer": 0, "reviewer": 1, "admin": 2}
# The language switch only sets a word in the session; it still needs the CSRF token.
PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language", "static"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_SESSION = timedelta(hours=12)
SECRET_FILE = "review-secret.key"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies when configured, and also whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or _request_is_secure())


def _request_is_secure() -> bool:
    try:
        return request.is_secure
    except RuntimeError:  # outside a request
        return False


def create_app(config: Config, *, secret_key: str | None = None) -> Flask:
    """The review desk over ``config.db_path``. ``secret_key`` signs the session cookies;
    by default it is read from (or created in) ``data_dir/review-secret.key``."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(config.data_dir),
        SESSION_COOKIE_NAME="pantau_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.review.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.review.idle_minutes),
        MAX_CONTENT_LENGTH=1024 * 1024,
        PANTAU=config,
    )
    app.session_interface = _SessionInterface()
    if config.review.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    with store.connect(config.db_path):
        pass  # migrate once at start, not inside the first request
    _register(app)
    return app


def _register(app: Flask) -> None:
    from review import views
    from review.auth import bp as auth_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(views.bp)
    app.before_request(_guard)
    app.after_request(_headers)
    app.teardown_appcontext(_close_db)
    app.context_processor(_template_globals)
    app.jinja_env.globals["csrf_token"] = csrf_token
    for code in (400, 403, 404, 413):
        app.register_error_handler(code, _error_page)


def _error_page(error: HTTPException) -> tuple[str, int]:
    from flask import render_template

    code = error.code or 500
    words = i18n.strings(i18n.language(session.get("lang")))
    return render_template("error.html", code=code, message=words.get(f"error_{code}", "")), code


def _secret_key(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key)
        return key


# The database, per request -------------------------------------------------------------


def db() -> Database:
    """The store for this request, opened on first use and closed at its end."""
    if "db" not in g:
        g.db = store.open_store(config().db_path)
    return g.db


def config() -> Config:
    from flask import current_app

    return current_app.config["PANTAU"]


def _close_db(exc: BaseException | None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


# Sessions, CSRF, roles -----------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token (created on first use); every form sends it back."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _csrf_ok(req: Request) -> bool:
    sent = req.form.get("csrf_token") or req.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def _guard() -> Response | None:
    if request.endpoint == "static":
        return None
    if request.method not in SAFE_METHODS and not _csrf_ok(request):
        log.warning("refused %s %s: missing or wrong CSRF token", request.method, request.path)
        abort(400, description="csrf")
    g.user = _session_user()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("auth.login", next=_local_target(request.full_path)))
    return None


def _session_user() -> dict[str, Any] | None:
    if "uid" not in session:
        return None
    now = time.time()
    idle = config().review.idle_minutes * 60
    user = store.get_user_by_id(db(), int(session["uid"]))
    fresh = (
        now - float(session.get("seen", 0)) <= idle
        and now - float(session.get("start", 0)) <= MAX_SESSION.total_seconds()
    )
    if (
        not fresh
        or user is None
        or user["disabled"]
        or user["session_version"] != session.get("ver")
    ):
        _end_session()
        return None
    session["seen"] = now
    return user


def _end_session() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def start_session(user: dict[str, Any]) -> None:
    """A fresh session for ``user`` (a new CSRF token: none from before the login)."""
    _end_session()
    now = time.time()
    session.permanent = True
    session.update(uid=user["id"], ver=user["session_version"], seen=now, start=now)
    session["csrf"] = secrets.token_urlsafe(32)


def require(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: 403 unless the user's role is at least ``role``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


def can(role: str) -> bool:
    user = g.get("user")
    return user is not None and ROLE_RANK.get(user["role"], -1) >= ROLE_RANK[role]


def _local_target(target: str | None) -> str:
    """``target`` when it is a path on this site; "/" for anything else (open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target.rstrip("?") or "/"


def local_target(target: str | None) -> str:
    return _local_target(target)


def client_address() -> str:
    return request.remote_addr or "unknown"


def audit(action: str, target: str | None = None, detail: str | None = None) -> None:
    user = g.get("user")
    store.add_audit(db(), user["name"] if user else None, action, target, detail, client_address())


# Responses -----------------------------------------------------------------------------


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _template_globals() -> dict[str, Any]:
    language = i18n.language(session.get("lang"))
    return {"t": i18n.strings(language), "lang": language, "user": g.get("user"), "can": can}
