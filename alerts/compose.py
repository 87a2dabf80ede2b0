"""Compose the alert email for one flagged post: a pure function returning an ``EmailMessage``.

Nothing here sends, queues or reads the database: ``compose_alert`` takes the rows the
store returned and reads only the evidence files they point to. The words live in
``templates/strings.<language>.toml`` (one file per language), the layout in
``templates/alert.txt`` and ``templates/alert.html``, rendered by a sandboxed Jinja2
environment with autoescaping for HTML.

Posts come from hostile places, so: header values lose CR/LF and are capped; the post
text is escaped segment by segment (only the ``<mark>`` tags around fired words are
ours); only ``http``/``https`` URLs become links.

Message layout (the screenshot is in it once: inline, with its file name, so mail
clients show it and can save it)::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain
    │   └── multipart/related
    │       ├── text/html          (<img src="cid:...">)
    │       └── image/png          screenshot.png, inline
    └── application/json           manifest.json

With ``max_bytes``, evidence files are left out, largest first, until the whole message
fits; the body then names each file left out and says where the evidence is
(``max_bytes=0`` leaves out every file).
"""

from __future__ import annotations

import hashlib
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from classifiers import classified_text

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("id", "en")
MAX_TEXT = 5000
MAX_HEADER = 200
MAX_DESTINATIONS = 3
MAX_LINKED = 20
MANIFEST = "manifest.json"
SCREENSHOT = "screenshot.png"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Segment:
    """A run of the post text; ``mark`` when an indicator fired on it."""

    text: str
    mark: bool = False
    title: str = ""


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    data: bytes
    maintype: str
    subtype: str


def compose_alert(
    post: Mapping[str, Any],
    verdict: Mapping[str, Any],
    evidence: Mapping[str, Any] | None,
    *,
    sender: str,
    recipients: Sequence[str],
    language: str = "id",
    message_id: str,
    now: datetime | None = None,
    linked: Sequence[Mapping[str, Any]] = (),
    max_bytes: int | None = None,
    review_base_url: str = "",
) -> EmailMessage:
    """The alert email for ``post`` (store rows in, message out; see the module docstring).

    ``evidence`` is the store's evidence row, or None when capture failed; only an ``ok``
    row's files are read. ``now`` sets the ``Date`` header (default: the current time).
    ``linked`` are other posts sharing a contact (``store.linked_posts``): the network.
    ``max_bytes`` caps the size of the message as sent, by leaving evidence files out.
    ``review_base_url`` (the ``review.base_url`` setting): the email links to the post's
    page on the review desk; without it, it prints the ``pantau review mark`` commands.
    """
    files = read_evidence_files(evidence)
    left_out: list[EvidenceFile] = []
    while True:
        message = _build(
            post,
            verdict,
            evidence,
            files,
            left_out,
            sender,
            recipients,
            language,
            message_id,
            now,
            linked,
            review_base_url,
        )
        if max_bytes is None or not files or message_size(message) <= max_bytes:
            return message
        largest = max(files.values(), key=lambda file: len(file.data))
        left_out.append(largest)
        files = {name: file for name, file in files.items() if file is not largest}


def message_size(message: EmailMessage) -> int:
    """Bytes of ``message`` as it goes over SMTP (CRLF line ends)."""
    return len(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))


def _build(
    post: Mapping[str, Any],
    verdict: Mapping[str, Any],
    evidence: Mapping[str, Any] | None,
    files: Mapping[str, EvidenceFile],
    left_out: Sequence[EvidenceFile],
    sender: str,
    recipients: Sequence[str],
    language: str,
    message_id: str,
    now: datetime | None,
    linked: Sequence[Mapping[str, Any]],
    review_base_url: str = "",
) -> EmailMessage:
    strings = load_strings(language)
    context = _context(post, verdict, evidence, files, strings, language, message_id)
    context["linked"] = [_linked_row(row, strings) for row in linked[:MAX_LINKED]]
    if context["evidence"] is not None:
        names = {file.name for file in left_out}
        context["evidence"]["left_out"] = [_left_out_row(file) for file in left_out]
        context["evidence"]["missing"] = [
            name for name in context["evidence"]["missing"] if name not in names
        ]
    context["review"]["url"] = review_page(review_base_url, str(post.get("key", "")))
    message = _headers(post, sender, recipients, message_id, context["subject"], now)
    message.set_content(_render("alert.txt", context))
    message.add_alternative(_render("alert.html", context), subtype="html")
    _add_files(message, files, context["screenshot_cid"])
    return message


