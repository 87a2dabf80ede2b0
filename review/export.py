"""A case export: chosen posts as one ZIP an investigator can hand on.

Layout::

    pantau-case-<UTC time>/
    ├── report.html                 every post and every file with its SHA-256
    ├── report.pdf                  the same report printed by Chromium (when it could start)
    ├── SHA256SUMS                  the same hashes, for ``sha256sum -c``
    └── posts/<post>/
        ├── post.json               the post, its verdict, entities and decisions
        └── evidence/<file>         the evidence bundle's files, as captured

The ZIP is written to a temporary file (not memory): bundles hold full-page screenshots.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from evidence.verify import verify_bundle
from review.bundle import bundle_files, bundle_folder

MAX_POSTS = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class CaseFile:
    path: str
    size: int
    sha256: str


def case_name(now: datetime) -> str:
    return "pantau-case-" + now.strftime("%Y%m%dT%H%M%SZ")


def post_folder(key: str) -> str:
    """A plain folder name for ``key``, unique thanks to a short hash of the key."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', key)[:60]}-{digest}"


def write_case(
    target: IO[bytes],
    items: Sequence[Mapping[str, Any]],
    evidence_dir: Path,
    render_report: Callable[[Mapping[str, Any]], str],
    now: datetime,
    print_pdf: Callable[[str], bytes | None] | None = None,
) -> list[CaseFile]:
    """Write the case ZIP of ``items`` (each: ``post``, ``verdict``, ``entities``,
    ``reviews``, ``evidence``) to ``target``; returns the files listed in the report.
    ``print_pdf`` turns the report's HTML into a PDF (None: no PDF)."""
    root = case_name(now)
    files: list[CaseFile] = []
    posts = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in items[:MAX_POSTS]:
            posts.append(_add_post(archive, root, item, evidence_dir, files))
        sums = "".join(f"{f.sha256}  {f.path}\n" for f in files)
        archive.writestr(f"{root}/SHA256SUMS", sums)
        report = {"name": root, "created_at": now.isoformat(), "posts": posts, "files": files}
        html = render_report(report)
        archive.writestr(f"{root}/report.html", html)
        pdf = print_pdf(html) if print_pdf is not None else None
        if pdf:
            archive.writestr(f"{root}/report.pdf", pdf)
    return files


def _add_post(
    archive: zipfile.ZipFile,
    root: str,
    item: Mapping[str, Any],
    evidence_dir: Path,
    files: list[CaseFile],
) -> dict[str, Any]:
    post = item["post"]
    folder = f"posts/{post_folder(post['key'])}"
    record = {k: item.get(k) for k in ("post", "verdict", "entities", "reviews", "evidence")}
    data = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()
    files.append(_write(archive, root, f"{folder}/post.json", data))
    bundle = bundle_folder(evidence_dir, item.get("evidence"))
    problems: list[str] = []
    if bundle is not None:
        for found in bundle_files(bundle):
            data = (bundle / found.name).read_bytes()
            files.append(_write(archive, root, f"{folder}/evidence/{found.name}", data))
        problems = verify_bundle(bundle, (item.get("evidence") or {}).get("manifest_sha256"))
    return {
        "post": post,
        "verdict": item.get("verdict"),
        "folder": folder,
        "evidence": bundle is not None,
        "problems": problems,
        "decision": (item.get("reviews") or [{}])[0].get("decision"),
    }


def _write(archive: zipfile.ZipFile, root: str, path: str, data: bytes) -> CaseFile:
    archive.writestr(f"{root}/{path}", data)
    return CaseFile(path, len(data), hashlib.sha256(data).hexdigest())
