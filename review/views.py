"""The pages of the review desk: queue, post, decisions, network, dashboard, export, audit.

Views are thin: they read the request, call ``crawler.store`` (which holds every query),
and render a template. Everything a post contains is shown through autoescaping.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from classifiers import classified_text
from crawler import store
from evidence.verify import verify_bundle
from review import charts, i18n
from review.app import audit, config, db, require
from review.bundle import SCREENSHOT, bundle_file, bundle_files, bundle_folder
from review.export import case_name, write_case
from review.pdf import html_to_pdf
from review.text import highlight, safe_link

bp = Blueprint("desk", __name__)

PER_PAGE = 25
TABS = ("suspicious", "report")
FILTERS = (
    "platform",
    "source",
    "indicator",
    "destination",
    "status",
    "date_from",
    "date_to",
    "search",
)
DECISIONS = {
    "confirmed": "confirmed",
    "false_positive": "false_positive",
    "needs_follow_up": "needs_follow_up",
}
MAX_NOTE = 2000
MAX_CSV_ROWS = 10_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _t() -> dict[str, Any]:
    return i18n.strings(i18n.language(session.get("lang")))


def _filters(args: Any) -> dict[str, str]:
    """The queue filters in ``args``, cleaned: unknown values are dropped."""
    found = {name: str(args.get(name, "")).strip()[:200] for name in FILTERS}
    found = {name: value for name, value in found.items() if value}
    for name in ("date_from", "date_to"):
        if name in found and not _DATE.fullmatch(found[name]):
            del found[name]
    if found.get("status") not in store.QUEUE_STATUSES:
        found.pop("status", None)
    found["label"] = args.get("tab") if args.get("tab") in TABS else "suspicious"
    return found


@bp.route("/")
def index() -> Response:
    return redirect(url_for("desk.queue"))


@bp.route("/queue")
def queue() -> str:
    """Flagged posts to review (or reports), highest score and newest first."""
    filters = _filters(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = store.review_queue(db(), filters, PER_PAGE, (page - 1) * PER_PAGE)
    query = {k: v for k, v in filters.items() if k != "label"}
    query["tab"] = filters["label"]
    return render_template(
        "queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        facets=store.queue_facets(db()),
        statuses=store.QUEUE_STATUSES,
        query=query,
        urlencode=urlencode,
    )


@bp.route("/queue.csv")
@require("reviewer")
def queue_csv() -> Response:
    """The queue with the current filters as CSV (every page, up to 10,000 rows)."""
    filters = _filters(request.args)
    rows, total = store.review_queue(db(), filters, MAX_CSV_ROWS, 0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "key",
            "score",
            "label",
            "decision",
            "platform",
            "source",
            "author",
            "posted_at",
            "first_seen_at",
            "url",
            "indicators",
            "excerpt",
        ]
    )
    for row in rows:
        codes = sorted({str(i.get("code")) for i in row["indicators"]})
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row["key"],
                    f"{row['score']:.3f}",
                    row["label"],
                    row["decision"] or "",
                    row["platform"],
                    row["source"],
                    row["author"],
                    row["posted_at"],
                    row["first_seen_at"],
                    row["url"],
                    " ".join(codes),
                    row["excerpt"],
                )
            ]
        )
    audit("export_csv", None, json.dumps({**filters, "rows": len(rows)}, ensure_ascii=False))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=pantau-queue.csv"},
    )


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ in posts)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# One post -------------------------------------------------------------------------------


def _post_or_404(key: str) -> dict[str, Any]:
    post = store.get_post(db(), key)
    if post is None:
        abort(404)
    return post


@bp.route("/post/<path:key>")
def post(key: str) -> str:
    """The post with the words that fired, its evidence, reposts, entities and decisions."""
    found = _post_or_404(key)
    verdict = store.get_verdict(db(), key) or {
        "indicators": [],
        "entities": [],
        "score": 0.0,
        "label": "unclassified",
        "model_version": "",
    }
    text = classified_text(found)
    own = len(found["text"])
    runs = highlight(text, verdict["indicators"])
    evidence = store.get_evidence(db(), key)
    folder = bundle_folder(config().evidence_dir, evidence)
    files = bundle_files(folder) if folder else []
    keys = store.queue_keys(db(), {"label": verdict["label"]})
    position = keys.index(key) if key in keys else None
    return render_template(
        "post.html",
        post=found,
        link=safe_link(found["url"]),
        author_link=safe_link(found.get("author_url")),
        verdict=verdict,
        runs=_split(runs, own),
        evidence=evidence,
        files=files,
        screenshot=any(f.name == SCREENSHOT for f in files),
        reposts=store.cluster_posts(db(), key),
        entities=store.post_entities(db(), key),
        reviews=store.post_reviews(db(), key),
        suppressed=store.is_false_positive(db(), key),
        previous=keys[position - 1] if position else None,
        following=keys[position + 1]
        if position is not None and position + 1 < len(keys)
        else (keys[0] if position is None and keys else None),
        problems=session.pop("verify_" + key, None),
    )


def _split(runs: list[Any], at: int) -> tuple[list[Any], list[Any]]:
    """The runs of the post's own text, then those of its posters' OCR text."""
    from review.text import Run

    own, image, position = [], [], 0
    for run in runs:
        end = position + len(run.text)
        if end <= at:
            own.append(run)
        elif position >= at:
            image.append(run)
        else:
            own.append(Run(run.text[: at - position], run.codes))
            image.append(Run(run.text[at - position :], run.codes))
        position = end
    return own, [r for r in image if r.text.strip("\n")]


@bp.route("/post/<path:key>/decide", methods=["POST"])
@require("reviewer")
def decide(key: str) -> Response:
    """Record a decision and go on to the next post to review."""
    _post_or_404(key)
    decision = DECISIONS.get(request.form.get("decision", ""))
    if decision is None:
        abort(400)
    note = request.form.get("note", "").strip()[:MAX_NOTE] or None
    label = (store.get_verdict(db(), key) or {}).get("label", "suspicious")
    before = store.queue_keys(db(), {"label": label})
    store.add_review(db(), key, decision, note, session_user_name())
    audit("decision", key, decision + (f": {note}" if note else ""))
    flash(_t()["decided"].format(decision=_t()["decision_" + decision]))
    remaining = store.queue_keys(db(), {"label": label})
    later = before[before.index(key) + 1 :] if key in before else before
    following = next((k for k in later if k in set(remaining)), None) or next(iter(remaining), None)
    if following is None:
        return redirect(url_for("desk.queue", tab=label))
    return redirect(url_for("desk.post", key=following))


def session_user_name() -> str:
    from flask import g

    return str(g.user["name"])


@bp.route("/post/<path:key>/verify", methods=["POST"])
def verify_evidence(key: str) -> Response:
    """Recompute the hashes of the post's evidence bundle and show the result."""
    _post_or_404(key)
    evidence = store.get_evidence(db(), key)
    folder = bundle_folder(config().evidence_dir, evidence)
    problems = (
        ["no evidence bundle"]
        if folder is None
        else verify_bundle(folder, (evidence or {}).get("manifest_sha256"))
    )
    # The result rides in the session cookie to the page: keep it small.
    session["verify_" + key] = [p[:300] for p in problems[:8]]
    audit("verify", key, "ok" if not problems else "; ".join(problems)[:500])
    return redirect(url_for("desk.post", key=key) + "#evidence")