def _left_out_row(file: EvidenceFile) -> dict[str, str]:
    return {"name": file.name, "size": f"{len(file.data) / 1_000_000:.1f} MB"}


# Words and templates ------------------------------------------------------------------


@cache
def load_strings(language: str) -> dict[str, Any]:
    """Every word of an alert in ``language`` (``id`` or ``en``)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return tomllib.loads((TEMPLATES / f"strings.{language}.toml").read_text(encoding="utf-8"))


@cache
def _environment() -> SandboxedEnvironment:
    # Sandboxed: analysts may edit the templates, and they must not reach Python objects.
    return SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        keep_trailing_newline=True,
    )


def _render(name: str, context: Mapping[str, Any]) -> str:
    return _environment().get_template(name).render(context)


# Headers ------------------------------------------------------------------------------


def header_text(value: object, limit: int = MAX_HEADER) -> str:
    """``value`` made safe for a header: control characters (CR/LF) become spaces,
    whitespace is collapsed, and it is capped at ``limit`` characters."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def destinations(indicators: Sequence[Mapping[str, Any]]) -> list[str]:
    """Distinct matched words of DEST indicators, in order of appearance."""
    found: dict[str, str] = {}
    for indicator in indicators:
        if indicator.get("code") == "DEST":
            word = header_text(indicator.get("text", ""), 40)
            if word:
                found.setdefault(word.casefold(), word)
    return list(found.values())


def subject_line(verdict: Mapping[str, Any], strings: Mapping[str, Any]) -> str:
    """``[Pantau] <what>: <destinations> — <score word> 0.92`` (no destinations: no colon)."""
    places = destinations(verdict.get("indicators") or [])
    what = strings["subject"]
    if places:
        shown = ", ".join(places[:MAX_DESTINATIONS])
        what += f": {shown}" + (", …" if len(places) > MAX_DESTINATIONS else "")
    return header_text(f"[Pantau] {what} — {strings['score']} {_score(verdict)}")


def _headers(
    post: Mapping[str, Any],
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    subject: str,
    now: datetime | None,
) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = header_text(message_id)
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(UTC))
    message["From"] = header_text(sender)
    message["To"] = ", ".join(header_text(r) for r in recipients)
    message["Subject"] = subject
    message["X-Pantau-Post"] = header_text(post.get("key", ""))
    return message


def _score(verdict: Mapping[str, Any]) -> str:
    return f"{float(verdict.get('score') or 0.0):.2f}"


# Body context -------------------------------------------------------------------------


def _context(
    post: Mapping[str, Any],
    verdict: Mapping[str, Any],
    evidence: Mapping[str, Any] | None,
    files: Mapping[str, EvidenceFile],
    strings: Mapping[str, Any],
    language: str,
    message_id: str,
) -> dict[str, Any]:
    indicators = list(verdict.get("indicators") or [])
    # The verdict's offsets refer to the post text followed by the posters' OCR text.
    text, truncated = cap_text(classified_text(post))
    own_length = len(str(post.get("text") or ""))
    segments = highlight(text, indicators, strings)
    post_segments, image_segments = split_segments(segments, own_length)
    cid = screenshot_cid(message_id) if SCREENSHOT in files else None
    return {
        "s": strings,
        "language": language,
        "subject": subject_line(verdict, strings),
        "score": _score(verdict),
        "destinations": destinations(indicators),
        "model_version": verdict.get("model_version") or strings["unknown"],
        "post": _post_fields(post, strings),
        "text": "".join(seg.text for seg in post_segments),
        "image_text": "".join(seg.text for seg in image_segments),
        "truncated": truncated,
        "segments": post_segments,
        "image_segments": image_segments,
        "indicators": [_indicator_row(i, strings) for i in indicators],
        "reasons": [str(r) for r in verdict.get("reasons") or []],
        "entities": [_entity_row(e, strings) for e in verdict.get("entities") or []],
        "evidence": _evidence_fields(evidence, files, cid),
        "screenshot_cid": cid,
        "review": _review_commands(str(post.get("key", ""))),
    }


