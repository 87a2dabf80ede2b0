"""compose_alert: a pure function from store rows (and evidence files) to an EmailMessage."""

from __future__ import annotations

import email
import re
import tomllib
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from alerts.compose import (
    MAX_TEXT,
    TEMPLATES,
    Segment,
    cap_text,
    compose_alert,
    header_text,
    highlight,
    load_strings,
    message_size,
    safe_link,
    split_segments,
)
from tests.support.alerts import (
    NOW,
    POST_TEXT,
    RECIPIENTS,
    SENDER,
    indicator,
    png_bytes,
    sample_post,
    sample_verdict,
    write_evidence,
)

MESSAGE_ID = "<alert-1@pantau.example.org>"


def compose(
    post: dict[str, Any] | None = None,
    verdict: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
    language: str = "id",
    max_bytes: int | None = None,
    review_base_url: str = "",
) -> EmailMessage:
    return compose_alert(
        post or sample_post(),
        verdict or sample_verdict(),
        evidence,
        sender=SENDER,
        recipients=RECIPIENTS,
        language=language,
        message_id=MESSAGE_ID,
        now=NOW,
        max_bytes=max_bytes,
        review_base_url=review_base_url,
    )


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def reparsed(message: EmailMessage) -> EmailMessage:
    """The message as a mail client sees it: serialised to bytes and parsed back."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def evidence(tmp_path: Path) -> dict[str, Any]:
    return write_evidence(tmp_path / "bundle")


# Structure ----------------------------------------------------------------------------


def test_message_has_plain_and_html_alternatives(evidence: dict[str, Any]) -> None:
    message = reparsed(compose(evidence=evidence))
    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    kinds = [part.get_content_type() for part in alternative.iter_parts()]
    assert kinds == ["text/plain", "multipart/related"]
    assert body(message, "html").startswith("<!DOCTYPE html>")


def test_screenshot_is_inline_and_referenced_by_cid(evidence: dict[str, Any]) -> None:
    message = reparsed(compose(evidence=evidence))
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    image = list(related.iter_parts())[1]
    cid = image["Content-ID"].strip("<>")
    assert image.get_content_type() == "image/png"
    assert image.get_content() == png_bytes()
    assert f'src="cid:{cid}"' in body(message, "html")


def test_screenshot_is_in_the_message_once_and_the_manifest_attached(
    evidence: dict[str, Any],
) -> None:
    message = reparsed(compose(evidence=evidence))
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    manifest = (Path(evidence["path"]) / "manifest.json").read_bytes()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert attached == {"manifest.json": manifest}
    assert [(p.get_filename(), p.get_content()) for p in images] == [
        ("screenshot.png", png_bytes())
    ]
    assert "Terlampir: screenshot.png, manifest.json" in body(message, "plain")


def test_a_tall_screenshot_is_in_the_message_once(evidence: dict[str, Any]) -> None:
    shot = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8000  # 2 MB
    (Path(evidence["path"]) / "screenshot.png").write_bytes(shot)
    message = compose(evidence=evidence)
    assert len(shot) < message_size(message) < len(shot) * 1.4  # base64 once, not twice


@pytest.mark.parametrize(("language", "note"), [("id", "Tidak dilampirkan"), ("en", "Left out")])
def test_files_beyond_the_size_limit_are_left_out_with_a_note(
    evidence: dict[str, Any], language: str, note: str
) -> None:
    (Path(evidence["path"]) / "screenshot.png").write_bytes(b"\x89PNG" + b"\xfe" * 3_000_000)
    message = compose(evidence=evidence, language=language, max_bytes=1_000_000)
    assert message_size(message) <= 1_000_000
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["manifest.json"]
    assert "cid:" not in body(message, "html")
    for subtype in ("plain", "html"):
        text = body(message, subtype)
        assert note in text and "screenshot.png" in text and "3.0 MB" in text
        assert evidence["path"] in text
        assert "tidak ditemukan" not in text and "not found" not in text


def test_size_limit_zero_leaves_every_file_out(evidence: dict[str, Any]) -> None:
    message = compose(evidence=evidence, max_bytes=0)
    assert [p for p in message.walk() if p.get_filename()] == []
    assert "manifest.json" in body(message, "plain")


def test_a_message_under_the_limit_keeps_its_files(evidence: dict[str, Any]) -> None:
    message = compose(evidence=evidence, max_bytes=1_000_000)
    assert sorted(p.get_filename() for p in message.walk() if p.get_filename()) == [
        "manifest.json",
        "screenshot.png",
    ]
    assert "Tidak dilampirkan" not in body(message, "plain")


def test_without_evidence_there_is_no_attachment_and_the_body_says_so() -> None:
    message = reparsed(compose(evidence=None))
    assert list(message.iter_attachments()) == []
    assert "Bukti belum berhasil diambil" in body(message, "plain")


def test_failed_evidence_row_is_treated_as_no_evidence(evidence: dict[str, Any]) -> None:
    message = compose(evidence={**evidence, "status": "failed"})
    assert list(message.iter_attachments()) == []


# Headers ------------------------------------------------------------------------------


def test_headers_carry_ids_addresses_and_date() -> None:
    message = reparsed(compose())
    assert message["Message-ID"] == MESSAGE_ID
    assert message["X-Pantau-Post"] == "telegram:lokerluar/100"
    assert message["From"] == SENDER
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["Date"].datetime == NOW


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "[Pantau] Dugaan rekrutmen ilegal: Kamboja — skor 0.92"),
        ("en", "[Pantau] Suspected illegal recruitment: Kamboja — score 0.92"),
    ],
)
def test_subject_names_destination_and_score(language: str, expected: str) -> None:
    assert reparsed(compose(language=language))["Subject"] == expected


def test_subject_without_destination_falls_back() -> None:
    verdict = sample_verdict(indicators=[indicator(POST_TEXT, "FEE", "tiket", 0.2)])
    assert compose(verdict=verdict)["Subject"] == "[Pantau] Dugaan rekrutmen ilegal — skor 0.92"


def test_subject_lists_each_destination_once() -> None:
    text = "Kerja di Kamboja, kamboja, Myanmar"
    verdict = sample_verdict(
        text,
        indicators=[
            {"code": "DEST", "weight": 0.2, "text": "Kamboja", "start": 9, "end": 16},
            {"code": "DEST", "weight": 0.2, "text": "kamboja", "start": 18, "end": 25},
            {"code": "DEST", "weight": 0.2, "text": "Myanmar", "start": 27, "end": 34},
        ],
    )
    subject = compose(post=sample_post(text=text), verdict=verdict)["Subject"]
    assert subject == "[Pantau] Dugaan rekrutmen ilegal: Kamboja, Myanmar — skor 0.92"


def test_hostile_header_input_cannot_add_headers() -> None:
    hostile = "Kamboja\r\nBcc: semua@example.net"
    verdict = sample_verdict(
        indicators=[{"code": "DEST", "weight": 0.2, "text": hostile, "start": 0, "end": 1}]
    )
    post = sample_post(key="telegram:x\r\nBcc: a@example.net")
    message = reparsed(compose(post=post, verdict=verdict))
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert message["X-Pantau-Post"] == "telegram:x Bcc: a@example.net"


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("Kamboja", 200, "Kamboja"),
        ("a\r\nb", 200, "a b"),
        ("a\u2028b\x00c", 200, "a b c"),
        ("  banyak   spasi  ", 200, "banyak spasi"),
        ("x" * 10, 5, "xxxx…"),
    ],
)
def test_header_text(value: str, limit: int, expected: str) -> None:
    assert header_text(value, limit) == expected


# Body ---------------------------------------------------------------------------------


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_lists_indicators_with_labels_and_matched_words(subtype: str) -> None:
    text = body(compose(), subtype)
    for expected in ("DEST", "Tujuan luar negeri", "Kamboja", "VISA", "visa turis", "0.35"):
        assert expected in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_english_body_uses_english_labels(subtype: str) -> None:
    text = body(compose(language="en"), subtype)
    assert "Destination abroad" in text
    assert "Tujuan luar negeri" not in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_lists_entities(subtype: str) -> None:
    text = body(compose(), subtype)
    assert "+85512345678" in text
    assert "@agen_kerja" in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_quotes_post_details(subtype: str) -> None:
    text = body(compose(), subtype)
    for expected in (
        "telegram",
        "Info Loker Luar Negeri",
        "2026-03-01T10:00:00+00:00",
        "2026-03-01T10:05:00+00:00",
        "https://t.me/lokerluar/100",
    ):
        assert expected in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_quotes_manifest_hash_capture_time_and_verify_command(
    subtype: str, evidence: dict[str, Any]
) -> None:
    text = body(compose(evidence=evidence), subtype)
    assert evidence["manifest_sha256"] in text
    assert "2026-03-01T10:06:00+00:00" in text
    assert f"pantau verify {evidence['path']}" in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_tells_reviewers_how_to_mark_the_post(subtype: str) -> None:
    text = body(compose(), subtype)
    assert "pantau review mark telegram:lokerluar/100 confirmed" in text
    assert "pantau review mark telegram:lokerluar/100 false-positive" in text


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_body_links_to_the_review_desk_when_it_has_an_address(subtype: str) -> None:
    text = body(compose(review_base_url="https://pantau.example.go.id/desk"), subtype)
    assert "https://pantau.example.go.id/desk/post/telegram:lokerluar/100" in text
    assert "pantau review mark" not in text


def test_review_link_quotes_a_hostile_key() -> None:
    from alerts.compose import review_page

    link = review_page("https://desk.example", 'telegram:x/1"><script>?#')
    assert link == "https://desk.example/post/telegram:x/1%22%3E%3Cscript%3E%3F%23"


def test_changed_manifest_is_flagged_in_the_body(evidence: dict[str, Any]) -> None:
    text = body(compose(evidence={**evidence, "manifest_sha256": "0" * 64}), "plain")
    assert "PERINGATAN" in text


def test_missing_screenshot_is_reported_and_not_inlined(evidence: dict[str, Any]) -> None:
    (Path(evidence["path"]) / "screenshot.png").unlink()
    message = compose(evidence=evidence)
    assert "cid:" not in body(message, "html")
    assert "screenshot.png" in body(message, "plain")
    assert [p.get_filename() for p in message.iter_attachments()] == ["manifest.json"]


def test_fired_words_are_marked_in_html() -> None:
    html = body(compose(), "html")
    assert re.search(r'<mark title="DEST: [^"]*">Kamboja</mark>', html)
    assert re.search(r'<mark title="VISA: [^"]*">visa turis</mark>', html)


def test_script_in_post_text_is_text_not_markup() -> None:
    text = "Kerja di Kamboja <script>alert('x')</script> <img src=x onerror=alert(1)>"
    verdict = sample_verdict(text, indicators=[indicator(text, "DEST", "Kamboja", 0.2)])
    html = body(compose(post=sample_post(text=text), verdict=verdict), "html")
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_markup_inside_a_marked_word_is_escaped() -> None:
    text = "ke <b>Kamboja</b> segera"
    verdict = sample_verdict(
        text, indicators=[{"code": "DEST", "weight": 0.2, "text": "x", "start": 3, "end": 17}]
    )
    html = body(compose(post=sample_post(text=text), verdict=verdict), "html")
    assert "&lt;b&gt;Kamboja&lt;/b&gt;</mark>" in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        'https://t.me/x" onmouseover="alert(1)',
        "//t.me/tanpa-skema",
    ],
)
def test_hostile_urls_never_become_links(url: str) -> None:
    html = body(compose(post=sample_post(url=url, author_url=url)), "html")
    assert "<a " not in html
    assert '" onmouseover' not in html


def test_http_urls_become_links() -> None:
    html = body(compose(), "html")
    assert '<a href="https://t.me/lokerluar/100">' in html


def test_long_text_is_capped() -> None:
    text = "Kamboja " + "x" * (MAX_TEXT * 2)
    verdict = sample_verdict(text, indicators=[indicator(text, "DEST", "Kamboja", 0.2)])
    plain = body(compose(post=sample_post(text=text), verdict=verdict), "plain")
    assert "x" * MAX_TEXT not in plain
    assert "x" * (MAX_TEXT - 10) + "…" in plain


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("pendek", 10, ("pendek", False)), ("panjang sekali", 7, ("panjang…", True))],
)
def test_cap_text(text: str, limit: int, expected: tuple[str, bool]) -> None:
    assert cap_text(text, limit) == expected


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], [("abcdef", False)]),
        ([(1, 3)], [("a", False), ("bc", True), ("def", False)]),
        ([(0, 6)], [("abcdef", True)]),
        ([(1, 3), (2, 5)], [("a", False), ("bcde", True), ("f", False)]),
        ([(3, 5), (0, 1)], [("a", True), ("bc", False), ("de", True), ("f", False)]),
        ([(4, 99), (-1, 2), (3, 3)], [("abcdef", False)]),
    ],
)
def test_highlight_segments(spans: list[tuple[int, int]], expected: list[Any]) -> None:
    indicators = [{"code": "DEST", "start": s, "end": e} for s, e in spans]
    segments = highlight("abcdef", indicators, load_strings("id"))
    assert [(s.text, s.mark) for s in segments] == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://t.me/lokerluar/1", True),
        ("HTTP://contoh.example/a?b=c", True),
        ("javascript:alert(1)", False),
        ("mailto:a@example.org", False),
        ("https://", False),
        ("https://a.example/ b", False),
        ("https://[zz", False),
        (None, False),
    ],
)
def test_safe_link(url: str | None, expected: bool) -> None:
    assert (safe_link(url) is not None) is expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        compose(language="fr")


def test_both_languages_define_the_same_words() -> None:
    def keys(language: str) -> set[str]:
        data = tomllib.loads((TEMPLATES / f"strings.{language}.toml").read_text("utf-8"))
        return {f"{k}.{sub}" for k, v in data.items() if isinstance(v, dict) for sub in v} | {
            k for k, v in data.items() if not isinstance(v, dict)
        }

    assert keys("id") == keys("en")


def test_poster_text_is_shown_apart_and_its_words_are_marked() -> None:
    post = {**sample_post(), "text": "Info loker, lihat gambar", "images_text": "KERJA DI KAMBOJA"}
    classified = "Info loker, lihat gambar\n\nKERJA DI KAMBOJA"
    verdict = {**sample_verdict(), "indicators": [indicator(classified, "DEST", "KAMBOJA", 1.0)]}
    message = compose(post, verdict)
    html = body(message, "html")
    assert "Teks dari gambar (dibaca dengan OCR)" in html
    assert re.search(r'KERJA DI <mark title="DEST[^"]*">KAMBOJA</mark>', html)
    plain = body(message, "plain")
    assert "== Teks dari gambar (dibaca dengan OCR) ==\nKERJA DI KAMBOJA" in plain


@pytest.mark.parametrize(
    ("at", "before", "after"),
    [
        (3, ["abc"], ["def"]),
        (5, ["abc", "de"], ["f"]),
        (0, [], ["abc", "def"]),
        (6, ["abc", "def"], []),
    ],
)
def test_split_segments(at: int, before: list[str], after: list[str]) -> None:
    segments = [Segment("abc"), Segment("def", mark=True, title="DEST")]
    own, images = split_segments(segments, at)
    assert [s.text for s in own] == before
    assert [s.text for s in images] == after


def test_posts_sharing_a_contact_are_listed_as_the_network() -> None:
    linked = [
        {
            "key": "telegram:lain/5",
            "kind": "phone",
            "value": "+855974123388",
            "url": "https://t.me/lain/5",
        },
        {
            "key": "telegram:lain/6",
            "kind": "phone",
            "value": "+855974123388",
            "url": "javascript:alert(1)",
        },
    ]
    message = compose_alert(
        sample_post(),
        sample_verdict(),
        None,
        sender=SENDER,
        recipients=RECIPIENTS,
        message_id=MESSAGE_ID,
        now=NOW,
        linked=linked,
    )
    html = body(message, "html")
    assert '<a href="https://t.me/lain/5">telegram:lain/5</a>' in html
    assert 'href="javascript' not in html
    assert "Jaringan: unggahan lain dengan kontak yang sama" in body(message, "plain")
