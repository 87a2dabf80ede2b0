"""The official list of licensed placement agencies (P3MI), and fuzzy lookup of a company name.

Only the government, a licensed placement company (P3MI, holding an SIP3MI licence) or a
company sending its own staff may recruit migrant workers (DOMAIN.md). An ad that names a
company on the list with an active licence is less suspicious; one that claims a licence for a
company that is not on the list, or whose licence is revoked, is more suspicious.

The list comes as rows or a CSV with columns ``name``, ``licence`` and ``status``; common
Indonesian headers are accepted too (``nama``, ``nama_perusahaan``, ``no_izin``,
``nomor_izin``, ``sip3mi``, ``status_izin`` ...). Company names are compared after
:func:`company_key` (case, accents, punctuation and legal forms such as "PT.", "P.T",
"Perseroan Terbatas", "Tbk" removed), first exactly, then with rapidfuzz's
``token_sort_ratio`` at :data:`MATCH_THRESHOLD` or above: word order does not matter and one or
two typing errors in a long name pass, while a different name sharing one word ("Maju Jaya"
against "Maju Bersama") does not. ``WRatio`` is not used: it scores a name contained in a
longer one ("Maju" in "Maju Jaya Abadi") close to 90.

Pure: no network, the caller reads the file (``from_csv``) once and passes the registry in.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from classifiers.normalize import fold

__all__ = [
    "ACTIVE_STATUSES", "MATCH_THRESHOLD", "Agency", "AgencyMatch", "AgencyRegistry",
    "company_key",
]  # fmt: skip

log = logging.getLogger(__name__)

MATCH_THRESHOLD = 90.0  # rapidfuzz token_sort_ratio (0-100) on company_key() names
ACTIVE_STATUSES = frozenset({"aktif", "active", "berlaku", "valid", "masih berlaku"})
# Header spellings seen in official and hand-made lists, by field.
_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama_perusahaan", "nama_p3mi", "perusahaan", "company"),
    "licence": (
        "licence", "license", "no_izin", "nomor_izin", "izin", "no_sip3mi", "nomor_sip3mi",
        "sip3mi", "licence_number", "license_number",
    ),
    "status": ("status", "status_izin", "status_sip3mi", "keterangan"),
}  # fmt: skip
_LEGAL_FORMS = frozenset({"pt", "cv", "tbk", "persero"})
# Capitalised words that follow a company name in ads ("PT Maju Jaya Membuka Lowongan"): the
# name ends before them.
_AFTER_NAME = frozenset({
    "membuka", "buka", "menerima", "mencari", "membutuhkan", "butuh", "dibutuhkan", "lowongan",
    "loker", "rekrut", "merekrut", "rekrutmen", "hadir", "kembali", "resmi", "cabang", "info",
    "sip3mi", "sip2mi", "izin", "no", "nomor", "untuk", "ke", "di", "dan",
})  # fmt: skip
_NON_WORD_RE = re.compile(r"[\W_]+")


def company_key(name: str) -> str:
    """A company name reduced for comparison: "PT. Maju-Jaya Abadi, Tbk" -> "maju jaya abadi";
    words that follow a name in ads ("... Membuka Lowongan") end it."""
    words = _NON_WORD_RE.sub(" ", fold(name)).split()
    if words[:2] == ["p", "t"]:  # "P.T" or "P T"
        words = words[2:]
    if words[:2] == ["perseroan", "terbatas"]:
        words = words[2:]
    cut = next((i for i, w in enumerate(words) if i and w in _AFTER_NAME), len(words))
    return " ".join(w for w in words[:cut] if w not in _LEGAL_FORMS)


@dataclass(frozen=True)
class Agency:
    """One row of the list: the name as written, its licence number and status."""

    name: str
    licence: str
    status: str

    @property
    def active(self) -> bool:
        """Whether the licence is in force (status such as "aktif"/"active")."""
        return " ".join(fold(self.status).split()) in ACTIVE_STATUSES


@dataclass(frozen=True)
class AgencyMatch:
    """A company name found on the list: the agency and the similarity (100 = same key)."""

    agency: Agency
    score: float
    query: str


def _header_map(headers: Iterable[str]) -> dict[str, str]:
    """Our field -> the row's header, for the headers present; raises on a missing field."""
    by_key = {re.sub(r"[\s\-.]+", "_", h.strip().lower()): h for h in headers if h}
    found: dict[str, str] = {}
    for field_name, spellings in _HEADERS.items():
        header = next((by_key[s] for s in spellings if s in by_key), None)
        if header is None:
            raise ValueError(
                f"agency list has no {field_name!r} column (accepted: {', '.join(spellings)}); "
                f"columns are {sorted(by_key)}"
            )
        found[field_name] = header
    return found


class AgencyRegistry:
    """Licensed agencies by normalised name; build with :meth:`from_rows` or :meth:`from_csv`."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._by_key: dict[str, Agency] = {}
        for agency in agencies:
            key = company_key(agency.name)
            if key:
                # A later row wins: official lists append status changes.
                self._by_key[key] = agency
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    @property
    def agencies(self) -> tuple[Agency, ...]:
        """The listed agencies, one per normalised name."""
        return tuple(self._by_key.values())

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> AgencyRegistry:
        """Build from mappings (e.g. ``csv.DictReader`` rows) with name, licence and status
        columns under any accepted header spelling. Raises ``ValueError`` when a column is
        missing; rows without a name are skipped."""
        rows = list(rows)
        if not rows:
            return cls([])
        columns = _header_map(rows[0].keys())
        agencies = [
            Agency(*(str(row.get(columns[f]) or "").strip() for f in ("name", "licence", "status")))
            for row in rows
        ]
        registry = cls(a for a in agencies if a.name)
        log.debug("agency list: %d agencies", len(registry))
        return registry

    @classmethod
    def from_csv(cls, path: Path) -> AgencyRegistry:
        """Read a CSV file (UTF-8, a BOM tolerated) with a header row."""
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            return cls.from_rows(csv.DictReader(handle))

    def match(self, name: str) -> AgencyMatch | None:
        """The listed agency whose name is ``name`` or close to it (see module docstring),
        or ``None``."""
        key = company_key(name)
        if not key:
            return None
        exact = self._by_key.get(key)
        if exact is not None:
            return AgencyMatch(exact, 100.0, name)
        best = process.extractOne(
            key, self._keys, scorer=fuzz.token_sort_ratio, score_cutoff=MATCH_THRESHOLD
        )
        if best is None:
            return None
        return AgencyMatch(self._by_key[best[0]], float(best[1]), name)
