"""Contacts and names in a post: phones, WhatsApp, Telegram, Instagram, emails, URLs, companies.

Investigators link posts into recruiter networks through these, and a phone number abroad
(+855 Cambodia, +95 Myanmar ...) is itself a red flag (FOREIGNPHONE). Phone numbers are checked
with the ``phonenumbers`` library after undoing common disguises: spaces and dashes, digits
spelt out ("08 12 3four5"), keycap emoji ("0️⃣8️⃣"). Offsets are offsets in the given text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from classifiers.normalize import (
    Normalized,
    as_bytes,
    ascii_digits,
    digit_pattern,
    fold,
    rewrite,
    zeroed_digits,
)
from classifiers.verdict import Entity

__all__ = ["find_entities", "phone_region"]

_DIGIT_WORDS = {
    "nol": "0", "kosong": "0", "zero": "0", "satu": "1", "one": "1", "dua": "2", "two": "2",
    "tiga": "3", "three": "3", "empat": "4", "four": "4", "lima": "5", "five": "5",
    "enam": "6", "six": "6", "tujuh": "7", "seven": "7", "delapan": "8", "eight": "8",
    "sembilan": "9", "nine": "9",
}  # fmt: skip
_WORDS = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
# A spelt digit touching a digit (directly or across one space/dash): "3four5", "08 satu 2".
_SPELT_RE = re.compile(rf"(?<=\d)[ -]?(?:{_WORDS})(?![a-z])|(?<![a-z])(?:{_WORDS})(?=[ -]?\d)")
# Cheap pre-checks: a number touching a spelt digit, or a number starting with a spelt zero.
# Where every digit is 0-9 the first runs over bytes with every digit made "0" (see
# normalize.zeroed_digits): the engine scans for a literal first character several times faster
# than for a character class.
_SPELT_AFTER_DIGIT = re.compile(rf"\d[ -]?(?:{_WORDS})")
_SPELT_AFTER_ZERO = re.compile(rf"0[ -]?(?:{_WORDS})".encode())
_SPELT_ZERO = re.compile(rf"(?:nol|kosong|zero)[ -]?(?:\d|{_WORDS})")
_KEYCAP_RE = re.compile("(\\d)\ufe0f?\u20e3")
# Starts at "+", "(" or a digit; the character before is checked in code.
_PHONE_RE = digit_pattern(r"[+(\d][\d\s\-.()]{8,27}\d")  # (any digits, 0-9 only)
# A match is ten or more characters that can be in one. With those mapped to "c" (and "?",
# which stands for every non-ASCII character, maybe a Unicode digit or space), ten "c" in a
# row begin at or before each match; bytes.find skips to them far faster than the regex
# scans for a first digit.
_PHONE_CHARS = bytes(
    ord("c") if b < 128 and re.fullmatch(r"[+\d\s\-.()?]", chr(b)) else ord("x") for b in range(256)
)
_PHONE_RUN = b"c" * 10
_NON_DIGIT_RE = re.compile(r"\D")
# No phone number anywhere has fewer digits; shorter candidates skip the (slow) parser.
_MIN_PHONE_DIGITS = 7
# Working hours ("08.00 - 17.00") look like numbers to the phone pattern; they are frequent.
_HOURS_RE = re.compile(r"\d{1,2}[.:]\d{2}\s*-\s*\d{1,2}[.:]\d{2}")
# Indonesian mobiles (most numbers in these ads) are checked against the phonenumbers
# metadata pattern directly: the same answer as parse + is_valid_number, ~50x cheaper.
_ID_MOBILE_RE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("ID").mobile.national_number_pattern
)
_WAME_RE = re.compile(r"(?:wa\.me|api\.whatsapp\.com/send\?phone=)/?\+?(\d{8,15})")
_TME_RE = re.compile(r"(?:t|telegram)\.me/(?!joinchat)(\w{3,32})")
_HANDLE_RE = re.compile(r"(?<![\w.@/])@(\w{4,32})\b")
_IG_RE = re.compile(
    r"instagram\.com/(\w[\w.]{1,29})|\b(?:ig|insta|instagram)\s?:?\s?@(\w[\w.]{1,29})"
)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b(?:bit\.ly|s\.id|linktr\.ee)/[^\s<>\"']+")
# Two patterns. "PT"/"CV" is tried only where str.find saw it (a regex scan for "P" or "C"
# is several times slower), so a lookbehind can reject it inside a word ("SEPTEMBER PT X").
# The Malaysian one starts at every capitalised word, which is slow on long posts: it runs
# only when "Bhd" is in the text (its leading \b already keeps it out of words).
_COMPANY_MARKERS = ("PT", "CV")
_COMPANY_RE = re.compile(r"(?<!\w)(?:PT|CV)\.?\s+[A-Z][\w&'.-]*(?:[ \t]+[A-Z][\w&'.-]*){0,5}")
_SDN_BHD_RE = re.compile(r"\b[A-Z][\w&.-]*(?:[ \t]+[A-Z][\w&.-]*){0,5}[ \t]+Sdn\.?[ \t]?Bhd\b")
_TRAILING = ".,;:!?)"
_URL_MARKERS = ("http", "bit.ly/", "s.id/", "linktr.ee/")  # besides "www.", all before a "/"
# Every link pattern here except "www." needs a "/" right after one of these ("t.me/",
# "api.whatsapp.com/send", "instagram.com/", "https://", "bit.ly/" ...). Most posts have no
# "/" or one or two ("S1/D3", "/bulan"), so finding each "/" (memchr) and looking at what
# precedes it is far cheaper than a substring search for each marker.
_BEFORE_SLASH = ("me", "whatsapp.com", "instagram.com", ":", "bit.ly", "s.id", "linktr.ee")
_NOT_BEFORE_PHONE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_+/=")


def phone_region(e164: str) -> str:
    """The ISO region of an E.164 number ("+85512345678" -> "KH"), "" when unknown."""
    if e164.startswith("+62"):  # country codes are prefix-free: +62 is only Indonesia
        return "ID"
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
    except phonenumbers.NumberParseException:
        return ""


def _phone_view(folded: str) -> Normalized:
    """Folded text with spelt-out digits and keycap emoji turned into plain digits."""
    view = Normalized(folded)
    if "\u20e3" in folded:
        view = rewrite(view, _KEYCAP_RE, lambda m: m.group(1))
    if _spelt_after_digit(view.text, ascii_digits(folded)) or (
        ("nol" in folded or "kosong" in folded or "zero" in folded) and _SPELT_ZERO.search(folded)
    ):
        view = rewrite(view, _SPELT_RE, lambda m: _DIGIT_WORDS[m.group().strip(" -")])
    return view


def _spelt_after_digit(text: str, ascii_only: bool) -> bool:
    """Whether a digit is followed (directly or across a space or dash) by a spelt digit;
    ``ascii_only`` says every digit in ``text`` is 0-9."""
    if ascii_only:
        return _SPELT_AFTER_ZERO.search(zeroed_digits(text)) is not None
    return _SPELT_AFTER_DIGIT.search(text) is not None


def _parse_phone(candidate: str) -> str | None:
    """E.164 of a valid number, read as Indonesian first, then as international."""
    digits = _NON_DIGIT_RE.sub("", candidate)
    if len(digits) < _MIN_PHONE_DIGITS or _HOURS_RE.fullmatch(candidate):
        return None
    mobile = _indonesian_mobile(candidate, digits)
    if mobile is not None:
        return mobile
    # Without "+" or a trunk "0" it is usually international written bare ("855 12 ..."),
    # except "8..." which is an Indonesian mobile missing its "0".
    if candidate.startswith(("+", "0", "(")):
        attempts = [candidate]
    elif digits.startswith("8"):
        attempts = [candidate, "+" + digits]
    else:
        attempts = ["+" + digits, candidate]
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, "ID")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _indonesian_mobile(candidate: str, digits: str) -> str | None:
    """E.164 of an Indonesian mobile ("0812...", "+62812...", "812..."), else None."""
    if candidate.startswith("+"):
        national = digits[2:] if digits.startswith("62") else ""
    elif not candidate.startswith(("0", "(")):
        national = digits[2:] if digits.startswith("62") else digits
    else:
        national = digits[1:] if digits.startswith("0") else ""
    if national.startswith("8") and _ID_MOBILE_RE.fullmatch(national):
        return "+62" + national
    return None


def _phones(text: str, folded: str) -> Iterator[Entity]:
    view = _phone_view(folded)
    for m in _phone_matches(view.text, _PHONE_RE[ascii_digits(folded)]):
        if m.start() and view.text[m.start() - 1] in _NOT_BEFORE_PHONE:
            continue  # inside a word, a URL path or a longer number
        value = _parse_phone(m.group().strip(" -.()"))
        if value is not None:
            start, end = view.span(m.start(), m.end())
            yield Entity("phone", value, text[start:end], start, end)


def _phone_matches(text: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, searching only from where a match can start (_PHONE_RUN)."""
    runs = as_bytes(text, _PHONE_CHARS)
    at = runs.find(_PHONE_RUN)
    while at >= 0 and (m := pattern.search(text, at)) is not None:
        yield m
        at = runs.find(_PHONE_RUN, m.end())