@bp.route("/evidence/<name>/<path:key>")
def evidence_file(name: str, key: str) -> Response:
    """One file of the post's evidence bundle: the screenshot shown as an image, every
    other file (page.html is the hostile page itself) only as a download."""
    _post_or_404(key)
    folder = bundle_folder(config().evidence_dir, store.get_evidence(db(), key))
    path = bundle_file(folder, name) if folder else None
    if path is None:
        abort(404)
    if name == SCREENSHOT:
        response = send_file(path, mimetype="image/png", max_age=0)
    else:
        response = send_file(
            path,
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name=name,
            max_age=0,
        )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Networks -------------------------------------------------------------------------------


@bp.route("/network/<int:entity_id>")
def network(entity_id: int) -> str:
    """A phone number, handle, email or company: its posts, sources, first and last
    seen, and the entities that co-occur with it, drawn as a graph."""
    entity = store.get_entity(db(), entity_id)
    if entity is None:
        abort(404)
    posts = store.entity_posts(db(), entity_id)
    neighbours = store.co_entities(db(), entity_id)
    ids = [entity_id, *[n["id"] for n in neighbours]]
    graph = charts.network_graph(
        (entity_id, entity["kind"], entity["value"]),
        [(n["id"], n["kind"], n["value"], n["shared"]) for n in neighbours],
        store.entity_links(db(), ids),
    )
    seen = [p["first_seen_at"] for p in posts] + [p["last_seen_at"] for p in posts]
    sources = sorted({f"{p['platform']}:{p['source'] or '-'}" for p in posts})
    return render_template(
        "network.html",
        entity=entity,
        posts=posts,
        neighbours=neighbours,
        graph=graph,
        sources=sources,
        first_seen=min(seen, default=None),
        last_seen=max(seen, default=None),
    )


