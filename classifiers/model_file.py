"""The file format both learned models share: a magic line, a JSON header line (the model's
info, with the SHA-256 of the payload), then the joblib payload.

Kept apart from ``classifiers.model`` so that loading the packaged label model does not
import scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol, TypeVar

from classifiers.errors import ModelError


class _Info(Protocol):
    payload_sha256: str


InfoT = TypeVar("InfoT", bound=_Info)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_model_file(path: Path, magic: bytes, info: Any, payload: bytes) -> Any:
    """Write ``payload`` framed by ``magic`` and ``info`` (a dataclass, its checksum filled
    in); return the info as written."""
    info = type(info)(**{**asdict(info), "payload_sha256": sha256(payload)})
    header = json.dumps(asdict(info), sort_keys=True).encode() + b"\n"
    Path(path).write_bytes(magic + header + payload)
    return info


def read_model_file(
    path: Path, raw: bytes, magic: bytes, info_type: type[InfoT], kind: str
) -> tuple[InfoT, bytes]:
    """The info and payload of a model file's bytes ``raw``; ``ModelError`` when it is not
    a Pantau ``kind`` file, its header is damaged or its payload fails the checksum."""
    if not raw.startswith(magic):
        raise ModelError(f"{path}: not a Pantau {kind} file")
    header, sep, payload = raw[len(magic) :].partition(b"\n")
    try:
        info = info_type(**json.loads(header))
    except (ValueError, TypeError) as exc:
        raise ModelError(f"{path}: model header is damaged: {exc}") from exc
    if not sep or sha256(payload) != info.payload_sha256:
        raise ModelError(f"{path}: model payload is damaged (checksum mismatch)")
    return info, payload
