"""Logging in and out, with throttling per account and per address, and the language.

Throttling counts failed logins in the database (so every waitress thread and every
process agrees): after ``ACCOUNT_LIMIT`` failures for one account, or ``ADDRESS_LIMIT``
from one address, within ``WINDOW``, logins are refused without checking the password
until the window has passed. Refusals while throttled are not counted, so an attacker
cannot extend the lock forever, and a successful login clears the account's count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, g, redirect, render_template, request, session

from crawler import store
from review import i18n
from review.app import audit, client_address, db, local_target, start_session
from review.passwords import DUMMY_HASH, verify_password

bp = Blueprint("auth", __name__)

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
MAX_NAME = 64


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """The login form; a logged-in user goes straight on."""
    target = local_target(request.args.get("next"))
    if g.user is not None:
        return redirect(target)
    if request.method == "GET":
        return render_template("login.html", next=target)
    name = request.form.get("name", "").strip()[:MAX_NAME]
    password = request.form.get("password", "")
    t = i18n.strings(i18n.language(session.get("lang")))
    if throttled(name, client_address()):
        audit("login_throttled", name)
        return render_template("login.html", next=target, error=t["login_throttled"]), 429
    user = store.get_user(db(), name) if name else None
    # The dummy hash costs the same scrypt work, so a missing name is not faster.
    matches = verify_password(password, user["password_hash"] if user else DUMMY_HASH)
    if user is None or not matches or user["disabled"]:
        store.record_login_failure(db(), name, client_address())
        audit("login_failed", name)
        return render_template("login.html", next=target, error=t["login_failed"]), 401
    start_session(user)
    store.record_login(db(), name)
    g.user = user
    audit("login", name)
    return redirect(target)


def throttled(name: str, address: str, now: datetime | None = None) -> bool:
    """Whether logins for ``name`` or from ``address`` are refused for now."""
    since = (now or datetime.now(UTC)) - WINDOW
    return (
        store.login_failures(db(), since, name=name) >= ACCOUNT_LIMIT
        or store.login_failures(db(), since, address=address) >= ADDRESS_LIMIT
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out; the session cookie is cleared and, should a copy of it exist, refused too."""
    audit("logout", g.user["name"])
    store.end_sessions(db(), g.user["name"])
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect("/login")


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch between Indonesian and English; stays on the same page."""
    session["lang"] = i18n.language(request.form.get("lang"))
    return redirect(local_target(request.form.get("next")))