def cap_text(text: str, limit: int = MAX_TEXT) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters plus "…", and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + "…", True


def safe_link(url: object) -> str | None:
    """``url`` when it may become a link (http/https with a host, no spaces or control
    characters), else None."""
    if not isinstance(url, str) or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _post_fields(post: Mapping[str, Any], strings: Mapping[str, Any]) -> dict[str, Any]:
    # One-line fields stay on one line: a CR/LF in an author name must not forge a
    # "Bcc:"-looking line in the plain-text body.
    def line(name: str) -> str:
        return header_text(post.get(name) or "", 2000) or strings["unknown"]

    return {
        "key": line("key"),
        "platform": line("platform"),
        "author": line("author"),
        "author_link": safe_link(post.get("author_url")),
        "posted_at": line("posted_at"),
        "first_seen_at": line("first_seen_at"),
        "url": line("url"),
        "link": safe_link(post.get("url")),
    }


def _indicator_row(indicator: Mapping[str, Any], strings: Mapping[str, Any]) -> dict[str, str]:
    code = str(indicator.get("code", ""))
    return {
        "code": code,
        "meaning": strings["codes"].get(code, code),
        "matched": header_text(indicator.get("text", ""), 500),
        "weight": f"{float(indicator.get('weight') or 0.0):.2f}",
    }


def _entity_row(entity: Mapping[str, Any], strings: Mapping[str, Any]) -> dict[str, str]:
    kind = str(entity.get("kind", ""))
    return {
        "kind": strings["kinds"].get(kind, kind),
        "value": header_text(entity.get("value") or entity.get("text") or "", 500),
    }


def _linked_row(row: Mapping[str, Any], strings: Mapping[str, Any]) -> dict[str, Any]:
    url = str(row.get("url") or "")
    return {
        **_entity_row(row, strings),
        "key": header_text(row.get("key", ""), 200),
        "url": header_text(url, 500),
        "link": safe_link(url),
    }


def review_page(base_url: str, key: str) -> str | None:
    """The post's page on the review desk (``/post/<key>``), or None without a base URL."""
    if not base_url:
        return None
    return safe_link(f"{base_url.rstrip('/')}/post/{quote(key, safe=':/')}")


def _review_commands(key: str) -> dict[str, Any]:
    quoted = shlex.quote(key)
    return {
        "confirmed": f"pantau review mark {quoted} confirmed",
        "false_positive": f"pantau review mark {quoted} false-positive",
    }


# Highlighting -------------------------------------------------------------------------