# Dashboard --------------------------------------------------------------------------------

DASHBOARD_DAYS = 30


@bp.route("/dashboard")
def dashboard() -> str:
    """Flagged posts per day, by destination, platform and indicator; top contact
    numbers; source health."""
    now = datetime.now(UTC)
    since = now - timedelta(days=DASHBOARD_DAYS - 1)
    counts = {row["day"]: row["n"] for row in store.flagged_per_day(db(), since)}
    days = [(since + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(DASHBOARD_DAYS)]
    per_day = charts.column_chart([(day, counts.get(day, 0)) for day in days])

    def by(what: str) -> charts.Chart:
        return charts.bar_chart([(r["label"] or "-", r["n"]) for r in store.flagged_by(db(), what)])

    return render_template(
        "dashboard.html",
        per_day=per_day,
        days=days,
        charts={what: by(what) for what in ("destination", "platform", "indicator")},
        contacts=store.top_contacts(db()),
        sources=store.source_health(db(), now - timedelta(days=7)),
        counts=store.status_counts(db()),
    )


# Export and audit -------------------------------------------------------------------------


@bp.route("/export", methods=["POST"])
@require("reviewer")
def export() -> Response:
    """The chosen posts as a case ZIP with their evidence and a report of every hash."""
    keys = [k for k in dict.fromkeys(request.form.getlist("key")) if store.has_post(db(), k)]
    if not keys:
        flash(_t()["export_none"])
        return redirect(request.referrer if _same_site(request.referrer) else url_for("desk.queue"))
    now = datetime.now(UTC)
    items = [_case_item(key) for key in keys]
    target = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 (sent)
    files = write_case(target, items, config().evidence_dir, _render_report, now, _print_pdf)
    target.seek(0)
    audit("export_case", ",".join(keys)[:2000], f"{len(keys)} posts, {len(files)} files")
    return send_file(
        target,
        mimetype="application/zip",
        as_attachment=True,
        download_name=case_name(now) + ".zip",
        max_age=0,
    )


def _same_site(url: str | None) -> bool:
    return bool(url) and str(url).startswith(request.host_url)


def _case_item(key: str) -> dict[str, Any]:
    return {
        "post": store.get_post(db(), key),
        "verdict": store.get_verdict(db(), key),
        "entities": store.post_entities(db(), key),
        "reviews": store.post_reviews(db(), key),
        "evidence": store.get_evidence(db(), key),
    }


def _print_pdf(html: str) -> bytes | None:
    return html_to_pdf(html, config().browser)


def _render_report(report: Any) -> str:
    return render_template("report.html", report=report, safe_link=safe_link)


AUDIT_PAGE = 100


@bp.route("/audit")
@require("admin")
def audit_log() -> str:
    """The audit log: logins, decisions, verifications and exports, newest first."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = store.audit_log(db(), AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
    return render_template("audit.html", rows=rows, page=page, users=store.list_users(db()))
