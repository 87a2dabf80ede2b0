"""One line per error in a crawl's log; the traceback only at debug level.

Scrapy logs a failed download or a spider error with its traceback ("Error downloading
<GET ...>" followed by twenty lines of Twisted frames). In the service's log that is noise
an operator cannot act on, and the project's rule is one line saying what failed, with the
traceback at debug level. ``OneLineErrors`` (a Scrapy extension, on in every crawl) puts a
filter on the root logger's handlers once the engine starts (Scrapy replaces its handler
after building the extensions): on a handler that does not show DEBUG, a record's exception
becomes ``: ExceptionType: message`` at the end of its line.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

MAX_EXCEPTION_CHARS = 300


class ExceptionOnOneLine(logging.Filter):
    """Folds a record's exception into its message, for a handler that does not show
    DEBUG (Scrapy sets the level on its handler; the root logger stays at NOTSET)."""

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or self.handler.level <= logging.DEBUG:
            return True
        exc = record.exc_info[1]
        if exc is not None:
            detail = " ".join(str(exc).split())[:MAX_EXCEPTION_CHARS]
            parts = (record.getMessage(), type(exc).__name__, detail)
            record.msg = ": ".join(part for part in parts if part)
            record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


class OneLineErrors:
    """Scrapy extension installing ``ExceptionOnOneLine`` on the crawl's log handlers."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.install, signal=signals.engine_started)
        return extension

    def install(self) -> None:
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, ExceptionOnOneLine) for f in handler.filters):
                handler.addFilter(ExceptionOnOneLine(handler))