def highlight(
    text: str, indicators: Sequence[Mapping[str, Any]], strings: Mapping[str, Any]
) -> list[Segment]:
    """``text`` split into plain and marked segments by the indicators' offsets.

    Offsets outside ``text`` (e.g. words found in OCR of an image) are skipped;
    overlapping spans merge into one mark whose title names every code.
    """
    segments: list[Segment] = []
    position = 0
    for start, end, codes in _merged_spans(text, indicators):
        if start > position:
            segments.append(Segment(text[position:start]))
        title = ", ".join(f"{c}: {strings['codes'].get(c, c)}" for c in codes)
        segments.append(Segment(text[start:end], mark=True, title=title))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def split_segments(segments: list[Segment], at: int) -> tuple[list[Segment], list[Segment]]:
    """``segments`` cut at character ``at``: the post's own text, then the OCR text of its
    images (without the blank line that joins them)."""
    before: list[Segment] = []
    after: list[Segment] = []
    position = 0
    for segment in segments:
        end = position + len(segment.text)
        if end <= at:
            before.append(segment)
        elif position >= at:
            after.append(segment)
        else:
            cut = at - position
            before.append(Segment(segment.text[:cut], segment.mark, segment.title))
            after.append(Segment(segment.text[cut:], segment.mark, segment.title))
        position = end
    if after and not after[0].mark:
        after[0] = Segment(after[0].text.lstrip("\n"))
    return before, [segment for segment in after if segment.text]


def _merged_spans(
    text: str, indicators: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int, list[str]]]:
    spans = sorted(_valid_spans(text, indicators))
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, code in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, codes = merged[-1]
            codes = codes if code in codes else [*codes, code]
            merged[-1] = (last_start, max(last_end, end), codes)
        else:
            merged.append((start, end, [code]))
    return merged


def _valid_spans(text: str, indicators: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, str]]:
    spans = []
    for indicator in indicators:
        start, end = indicator.get("start"), indicator.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append((start, end, str(indicator.get("code", ""))))
    return spans


# Evidence -----------------------------------------------------------------------------


def read_evidence_files(evidence: Mapping[str, Any] | None) -> dict[str, EvidenceFile]:
    """``manifest.json`` and ``screenshot.png`` of a successful capture, by name
    (missing files are simply absent)."""
    if not evidence or evidence.get("status") != "ok" or not evidence.get("path"):
        return {}
    folder = Path(str(evidence["path"]))
    wanted = ((MANIFEST, "application", "json"), (SCREENSHOT, "image", "png"))
    files = {}
    for name, maintype, subtype in wanted:
        try:
            files[name] = EvidenceFile(name, (folder / name).read_bytes(), maintype, subtype)
        except OSError:
            continue
    return files


def screenshot_cid(message_id: str) -> str:
    """Content-ID of the inline screenshot (without angle brackets), derived from the
    Message-ID so composing stays deterministic."""
    local, _, domain = header_text(message_id).strip("<>").partition("@")
    return f"screenshot.{local}@{domain or 'pantau'}"


def _evidence_fields(
    evidence: Mapping[str, Any] | None, files: Mapping[str, EvidenceFile], cid: str | None
) -> dict[str, Any] | None:
    if not evidence or evidence.get("status") != "ok":
        return None
    recorded = evidence.get("manifest_sha256") or ""
    actual = hashlib.sha256(files[MANIFEST].data).hexdigest() if MANIFEST in files else ""
    folder = str(evidence.get("path") or "")
    return {
        "folder": folder,
        "sha256": recorded,
        "actual_sha256": actual,
        "hash_mismatch": bool(actual and recorded and actual != recorded),
        "captured_at": evidence.get("captured_at") or "",
        "missing": [name for name in (MANIFEST, SCREENSHOT) if name not in files],
        "attached": [name for name in (SCREENSHOT, MANIFEST) if name in files],
        "left_out": [],
        "screenshot_cid": cid,
        "verify_command": f"pantau verify {shlex.quote(folder)}",
    }


def _add_files(message: EmailMessage, files: Mapping[str, EvidenceFile], cid: str | None) -> None:
    # The screenshot goes in once, inline next to the HTML that shows it; it keeps its
    # file name so that mail clients offer to save it.
    if cid is not None:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        shot = files[SCREENSHOT]
        html_part.add_related(
            shot.data, shot.maintype, shot.subtype, cid=f"<{cid}>", filename=shot.name
        )
    for file in files.values():
        if file.name != SCREENSHOT:
            message.add_attachment(file.data, file.maintype, file.subtype, filename=file.name)
