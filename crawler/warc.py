"""Recording every HTTP exchange of a crawl into a WARC file (the crawler's own evidence).

``WarcRecorder`` is a downloader middleware placed next to the downloader, so it sees
the bytes as they came over the wire (before decompression and retries). One gzipped
WARC file per run, ``<PANTAU_WARC_DIR>/<spider>-<source>-<UTC time>.warc.gz``, holds a
``warcinfo`` record and a ``request`` and ``response`` record per exchange; its path is
put in the crawl stats (``pantau/warc_path``) for ``RunRecorder`` to keep with the run.
Switched off (``NotConfigured``) unless ``PANTAU_WARC_DIR`` is set.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

WARC_PATH_STAT = "pantau/warc_path"
# A session's secrets never go into the record: these headers are written as "[redacted]".
REDACTED_HEADERS = frozenset(
    {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-csrf-token"}
)


class WarcRecorder:
    """Downloader middleware writing requests and responses to one WARC file per run."""

    def __init__(self, folder: Path, stats: StatsCollector, source: str | None) -> None:
        self.folder = folder
        self.stats = stats
        self.source = source
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("PANTAU_WARC_DIR")
        if not folder:
            raise NotConfigured  # PANTAU_WARC_DIR unset: off, and nothing to warn about
        assert crawler.stats is not None
        recorder = cls(Path(folder), crawler.stats, crawler.settings.get("PANTAU_SOURCE"))
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{spider.name}-{self.source or 'crawl'}-{stamp}.warc.gz"
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        self._file = path.open("xb")
        self._writer = WARCWriter(self._file, gzip=True)
        info = {
            "software": f"Pantau {version('pantau')} (Scrapy {version('scrapy')})",
            "format": "WARC File Format 1.1",
            "isPartOf": self.source or spider.name,
        }
        self._writer.write_record(self._writer.create_warcinfo_record(name, info))
        self.stats.set_value(WARC_PATH_STAT, str(path))

    def spider_closed(self, spider: Spider) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None

    def process_response(self, request: Request, response: Response) -> Response:
        """Record the exchange and pass the response on unchanged."""
        if self._writer is not None:
            self._write_request(request)
            self._write_response(response)
        return response

    def _write_request(self, request: Request) -> None:
        assert self._writer is not None
        target = request.url.split("/", 3)[-1] if request.url.count("/") >= 3 else ""
        headers = StatusAndHeaders(
            f"{request.method} /{target} HTTP/1.1",
            _header_list(request.headers),
            is_http_request=True,
        )
        record = self._writer.create_warc_record(
            request.url, "request", payload=BytesIO(request.body or b""), http_headers=headers
        )
        self._writer.write_record(record)

    def _write_response(self, response: Response) -> None:
        assert self._writer is not None
        headers = StatusAndHeaders(
            f"{response.status} {_reason(response.status)}",
            _header_list(response.headers),
            protocol="HTTP/1.1",
        )
        record = self._writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=headers
        )
        self._writer.write_record(record)


def _header_list(headers: Any) -> list[tuple[str, str]]:
    """Header pairs for the record, with session secrets redacted."""
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        secret = name.lower() in REDACTED_HEADERS
        pairs += [(name, "[redacted]" if secret else v.decode("latin-1")) for v in values]
    return pairs


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
