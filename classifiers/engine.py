"""Scoring: red flags combined into an offer score and a report score in 0..1, one of three
labels and human-readable reasons.

One red flag alone means little (DOMAIN.md), so the score is a logistic of summed weights
where the strong weights come from combinations:

* DEST is a gate: without a destination abroad (a place name, a flag or a foreign phone
  number) the sum takes ``NO_DEST_PENALTY``; without any job wording, ``NO_JOB_PENALTY``.
* SCAMJOB + a scam-hub country (KH/MM/LA/TH/PH); DOMESTIC + a moratorium country (unless the
  lawful SPSK scheme is named); VISA (tourist/visit/umrah) in a job ad; FEE, heavier for the
  ten zero-cost jobs and fishing crews; PAY out of line with the job.
* URGENT, NODOCS, FREE, NOLICENCE (personal contact, no company, no licence) add a little.
* LEGIT (G2G, EPS-TOPIK, licence numbers, SPSK, labour office) and WARNING (news or warning
  framing: "waspada", "korban", "ditangkap") pull the score down hard.

Each code counts once (its largest weight); every :class:`Indicator` of a code carries the
weight the code contributed.

A second logistic, the report score (:func:`score_report`), weighs who speaks and to whom:
REPORT indicators (reported speech, warnings, news form, a quoted official) against APPLY
(a way to sign up). The label (:func:`label_of`) is ``report`` when the report score reaches
``REPORT_THRESHOLD``, else ``suspicious`` when the offer score reaches ``THRESHOLD``, else
``not_suspicious``. With the learned model, both scores are blended with its two heads
(:func:`blend_offer`, :func:`blend_report`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from classifiers.indicators import FOREIGN_WAGE, Flag, Signals, collect, quoted_spans
from classifiers.lexicon import default_lexicon
from classifiers.verdict import NOT_SUSPICIOUS, REPORT, SUSPICIOUS, Entity, Indicator, Term, Verdict

if TYPE_CHECKING:
    from classifiers.agencies import AgencyRegistry

__all__ = [
    "MODEL_VERSION", "REPORT_THRESHOLD", "THRESHOLD", "HeadsModel", "ProbabilityModel",
    "Scored", "blend_offer", "blend_report", "classified_text", "classify", "label_of",
    "score_report", "score_signals",
]  # fmt: skip

MODEL_VERSION = "indicators-2"
THRESHOLD = 0.5
REPORT_THRESHOLD = 0.5
BIAS = -3.0
NO_DEST_PENALTY = -2.5
NO_JOB_PENALTY = -2.0
DEST_WEIGHT = {"hub": 1.0, "moratorium": 0.8, "other": 0.6, "abroad": 0.4}
BASE_WEIGHT = {
    "SCAMJOB": 0.8, "DOMESTIC": 0.6, "ABK": 0.5, "VISA": 2.0, "FEE": 1.8, "FREE": 0.7,
    "PAY": 1.8, "URGENT": 0.5, "NODOCS": 0.7, "NOLICENCE": 0.6, "IMPERSONATE": 0.8,
    "FOREIGNPHONE": 1.0, "LEGIT": -2.5, "WARNING": -1.5, "PITCH": 1.5, "NIGHTJOB": 0.5,
    "BONDAGE": 0.5,
}  # fmt: skip
BONDAGE_JOB_WEIGHT = 1.5  # wages held, papers kept or a debt, in a job text (ILO indicators)
FAKE_SELECTION_WEIGHT = 2.5  # "nama anda terpilih" from an official body, and a payment
EMBASSY_EMPLOYER_WEIGHT = 2.5  # an embassy named as the employer of workers abroad
NIGHTJOB_ABROAD_BONUS = 1.5  # hostess, spa, lounge work abroad: a trafficking route for women
FEE_ABROAD_BONUS = 0.6  # the worker pays to be placed abroad (UU 18/2017, art. 30)
FAKE_OFFICIAL_WEIGHT = 1.5  # an official programme named, yet the worker pays a person
LICENSED_WEIGHT = -2.5  # a named company is an active licensed agency (the official list)
UNLISTED_CLAIM_WEIGHT = 1.5  # a licence claimed for a company not on the list
REVOKED_WEIGHT = 2.0  # a company on the list whose licence is revoked or not in force
PITCH_PART_WEIGHT = 0.5  # each further concrete part of a pitched offer (see _offer_parts)
PAY_FOREIGN_WEIGHT = 1.0  # a wage in a foreign currency: the work is abroad ("gaji dollar")
SCAMJOB_HUB_BONUS = 2.0
DOMESTIC_MORATORIUM_BONUS = 2.5
FEE_ZEROCOST_BONUS = 0.8
PAY_HUB_BONUS = 1.0  # too-good pay offered in a scam-hub country
PAY_NODOCS_BONUS = 0.5  # too-good pay with no experience or documents asked
PAY_BOAST_WEIGHT = 0.8  # "gaji besar" without an amount
AGENCY_ONLY_WEIGHT = -1.0  # an official body named, no licence, no personal contact
WARNING_CAP = 4  # distinct warning words counted

# The report score (label ``report``): who speaks and to whom. A logistic of its own.
REPORT_BIAS = -2.5
REPORT_WEIGHT = {
    "retold promise": 2.0, "reported speech": 1.2, "warning": 1.3, "news form": 1.0,
    "official quoted": 0.6, "advice": 1.2,
}  # fmt: skip
REPORT_CAP = {
    "retold promise": 1, "reported speech": 3, "warning": 3, "news form": 2, "official quoted": 1,
    "advice": 2,
}  # fmt: skip
REPORT_DATELINE_WEIGHT = 1.5  # "PHNOM PENH —": a news story
REPORT_CAPTION_CHARS = 200  # a warning here is a caption over what follows (a reposted ad)
REPORT_CAPTION_BONUS = 1.0
APPLY_WEIGHT = -2.0  # a way to sign up ("minat hubungi"): an offer, not talk about one
CONTACT_WEIGHT = -0.5  # a personal contact without an invitation (a warning may name one)
NO_APPLY_WEIGHT = 0.8  # report words and no way at all to sign up
REPORT_NO_TOPIC = -3.0  # nothing about work abroad, recruitment or trafficking
REPORT_LEGIT = -1.5  # a lawful programme's notice that warns of brokers is still a notice


class Scored:
    """Score, per-code weights and reasons; built by :func:`score_signals`."""

    def __init__(self) -> None:
        self.weights: dict[str, float] = {}
        self.reasons: list[str] = []
        self.extra: list[Flag] = []
        self.logit = BIAS
        # A placement abroad is named even without a job word or a place (an official
        # migrant-work programme): the gates do not apply.
        self.placement = False

    def set(self, code: str, weight: float, reason: str = "") -> None:
        self.weights[code] = weight
        if reason:
            self.reasons.append(reason)

    @property
    def score(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit))


def _words(sig: Signals, code: str) -> str:
    return ", ".join(dict.fromkeys(f'"{f.text}"' for f in sig.flags if f.code == code))


def _dest(sig: Signals, out: Scored) -> None:
    if sig.dest_kinds:
        out.set("DEST", max(DEST_WEIGHT[k] for k in sig.dest_kinds))
    if "FOREIGNPHONE" in sig.codes():
        regions = ", ".join(sorted(sig.foreign_regions))
        out.set("FOREIGNPHONE", BASE_WEIGHT["FOREIGNPHONE"], f"Contact number abroad ({regions}).")


def _scamjob(sig: Signals, out: Scored) -> None:
    if "SCAMJOB" not in sig.codes():
        return
    if "hub" in sig.dest_kinds:
        weight = BASE_WEIGHT["SCAMJOB"] + SCAMJOB_HUB_BONUS
        reason = f"Scam-compound role ({_words(sig, 'SCAMJOB')}) in a scam-hub country."
        out.set("SCAMJOB", weight, reason)
    else:
        out.set("SCAMJOB", BASE_WEIGHT["SCAMJOB"])


def _domestic(sig: Signals, out: Scored) -> None:
    if "DOMESTIC" not in sig.codes():
        return
    spsk = sig.has("legit")
    if "moratorium" in sig.dest_kinds and not spsk:
        weight = BASE_WEIGHT["DOMESTIC"] + DOMESTIC_MORATORIUM_BONUS
        reason = f"Domestic work ({_words(sig, 'DOMESTIC')}) in a moratorium country."
        out.set("DOMESTIC", weight, reason)
    else:
        out.set("DOMESTIC", BASE_WEIGHT["DOMESTIC"])


def _visa(sig: Signals, out: Scored) -> None:
    if "VISA" in sig.codes() and sig.has("job"):
        out.set("VISA", BASE_WEIGHT["VISA"], f"Work on a non-work visa ({_words(sig, 'VISA')}).")


def _fee(sig: Signals, out: Scored) -> None:
    if "FEE" not in sig.codes():
        return
    abroad = FEE_ABROAD_BONUS if sig.dest_kinds and sig.has("job") else 0.0
    if sig.has("zerocost", "domestic", "abk"):
        reason = "Worker pays for one of the zero-cost jobs (BP2MI reg. 9/2020)."
        out.set("FEE", BASE_WEIGHT["FEE"] + FEE_ZEROCOST_BONUS + abroad, reason)
    else:
        reason = f"Worker is asked to pay ({_words(sig, 'FEE')})."
        out.set("FEE", BASE_WEIGHT["FEE"] + abroad, reason)


def _pay(sig: Signals, out: Scored) -> None:
    pays = [f for f in sig.flags if f.code == "PAY"]
    amounts = [f for f in pays if f.note != "pay boast" and not f.note.startswith(FOREIGN_WAGE)]
    if amounts:
        reason = f"Pay out of line with the job ({amounts[0].text}, {amounts[0].note})."
        weight = BASE_WEIGHT["PAY"] + (PAY_HUB_BONUS if "hub" in sig.dest_kinds else 0.0)
        if "NODOCS" in sig.codes():
            weight += PAY_NODOCS_BONUS
            reason += " No requirements asked for that pay."
        out.set("PAY", weight, reason)
    elif any(f.note.startswith(FOREIGN_WAGE) for f in pays):
        out.set("PAY", PAY_FOREIGN_WEIGHT, "Wage in a foreign currency.")
    elif pays:
        out.set("PAY", PAY_BOAST_WEIGHT)


def _offer_parts(sig: Signals) -> int:
    """How concrete the offer is: an amount of money, free travel or lodging, easy
    requirements, a personal contact (0-4). Talk about offers has none of these."""
    codes = sig.codes()
    parts = (bool(sig.money), "FREE" in codes, "NODOCS" in codes, sig.personal_contact)
    return sum(parts)


def _pitch(sig: Signals, out: Scored) -> None:
    """A promise ("dijanjikan gaji ..."), retold or not, with a concrete offer abroad: the
    more concrete, the heavier."""
    parts = _offer_parts(sig) if "PITCH" in sig.codes() and sig.dest_kinds else 0
    if parts:
        weight = BASE_WEIGHT["PITCH"] + PITCH_PART_WEIGHT * (parts - 1)
        reason = f"Recruiter's pitch ({_words(sig, 'PITCH')}) with a concrete offer abroad."
        out.set("PITCH", weight, reason)


def _nightjob(sig: Signals, out: Scored) -> None:
    if "NIGHTJOB" not in sig.codes():
        return
    if sig.dest_kinds:
        reason = f"Entertainment work abroad ({_words(sig, 'NIGHTJOB')})."
        out.set("NIGHTJOB", BASE_WEIGHT["NIGHTJOB"] + NIGHTJOB_ABROAD_BONUS, reason)
    else:
        out.set("NIGHTJOB", BASE_WEIGHT["NIGHTJOB"])


def _fake_official(sig: Signals, out: Scored) -> None:
    """G to G, EPS-TOPIK and the labour office charge no registration fee through a
    personal contact: with a fee and such a contact the official name is a disguise."""
    if "FEE" in out.weights and "LEGIT" in out.weights and sig.personal_contact:
        legit = next(f for f in sig.flags if f.code == "LEGIT")
        reason = "Official programme named, yet the worker pays through a personal contact."
        _disguise(out, legit.text, legit.start, legit.end, "official name, fee")
        out.set("IMPERSONATE", FAKE_OFFICIAL_WEIGHT, reason)


def _disguise(out: Scored, text: str, start: int, end: int, note: str) -> None:
    """An official name that is a disguise: it no longer counts as legitimacy, and it is
    shown among the words that fired, as ``IMPERSONATE``."""
    out.weights.pop("LEGIT", None)
    out.extra.append(Flag("IMPERSONATE", text, start, end, note))


def _fake_selection(sig: Signals, out: Scored) -> None:
    """An official migrant-work body or programme (BP2MI, an embassy, G to G, EPS) named,
    and either registration through a person ("daftar lewat aku", "link di bio", a
    committee's account), or a fee together with one person told they were picked ("nama
    anda terpilih") or an official claim ("info resmi BP2MI"). Official programmes register
    on their own portals and select without a fee, so the official name is a disguise."""
    if not sig.has("agency", "programme"):
        return
    private = sig.has("personal_route")
    if not (private or "FEE" in sig.codes()) or not (private or sig.has("selected", "impersonate")):
        return
    if not (private or sig.personal_contact) and sig.has("official_channel"):
        return  # a fee paid through the programme's own portal or office
    hit = (sig.hits.get("agency") or sig.hits["programme"])[0]
    _disguise(out, sig.text[hit.start : hit.end], hit.start, hit.end, "selected, pay")
    reason = "An official programme tells one person they were selected, and asks for money."
    out.set("IMPERSONATE", FAKE_SELECTION_WEIGHT, reason)
    # Talk about such messages ("WASPADA ... mengatasnamakan BP2MI") keeps the gates.
    out.placement = not any(
        f.code == "WARNING" or (f.code == "REPORT" and f.note.startswith("warning"))
        for f in sig.flags
    )


def _embassy_employer(sig: Signals, out: Scored) -> None:
    """An embassy named as the employer of workers abroad ("Embassy Qatar Jobs"): embassies
    hire a few residents as local staff for their own office; they recruit no workers."""
    if not sig.has("embassy_job") or sig.has("local_staff") or "LEGIT" in sig.codes():
        return
    hit = sig.hits["embassy_job"][0]
    _disguise(out, sig.text[hit.start : hit.end], hit.start, hit.end, "embassy jobs")
    reason = "An embassy named as the employer of workers (embassies hire only local staff)."
    weight = max(EMBASSY_EMPLOYER_WEIGHT, out.weights.get("IMPERSONATE", 0.0))
    out.set("IMPERSONATE", weight, reason)


def _bondage(sig: Signals, out: Scored) -> None:
    if "BONDAGE" not in sig.codes():
        return
    if sig.has("job", "abk", "domestic", "zerocost"):
        reason = f"Wages held, papers kept or a debt ({_words(sig, 'BONDAGE')})."
        out.set("BONDAGE", BONDAGE_JOB_WEIGHT, reason)
    else:
        out.set("BONDAGE", BASE_WEIGHT["BONDAGE"])


def _plain(sig: Signals, out: Scored) -> None:
    for code in ("ABK", "FREE", "URGENT", "NODOCS"):
        if code in sig.codes():
            out.set(code, BASE_WEIGHT[code])


def _first_contact(sig: Signals) -> tuple[int, int] | None:
    spans = [(e.start, e.end) for e in sig.entities if e.kind != "company" and e.kind != "email"]
    spans += [(h.start, h.end) for h in sig.hits.get("contact", [])]
    return min(spans) if spans else None


def _licence(sig: Signals, out: Scored) -> None:
    official = sig.has("legit")
    contact = _first_contact(sig) if sig.personal_contact else None
    if contact and not official and not sig.company_named:
        out.extra.append(Flag("NOLICENCE", sig.text[slice(*contact)], *contact, "personal contact"))
        out.set(
            "NOLICENCE", BASE_WEIGHT["NOLICENCE"], "Only a personal contact, no licensed agency."
        )
    if "IMPERSONATE" in sig.codes() and not official:
        out.set(
            "IMPERSONATE", BASE_WEIGHT["IMPERSONATE"], "Claims official backing without a licence."
        )
    elif sig.has("agency") and contact and not official and not sig.company_named:
        agency = sig.hits["agency"][0]
        out.extra.append(
            Flag("IMPERSONATE", sig.text[agency.start : agency.end], agency.start, agency.end)
        )
        out.set(
            "IMPERSONATE",
            BASE_WEIGHT["IMPERSONATE"],
            "Official body named next to a personal contact.",
        )


def _legit(sig: Signals, out: Scored) -> None:
    if "LEGIT" in sig.codes():
        out.set("LEGIT", BASE_WEIGHT["LEGIT"], f"Legitimacy markers ({_words(sig, 'LEGIT')}).")
    elif sig.has("agency") and "IMPERSONATE" not in out.weights:
        agency = sig.hits["agency"][0]
        out.extra.append(
            Flag("LEGIT", sig.text[agency.start : agency.end], agency.start, agency.end)
        )
        out.set("LEGIT", AGENCY_ONLY_WEIGHT)


def _warning(sig: Signals, out: Scored) -> None:
    terms = {f.note for f in sig.flags if f.code == "WARNING"}
    if terms:
        # A pitch quoted inside a report is still a pitch: the framing counts once only.
        cap = 1 if "PITCH" in out.weights else WARNING_CAP
        weight = BASE_WEIGHT["WARNING"] * min(len(terms), cap)
        out.set("WARNING", weight, f"Warning or news framing ({_words(sig, 'WARNING')}).")


def _gates(sig: Signals, out: Scored) -> None:
    if out.placement:
        return
    if not sig.dest_kinds:
        out.logit += NO_DEST_PENALTY
        out.reasons.append("No destination abroad named.")
    if not sig.has("job", "domestic", "abk", "zerocost"):
        out.logit += NO_JOB_PENALTY


RULES: tuple[Callable[[Signals, Scored], None], ...] = (
    _dest, _scamjob, _domestic, _visa, _fee, _pay, _pitch, _nightjob, _plain, _licence, _legit,
    _fake_official, _fake_selection, _embassy_employer, _bondage, _warning, _gates,
)  # fmt: skip


def _licensed(out: Scored, company: Entity, agency_text: str) -> None:
    out.extra.append(Flag("LICENSED", company.text, company.start, company.end, agency_text))
    out.set("LICENSED", LICENSED_WEIGHT, f"{agency_text}: on the list of licensed agencies.")


def _not_licensed(out: Scored, company: Entity, code: str, note: str) -> None:
    weight = REVOKED_WEIGHT if code == "IMPERSONATE" else UNLISTED_CLAIM_WEIGHT
    out.extra.append(Flag(code, company.text, company.start, company.end, note))
    out.set(code, max(weight, out.weights.get(code, 0.0)), f"{note}.")
    out.weights.pop("LEGIT", None)  # a licence claim that fails the check is no reassurance


def _agencies(sig: Signals, out: Scored, agencies: AgencyRegistry) -> None:
    """Check each company named against the official list of licensed agencies."""
    claims = sig.has("claim")
    for company in (e for e in sig.entities if e.kind == "company"):
        found = agencies.match(company.value)
        if found is not None and found.agency.active:
            agency = found.agency
            _licensed(out, company, f"{agency.name} (licence {agency.licence})")
        elif found is not None:
            agency = found.agency
            note = f"{agency.name}: licence {agency.licence} is {agency.status or 'not active'}"
            _not_licensed(out, company, "IMPERSONATE", note)
        elif claims:
            note = f"{company.value} claims a licence but is not on the list of licensed agencies"
            _not_licensed(out, company, "NOLICENCE", note)


def score_signals(sig: Signals, agencies: AgencyRegistry | None = None) -> Scored:
    """Apply every rule in :data:`RULES` (and, with ``agencies``, the licence check) to the
    signals and sum the logit."""
    out = Scored()
    for rule in RULES:
        rule(sig, out)
    if agencies is not None:
        _agencies(sig, out, agencies)
    out.logit += sum(out.weights.values())
    return out


def _report_parts(sig: Signals) -> dict[str, set[str]]:
    """Distinct report words by kind ("reported speech", "warning", ...)."""
    parts: dict[str, set[str]] = {}
    for flag in sig.flags:
        if flag.code == "REPORT":
            kind, _, term = flag.note.partition(": ")
            parts.setdefault(kind, set()).add(term)
    return parts


def _report_topic(sig: Signals) -> bool:
    # Job words alone are not enough: every job ad has them, and "melaporkan hasil kerja" or
    # "surat peringatan" in a job ad is no report.
    # An official migrant-work body or programme is the topic too ("nomor yang
    # mengatasnamakan Disnaker ... adalah palsu").
    return bool(sig.dest_kinds) or sig.has("domestic", "abk", "topic", "agency", "programme")


Span = tuple[int, int]


def _inside(start: int, spans: list[Span]) -> bool:
    return any(a <= start < b for a, b in spans)


def _warned_quotes(sig: Signals) -> list[Span]:
    """Quoted spans (a reposted ad, a quoted pitch) when a warning stands outside them: the
    speaker warns about what they quote, so its way to apply and its official names are
    the recruiter's, not the speaker's."""
    warnings = [f for f in sig.flags if f.code == "REPORT" and f.note.startswith("warning")]
    if not warnings:
        return []
    spans = quoted_spans(sig.text)
    return spans if any(not _inside(f.start, spans) for f in warnings) else []


def _own(sig: Signals, code: str, quotes: list[Span]) -> list[Flag]:
    """Flags of ``code`` outside the quoted spans: the speaker's own words."""
    return [f for f in sig.flags if f.code == code and not _inside(f.start, quotes)]


def _own_contact(sig: Signals, quotes: list[Span]) -> bool:
    if not quotes:
        return sig.personal_contact
    hits = [h.start for h in sig.hits.get("contact", [])]
    hits += [e.start for e in sig.entities if e.kind in ("phone", "whatsapp", "telegram")]
    return any(not _inside(start, quotes) for start in hits)


def score_report(sig: Signals) -> Scored:
    """How much the text is *about* illegal recruitment rather than an offer of it."""
    out = Scored()
    out.logit = REPORT_BIAS
    parts = _report_parts(sig)
    total = 0.0
    for kind, terms in parts.items():
        dated = {"dateline", "dated event"} & terms if kind == "news form" else set()
        total += REPORT_WEIGHT[kind] * min(len(terms - dated), REPORT_CAP[kind])
        total += REPORT_DATELINE_WEIGHT * bool(dated)
    caption = any(
        f.code == "REPORT" and f.start < REPORT_CAPTION_CHARS and f.note.startswith("warning")
        for f in sig.flags
    )
    total += REPORT_CAPTION_BONUS * caption
    if total:
        words = ", ".join(sorted({t for terms in parts.values() for t in terms}))
        out.set("REPORT", total, f"Talks about recruitment rather than offering it ({words}).")
    quotes = _warned_quotes(sig)
    apply = _own(sig, "APPLY", quotes)
    if apply:
        words = ", ".join(dict.fromkeys(f'"{f.text}"' for f in apply))
        out.set("APPLY", APPLY_WEIGHT, f"A way to sign up ({words}).")
    elif _own_contact(sig, quotes):
        out.logit += CONTACT_WEIGHT
    elif total:
        out.logit += NO_APPLY_WEIGHT
        out.reasons.append("No way to apply given.")
    if _own(sig, "LEGIT", quotes):
        out.set("LEGIT", REPORT_LEGIT)
    if not _report_topic(sig):
        out.logit += REPORT_NO_TOPIC
    out.logit += sum(out.weights.values())
    return out


def _about_work(sig: Signals) -> bool:
    """Any work or any place abroad named: what a job offer cannot do without."""
    return bool(sig.dest_kinds) or sig.has(
        "job", "domestic", "abk", "zerocost", "scamjob", "process"
    )


def label_of(score: float, report_score: float) -> str:
    """``report`` wins over ``suspicious``: a warning that reposts a whole ad carries every
    red flag of the ad, and it is still a warning."""
    if report_score >= REPORT_THRESHOLD:
        return REPORT
    return SUSPICIOUS if score >= THRESHOLD else NOT_SUSPICIOUS


class HeadsModel(Protocol):
    """The learned model with two heads (``classifiers/model.py`` ``LabelModel``): for each
    text P(offer), P(report) and the strongest terms of each head for that text."""

    version: str

    def predict_heads(self, texts: list[str]) -> list[tuple[float, float, tuple[Term, ...]]]: ...


class ProbabilityModel(Protocol):
    """The learned-model hook (``classifiers/model.py``): probabilities for texts."""

    version: str

    def predict_proba(self, texts: list[str]) -> list[float]: ...


def classified_text(post: Mapping[str, Any]) -> str:
    """The text a verdict's offsets refer to: ``post["text"]`` verbatim, then, when present,
    two newlines and ``post["images_text"]`` (OCR of posters). Offsets below
    ``len(post["text"])`` are therefore offsets in ``post["text"]`` itself."""
    text = str(post.get("text") or "")
    images = str(post.get("images_text") or "")
    return f"{text}\n\n{images}" if images.strip() else text


def _indicators(sig: Signals, out: Scored, report: Scored) -> tuple[Indicator, ...]:
    """Every flag that weighed: offer codes with their offer weight, REPORT and APPLY with
    their weight in the report score."""
    flags = sorted([*sig.flags, *out.extra], key=lambda f: (f.start, f.code))
    extra = {code: report.weights[code] for code in _REPORT_CODES if code in report.weights}
    weights = {**out.weights, **extra}
    return tuple(
        Indicator(f.code, round(weights[f.code], 3), f.text, f.start, f.end, f.note)
        for f in flags
        if weights.get(f.code)
    )


_REPORT_CODES = ("REPORT", "APPLY")


AnyModel = HeadsModel | ProbabilityModel
_Scores = tuple[float, float | None, tuple[Term, ...]]


def _model_scores(model: AnyModel, texts: list[str]) -> list[_Scores]:
    """(P(offer), P(report) or None, terms) per text, from either kind of model."""
    heads = getattr(model, "predict_heads", None)
    if heads is not None:
        return [(p, r, terms) for p, r, terms in heads(texts)]
    return [(float(p), None, ()) for p in model.predict_proba(texts)]  # type: ignore[union-attr]


def classify(
    post: Mapping[str, Any],
    *,
    model: AnyModel | None = None,
    agencies: AgencyRegistry | None = None,
) -> Verdict:
    """Classify one post (a mapping with ``text`` and maybe ``images_text``).

    Pure: no I/O beyond the lexicon loaded once. Offsets of indicators and entities refer to
    :func:`classified_text`. The label is ``report`` when the report score (who speaks and to
    whom) reaches :data:`REPORT_THRESHOLD`, else ``suspicious`` when the offer score reaches
    :data:`THRESHOLD`, else ``not_suspicious``. With ``model``, the offer score is the larger
    of the rules' and the model's (:func:`blend_offer`), the report score the rules' or,
    when higher, the mean of rules and model (:func:`blend_report`; a model with one head
    blends the offer score only), and ``model_version`` names both
    (``"indicators-2+<model.version>"``). With
    ``agencies`` (the official list, :class:`classifiers.agencies.AgencyRegistry`), each
    company named is checked: an active licensed agency adds ``LICENSED`` (negative weight),
    a revoked one ``IMPERSONATE``, and a licence claimed for a company not on the list
    ``NOLICENCE``.
    """
    return classify_many([post], model=model, agencies=agencies)[0]


def classify_many(
    posts: Sequence[Mapping[str, Any]],
    *,
    model: AnyModel | None = None,
    agencies: AgencyRegistry | None = None,
) -> list[Verdict]:
    """:func:`classify` for many posts; the learned model scores them in one batch, which
    is far faster than one call per post."""
    texts = [classified_text(post) for post in posts]
    if model is None or not texts:
        return [_verdict(text, agencies, None, "") for text in texts]
    scores = _model_scores(model, texts)
    return [
        _verdict(text, agencies, found, model.version)
        for text, found in zip(texts, scores, strict=True)
    ]


MODEL_SURE_NOT_OFFER = 0.05  # below this P(offer) the model vetoes: the mean is taken


def blend_offer(rules: float, learned: float, about_work: bool = True) -> float:
    """Either may find an offer: the indicators know the red flags, the model learned the
    casual wording that carries none ("kak, masih nyari kerja?"). When the model is near
    certain the post is no offer (a language course, a job at home that names a foreign
    market), the mean of both is taken instead, so the rules alone rarely raise an alert.
    Chosen by grouped cross-validation on the corpus train split (docs/classifier.md).
    A text with no work and no place abroad in it (``about_work`` false: a loan or prize
    SMS) is no job offer, so the model cannot raise it alone there either."""
    if learned < MODEL_SURE_NOT_OFFER or not about_work:
        return 0.5 * (rules + learned)
    return max(rules, learned)


def blend_report(rules: float, learned: float | None) -> float:
    """The rules alone, or rules and model together (their mean): the model's report head
    alone calls too many ordinary job ads reports, so it only adds to the rules."""
    return rules if learned is None else max(rules, 0.5 * (rules + learned))


def _verdict(
    text: str, agencies: AgencyRegistry | None, found: _Scores | None, model_version: str
) -> Verdict:
    """The verdict on ``text``; with the model's scores ``found``, the scores are blended
    by :func:`blend_offer` and :func:`blend_report`."""
    sig = collect(text, default_lexicon())
    out = score_signals(sig, agencies)
    report = score_report(sig)
    if found is None:
        score, report_score, terms, version = out.score, report.score, (), MODEL_VERSION
    else:
        score = blend_offer(out.score, found[0], _about_work(sig))
        report_score = blend_report(report.score, found[1])
        terms, version = found[2], f"{MODEL_VERSION}+{model_version}"
    return Verdict(
        score=score,
        label=label_of(score, report_score),
        indicators=_indicators(sig, out, report),
        entities=tuple(sig.entities),
        model_version=version,
        reasons=tuple(out.reasons + report.reasons),
        report_score=report_score,
        model_terms=terms,
    )