def _may_link(folded: str) -> bool:
    """Whether a "/" follows one of :data:`_BEFORE_SLASH` (else only "www." links exist)."""
    at = folded.find("/")
    while at >= 0:
        if folded.endswith(_BEFORE_SLASH, 0, at):
            return True
        at = folded.find("/", at + 1)
    return False


def _simple(text: str, folded: str, links: bool) -> Iterator[Entity]:
    if links and ("me/" in folded or "whatsapp.com/" in folded):
        yield from _me_links(text, folded)
    if "@" in folded:
        yield from _handles(text, folded)
    if (links and "instagram.com/" in folded) or (
        "@" in folded and ("ig" in folded or "insta" in folded)
    ):
        yield from _instagram(text, folded)


def _me_links(text: str, folded: str) -> Iterator[Entity]:
    for m in _WAME_RE.finditer(folded):
        yield Entity("whatsapp", "+" + m.group(1), text[m.start() : m.end()], m.start(), m.end())
    for m in _TME_RE.finditer(folded):
        yield Entity("telegram", "@" + m.group(1), text[m.start() : m.end()], m.start(), m.end())


def _handles(text: str, folded: str) -> Iterator[Entity]:
    for m in _HANDLE_RE.finditer(folded):
        if not _IG_RE.search(folded, max(0, m.start() - 12), m.end()):
            yield Entity("telegram", "@" + m.group(1), text[m.start() : m.end()], *m.span())
    for m in _EMAIL_RE.finditer(folded):
        yield Entity("email", m.group(), text[m.start() : m.end()], m.start(), m.end())


