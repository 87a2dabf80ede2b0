"""Raw signals of one text: lexicon hits by group, money amounts, contacts, and the red flags
(DOMAIN.md codes) they add up to, each with the original words and offsets.

This module finds; :mod:`classifiers.engine` weighs. A :class:`Signals` holds everything the
scoring rules look at, so each rule is a small function over it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from classifiers.entities import find_entities, phone_region
from classifiers.lexicon import DEST_GROUP, Hit, Lexicon
from classifiers.money import CURRENCY_COUNTRY, Money, find_money
from classifiers.normalize import fold, normalize
from classifiers.verdict import Entity

__all__ = [
    "FOREIGN_WAGE", "Flag", "Signals", "collect", "quoted_spans", "PAY_PLAIN_JOB_IDR",
    "PAY_EASY_JOB_IDR", "PAY_SCAMJOB_ABROAD_IDR",
]  # fmt: skip

FOREIGN_WAGE = "wage in a foreign currency"  # note of a PAY flag that is not too-good pay

# Monthly pay (rupiah) that is out of line for a no-experience admin/CS/operator/ABK/domestic
# job (DOMAIN.md: Rp 7-30 juta or USD 600-1,500 is the lure), and for any job at all.
PAY_EASY_JOB_IDR = 8_000_000.0
PAY_PLAIN_JOB_IDR = 25_000_000.0
# A scam-compound role (admin, CS, operator ...) paid this much is not a job at home: the pay
# itself points abroad (DOMAIN.md: a Rp 18 juta "customer service" job in Cambodia).
PAY_SCAMJOB_ABROAD_IDR = 15_000_000.0
# Above this a "monthly pay" is more likely a fee total, a price or a company figure.
PAY_IMPLAUSIBLE_IDR = 300_000_000.0

_PERSONAL_CONTACT = frozenset({"phone", "whatsapp", "telegram", "instagram"})
# A fee word is not a fee when negated before it ("tanpa biaya") ...
_NEGATED_BEFORE = re.compile(
    r"\b(?:tanpa|tidak ada|tidak|tdk|bebas|gratis|free|no|nol|zero|tak|gak|ga|bukan|tiada)"
    r"\W{1,3}(?:\w+\W{1,3})?$"
)
# ... or paid by someone else after it ("biaya tiket ditanggung perusahaan").
_PAID_AFTER = re.compile(
    r"[^,.;!\n]{0,30}?\b(?:ditanggung|ditangung|gratis|free|dibayar\w*|covered|paid by|"
    r"percuma|disediakan|oleh perusahaan|oleh majikan)\b"
)

_DENIED_BEFORE = re.compile(
    r"\b(?:bukan|tidak|tdk|anti|no|not|bebas|belum pernah|tidak pernah|never)\W{1,3}$"
)

# News form: a dateline opening the text or a line ("PHNOM PENH — ...", "KOMPAS.com - ...",
# "Jakarta (ANTARA) - ...", "TRIBUNNEWS.COM, BATAM - ..."). A line of capitals before a plain
# hyphen ("DIBUTUHKAN - ADMIN") is a poster's heading, so capitals need a long dash.
_DATELINE = re.compile(
    r"(?m)^[ \t]*(?:"
    r"[A-Z]{3,}(?:[ .,]+[A-Z]{2,}){0,3}"
    r"(?:[ \t]*\([A-Z][\w .]{1,30}\)|,[ \t]*[A-Z][\w.]*(?: [A-Z][\w.]*){0,3})?[ \t]*[\u2013\u2014]"
    r"|[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+){0,2}[ \t]*"
    r"\((?:ANTARA|Antara|AFP|AP|Reuters)\)[ \t]*[-\u2013\u2014]"
    r"|[A-Za-z]+\.(?i:com|co\.id|id|net)(?:,[ \t]*[A-Za-z][A-Za-z ]{1,30})?[ \t]*[-\u2013\u2014]"
    r")[ \t]*(?=\w)"
)
_DATELINE_WITHIN = 400  # a dateline opens the text or one of its first lines
# "Senin (12/5/2025)": Indonesian news dates the events it reports this way. The scan starts
# at the literal "(" (fast); the day name before it is checked after.
_NEWS_DATE = re.compile(r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)")
_DAY_BEFORE = re.compile(
    r"\b(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu|Ahad|Isnin|Khamis),? $"
)
_REPORT_GROUPS = {
    "report_retold": "retold promise", "report_speech": "reported speech",
    "report_warn": "warning", "report_news": "news form", "report_official": "official quoted",
    "report_advice": "advice",
}  # fmt: skip
# An official route named only to be avoided ("jangan lapor disnaker", "ga usah lewat BP2MI",
# "without the job order") is a non-procedural route, not a legitimacy marker.
_AVOIDED_BEFORE = re.compile(
    r"\b(?:jangan(?: lapor| bilang| ke| lewat)?|ga|gak|nggak|tidak|tak|tdk|usah|perlu|tanpa|"
    r"without|no need|skip|bypass|no)\W{1,3}(?:(?:usah|perlu|lapor|lewat|ke|daftar|ikut|via|"
    r"through|the|an?)\W{1,3}){0,2}$"
)
# Quoted text: a reposted ad inside a warning ("Beredar pesan seperti ini: -----", "> ...",
# "..." in quotation marks). What lies inside is the recruiter's, not the speaker's.
_QUOTED = re.compile(
    r'"[^"\n]{12,}"|\u201c[^\u201d]{12,}\u201d|(?m:^-{3,}[^\n]*\n[\s\S]*?(?:^-{3,}|\Z))'
)


class Flag(NamedTuple):
    """A red flag found at one place: code, original words and span, optional note.
    (A named tuple: cheap to build, and many are built per post.)"""

    code: str
    text: str
    start: int
    end: int
    note: str = ""


@dataclass
class Signals:
    """Everything the scoring rules read about one text."""

    text: str
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    money: list[Money] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    dest_kinds: set[str] = field(default_factory=set)
    foreign_regions: set[str] = field(default_factory=set)
    best_pay_idr: float = 0.0
    _codes: set[str] | None = field(default=None, repr=False)

    def has(self, *groups: str) -> bool:
        hits = self.hits
        for group in groups:  # noqa: SIM110 (every rule asks; a generator costs more)
            if hits.get(group):
                return True
        return False

    def codes(self) -> set[str]:
        """The codes of :attr:`flags` (computed once; every scoring rule asks)."""
        if self._codes is None:
            self._codes = {f.code for f in self.flags}
        return self._codes

    def add(self, code: str, start: int, end: int, note: str = "") -> None:
        self.flags.append(Flag(code, self.text[start:end], start, end, note))
        self._codes = None

    @property
    def personal_contact(self) -> bool:
        return self.has("contact") or any(e.kind in _PERSONAL_CONTACT for e in self.entities)

    @property
    def company_named(self) -> bool:
        return any(e.kind == "company" for e in self.entities)


def _group_hits(hits: list[Hit]) -> dict[str, list[Hit]]:
    grouped: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        grouped[hit.group].append(hit)
    return grouped


def _fee_is_negated(folded: str, hit: Hit) -> bool:
    before = folded[max(0, hit.start - 20) : hit.start]
    return bool(_NEGATED_BEFORE.search(before) or _PAID_AFTER.match(folded, hit.end))


def _amount_after(money: list[Money], hit: Hit, within: int = 30) -> Money | None:
    return next((m for m in money if 0 <= m.start - hit.end <= within), None)


def _fees(sig: Signals, folded: str) -> list[Money]:
    """Add FEE (or FREE when negated) flags; return the amounts that were fees."""
    fee_money: list[Money] = []
    services = [(h.start, h.end) for h in sig.hits.get("service", [])]
    for hit in sig.hits.get("fee", []) + sig.hits.get("fee_amount", []):
        if any(start <= hit.start and hit.end <= end for start, end in services):
            continue  # "biaya kursus", "biaya kirim": the price of a service, not a fee
        if _fee_is_negated(folded, hit):
            sig.add("FREE", hit.start, hit.end, "fee waived or paid by employer")
            continue
        amount = _amount_after(sig.money, hit)
        if amount is not None:
            fee_money.append(amount)
            sig.add("FEE", hit.start, amount.end, "worker pays an amount")
        elif hit.group == "fee":
            sig.add("FEE", hit.start, hit.end)
    return fee_money


def _easy_job(sig: Signals) -> bool:
    return sig.has("scamjob", "abk", "domestic", "zerocost", "nodocs")


def _pay(sig: Signals, fee_money: list[Money]) -> None:
    wages = [m for m in sig.money if m not in fee_money and m.idr_monthly < PAY_IMPLAUSIBLE_IDR]
    sig.best_pay_idr = max((m.idr_monthly for m in wages), default=0.0)
    limit = PAY_EASY_JOB_IDR if _easy_job(sig) else PAY_PLAIN_JOB_IDR
    for m in wages:
        if m.idr_monthly >= limit:
            note = f"about Rp {m.idr_monthly / 1e6:.1f} juta a month"
            sig.add("PAY", m.start, m.end, note)
        elif m.currency in CURRENCY_COUNTRY:
            sig.add("PAY", m.start, m.end, f"{FOREIGN_WAGE} ({m.currency})")
    if not sig.dest_kinds and sig.has("scamjob") and sig.best_pay_idr >= PAY_SCAMJOB_ABROAD_IDR:
        top = max(wages, key=lambda m: m.idr_monthly)
        sig.dest_kinds.add("abroad")
        sig.add("DEST", top.start, top.end, "XX (pay far above a scam-compound role at home)")
    for hit in sig.hits.get("pay", []):
        sig.add("PAY", hit.start, hit.end, "pay boast")


def _destinations(sig: Signals, lexicon: Lexicon) -> None:
    for hit in sig.hits.get(DEST_GROUP, []):
        kind = lexicon.countries[hit.key]
        sig.dest_kinds.add(kind)
        sig.add("DEST", hit.start, hit.end, f"{hit.key} ({kind})")
    for hit in sig.hits.get("hubjob", []):
        sig.dest_kinds.add("hub")
        sig.add("SCAMJOB", hit.start, hit.end, f"{hit.term} (scam-hub role)")
    for money in sig.money:
        country = CURRENCY_COUNTRY.get(money.currency)
        if country is not None:
            sig.dest_kinds.add(lexicon.countries.get(country, "other"))
            sig.add("DEST", money.start, money.end, f"{country} (paid in {money.currency})")
    for entity in sig.entities:
        region = phone_region(entity.value) if entity.kind in ("phone", "whatsapp") else "ID"
        if region and region != "ID":
            sig.foreign_regions.add(region)
            sig.dest_kinds.add(lexicon.countries.get(region, "other"))
            sig.add("FOREIGNPHONE", entity.start, entity.end, f"+{region} number")


_SIMPLE_CODES = {
    "scamjob": "SCAMJOB", "domestic": "DOMESTIC", "abk": "ABK", "visa": "VISA",
    "free": "FREE", "urgent": "URGENT", "nodocs": "NODOCS", "legit": "LEGIT",
    "warning": "WARNING", "impersonate": "IMPERSONATE", "pitch": "PITCH", "nightjob": "NIGHTJOB",
    "bondage": "BONDAGE",
}  # fmt: skip


def _simple_flags(sig: Signals, folded: str) -> None:
    for group, code in _SIMPLE_CODES.items():
        for hit in sig.hits.get(group, []):
            if code in ("WARNING", "PITCH") and _DENIED_BEFORE.search(
                folded, max(0, hit.start - 16), hit.start
            ):
                continue  # "bukan penipuan", "100% aman tidak ilegal": a recruiter's reassurance
            if code == "LEGIT" and _AVOIDED_BEFORE.search(
                folded, max(0, hit.start - 24), hit.start
            ):
                sig.add("VISA", hit.start, hit.end, f"avoids the official route ({hit.term})")
                continue
            sig.add(code, hit.start, hit.end, hit.term)


def _report_flags(sig: Signals, folded: str) -> None:
    """REPORT flags (who speaks and to whom) and APPLY flags (a way to sign up)."""
    for group, note in _REPORT_GROUPS.items():
        for hit in sig.hits.get(group, []):
            if _DENIED_BEFORE.search(folded, max(0, hit.start - 16), hit.start):
                continue  # "bukan penipuan", "tidak ilegal": a recruiter's reassurance
            sig.add("REPORT", hit.start, hit.end, f"{note}: {hit.term}")
    for m in _DATELINE.finditer(sig.text, 0, _DATELINE_WITHIN):
        sig.add("REPORT", m.start(), m.end(), "news form: dateline")
        break
    for m in _NEWS_DATE.finditer(sig.text):
        day = _DAY_BEFORE.search(sig.text, max(0, m.start() - 12), m.start())
        if day is not None:
            sig.add("REPORT", day.start(), m.end(), "news form: dated event")
            break
    for hit in sig.hits.get("apply", []):
        sig.add("APPLY", hit.start, hit.end, hit.term)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted text: in quotation marks, or between lines of dashes (a reposted ad
    inside a warning)."""
    return [m.span() for m in _QUOTED.finditer(text)]


def _drop_nested(flags: list[Flag]) -> list[Flag]:
    """Drop a flag lying inside a longer flag of the same code ("gratis" in "tiket gratis")."""
    kept: list[Flag] = []
    for flag in sorted(flags, key=lambda f: (f.code, f.start, -(f.end - f.start))):
        last = kept[-1] if kept else None
        if last and last.code == flag.code and last.start <= flag.start and flag.end <= last.end:
            continue
        kept.append(flag)
    return sorted(kept, key=lambda f: (f.start, f.code))


def collect(text: str, lexicon: Lexicon) -> Signals:
    """Find every raw signal and red flag in ``text`` (offsets are offsets in ``text``)."""
    folded = fold(text)
    sig = Signals(text, _group_hits(lexicon.match(normalize(text, folded))))
    sig.money = find_money(text, folded)
    sig.entities = find_entities(text, folded)
    _destinations(sig, lexicon)
    _simple_flags(sig, folded)
    _pay(sig, _fees(sig, folded))
    _report_flags(sig, folded)
    sig.flags = _drop_nested(sig.flags)
    sig._codes = None
    return sig
