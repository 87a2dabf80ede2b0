"""Scrapy settings of the Pantau project (``scrapy.cfg`` points here).

Pantau-specific settings, given with ``-s NAME=value`` (``crawler.crawl`` does):

``PANTAU_DB``      path of the SQLite store; unset, nothing is stored and no run is recorded
``PANTAU_SOURCE``  name of the configured source the items belong to (default: the channel)
``PANTAU_WARC_DIR``  folder for one WARC file per run of every HTTP exchange; unset, none
``PANTAU_MAX_TEXT_CHARS``  longest post text kept by ``StorePipeline`` (longer is cut)
``PANTAU_RETRY_MAX_WAIT``  longest wait in seconds before a retry, whatever ``Retry-After`` asks
``PANTAU_RETRY_BACKOFF``   first backoff in seconds when a 429/5xx has no ``Retry-After``
``PANTAU_SESSION_FILE``    the source's stored session (``crawler.sessions``); unset, no cookies
``PANTAU_BROWSER``         Chromium for ``-a browser=true`` crawls (default: first on PATH)
``PANTAU_NETWORK_ALLOW``   networks a rendered page may reach despite the fence (``a,b/24``)
``PANTAU_X_QUERY_IDS``     JSON: X GraphQL operation name -> query id, when X changes them
``PANTAU_STORE_BATCH_SIZE``  posts ``StorePipeline`` commits in one transaction (200)
``PANTAU_STORE_BATCH_SECONDS``  longest a crawled post waits for its commit (5)
"""

from __future__ import annotations

BOT_NAME = "pantau"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# Imports only the spider a crawl runs (Scrapy's loader imports them all).
SPIDER_LOADER_CLASS = "spiders.registry.SpiderRegistry"

# t.me/s/<channel> is Telegram's own public web preview, meant to be read without
# logging in, while t.me/robots.txt is written for search-engine crawlers and would
# hide the very pages Telegram publishes for anonymous readers. We stay polite through
# the throttling below instead: one request at a time per host, adaptive delays.
ROBOTSTXT_OBEY = False

CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
# A channel page is ~100-200 KB; anything far larger is not a preview page.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

# The preview pages are served to browsers; a plain Scrapy user agent gets odd answers.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "id,en;q=0.8",
}

# A login wall refreshes to /login/: the spider must see the wall page itself, and no
# page Pantau reads needs a meta refresh followed.
METAREFRESH_ENABLED = False

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control HTTP server runs Python in the crawler on request: an
# unattended server must not open such a port.
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Next to the downloader, so the WARC holds the bytes as they came over the wire.
# RetryAfterMiddleware takes the built-in RetryMiddleware's place (it waits as the site
# asks before retrying a 429/5xx); the proxy middleware runs before HttpProxyMiddleware (750).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "crawler.middlewares.SessionCookiesMiddleware": 700,
    "crawler.middlewares.SpiderProxyMiddleware": 740,
    "crawler.browser_pages.BrowserPagesMiddleware": 745,
    "crawler.warc.WarcRecorder": 950,
}
EXTENSIONS = {"crawler.extensions.RunRecorder": 500, "crawler.logs.OneLineErrors": 0}

FEED_EXPORT_ENCODING = "utf-8"
# The same JSON Lines, written faster for Pantau's items (crawler/exporters.py).
FEED_EXPORTERS = {
    name: "crawler.exporters.JsonLinesExporter" for name in ("jsonlines", "jsonl", "jl")
}
LOG_LEVEL = "INFO"

PANTAU_MAX_TEXT_CHARS = 100_000
PANTAU_RETRY_MAX_WAIT = 120.0
PANTAU_RETRY_BACKOFF = 2.0
PANTAU_STORE_BATCH_SIZE = 200
PANTAU_STORE_BATCH_SECONDS = 5.0
PANTAU_NETWORK_ALLOW: list[str] = []