def _instagram(text: str, folded: str) -> Iterator[Entity]:
    for m in _IG_RE.finditer(folded):
        name = "@" + (m.group(1) or m.group(2)).rstrip(".")
        yield Entity("instagram", name, text[m.start() : m.end()], m.start(), m.end())


def _links(text: str, folded: str, links: bool) -> Iterator[Entity]:
    if "www." in folded or (links and any(marker in folded for marker in _URL_MARKERS)):
        for m in _URL_RE.finditer(text):
            url = m.group().rstrip(_TRAILING)
            yield Entity("url", url, url, m.start(), m.start() + len(url))
    yield from _companies(text)
    if "Bhd" in text:
        for m in _SDN_BHD_RE.finditer(text):
            yield _company(text, m)


def _companies(text: str) -> Iterator[Entity]:
    """Company names after "PT" or "CV", tried at each place a marker occurs, left to right."""
    end = 0
    for at in _positions(text, _COMPANY_MARKERS):
        m = _COMPANY_RE.match(text, at) if at >= end else None  # not in the name just found
        if m is not None:
            yield _company(text, m)
            end = m.end()


def _positions(text: str, words: tuple[str, ...]) -> list[int]:
    """Every offset where one of ``words`` occurs in ``text``, in increasing order."""
    found: list[int] = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            found.append(at)
            at = text.find(word, at + 1)
    return sorted(found)


def _company(text: str, m: re.Match[str]) -> Entity:
    words = m.group().rstrip(_TRAILING)
    return Entity("company", " ".join(words.split()), words, m.start(), m.start() + len(words))


def find_entities(text: str, folded: str | None = None) -> list[Entity]:
    """All contacts and company names in ``text``, in order of position.

    Phones have kind "phone" and an E.164 value; WhatsApp links "whatsapp"; Telegram
    ``@handles`` and ``t.me`` links "telegram" (value "@name"); also "instagram", "email",
    "url" and "company" (value "PT Xxx Yyy", whitespace collapsed). ``folded`` may pass
    ``fold(text)`` when the caller already has it.
    """
    folded = fold(text) if folded is None else folded
    links = _may_link(folded)
    found = [*_phones(text, folded), *_simple(text, folded, links), *_links(text, folded, links)]
    return sorted(set(found), key=lambda e: (e.start, e.end, e.kind))
