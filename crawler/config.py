"""Configuration: one TOML file, validated once into typed, frozen objects.

Every setting is listed in ``SETTINGS`` with its meaning (the README's configuration
table is checked against it by a test). A wrong value raises ``ConfigError`` naming the
key, and the command line prints that one line and stops. Environment overrides are
read here and nowhere else: ``PANTAU_DATA_DIR``, ``PANTAU_SMTP_HOST``,
``PANTAU_SMTP_PORT``, ``PANTAU_SMTP_PASSWORD`` (and ``PANTAU_CONFIG`` for the path).
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import HeaderRegistry
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.fence import IPNetwork, parse_allow
from crawler.sites import SiteFileError, parse_site_file

SETTINGS: dict[str, str] = {
    "data_dir": "Folder for the database, evidence bundles and the demo's mail sink.",
    "browser.executable_path": "Chromium binary used for evidence capture.",
    "browser.timeout_seconds": "Time limit for loading one page during capture.",
    "browser.max_attempts": "Capture attempts of one post before it is given up.",
    "browser.sandbox": "false: Chromium without its sandbox (no user namespaces here).",
    "network.allow": "Addresses or networks hostile content may reach despite the fence.",
    "service.allow_root": "true lets `pantau run` run as root (containers only).",
    "smtp.host": "SMTP server that sends the alerts.",
    "smtp.port": "Its port.",
    "smtp.security": "none, starttls or ssl.",
    "smtp.username": "Login name; empty for no login.",
    "smtp.password": "Login password (better: PANTAU_SMTP_PASSWORD).",
    "smtp.sender": "From address of alert emails.",
    "smtp.timeout_seconds": "Time limit for a whole SMTP conversation (one alert).",
    "smtp.max_message_bytes": "Largest alert email; evidence files beyond it are left out.",
    "alerts.recipients": "Investigators' email addresses.",
    "alerts.language": "Language of alert emails: id (default) or en.",
    "classifier.model": "false turns the learned model off: the indicators alone label posts.",
    "classifier.model_path": "A model made by `pantau train`, blended with the indicators "
    "(default: the packaged model).",
    "classifier.ocr": "Read the text of attached images (posters) with Tesseract.",
    "classifier.ocr_languages": "Tesseract languages for posters.",
    "health.admin_recipients": "Administrators' email addresses for health and recovery emails.",
    "health.failure_streak": "Failed runs in a row that make a source unhealthy.",
    "health.zero_item_runs": "Runs in a row without posts, where posts were usual, that raise it.",
    "health.stuck_minutes": "Age of unfinished work (a run, a pending stage) that counts as stuck.",
    "health.min_free_mb": "Free disk space in the data folder below which health complains.",
    "health.listen": "Address for /healthz and /metrics (host:port); empty to serve none.",
    "retention.warc_days": "Days to keep the WARC record of each crawl run; 0 keeps them.",
    "retention.post_days": "Days to keep posts that were never suspicious; 0 keeps them.",
    "review.base_url": "Address of the review desk as reviewers reach it; alert emails link there.",
    "review.idle_minutes": "A review-desk session ends after this long without a request.",
    "review.behind_proxy": "true when a reverse proxy (nginx) sets X-Forwarded-For/-Proto.",
    "sources[].name": "Unique name of a watched source.",
    "sources[].spider": "Spider that crawls it: telegram, facebook, instagram, tiktok, x, "
    "classifieds, olx, rss, jobstreet, glints or kalibrr.",
    "sources[].args": "Spider arguments (see the README's table and docs/sources.md).",
    "sources[].interval_minutes": "How often it is crawled.",
    "sources[].jitter_seconds": "Random delay added to each run, so crawls do not line up.",
    "sources[].enabled": "false to keep a source configured but idle.",
}

SPIDERS = (
    "telegram",
    "facebook",
    "instagram",
    "tiktok",
    "x",
    "classifieds",
    "olx",
    "rss",
    "jobstreet",
    "glints",
    "kalibrr",
)
_COMMON_ARGS: dict[str, tuple[str, str]] = {
    "max_pages": (r"[1-9][0-9]{0,3}", "a whole number from 1 to 9999"),
    "base_url": (r"https?://[^\s/]+(/[^\s]*)?", "an http(s) URL"),
    "proxy": (r"https?://[^\s/]+", "an http(s)://[user:password@]host:port proxy URL"),
    "browser": (r"true|false", "true or false"),
}
_URL_ARG = (r"https?://[^\s/]+(/[^\s]*)?", "an http(s) URL")
_WORDS = (r"[^\n]{1,200}", "search words (one line, up to 200 characters)")
_URL = (r"https?://[^\s/]+(/[^\s]*)?", "an http(s) URL")
_PAGES = (r"[1-9][0-9]{0,3}", "a whole number from 1 to 9999")
# Spider arguments checked at start, so a typo stops the program instead of failing a crawl
# hours later: argument -> (pattern, what it must be).
SPIDER_ARGS: dict[str, dict[str, tuple[str, str]]] = {
    "telegram": {
        "channel": (r"[A-Za-z0-9_]{1,64}", "a public channel name (letters, digits, _)"),
        "q": (r"[^\n]{1,100}", "search words (at most 100 characters)"),
        **_COMMON_ARGS,
    },
    "facebook": {
        "group": (r"[A-Za-z0-9_.\-]{1,100}", "a group's id or name from its URL"),
        "page": (r"[A-Za-z0-9_.\-]{1,100}", "a page's name or id from its URL"),
        "q": _WORDS,
        "location": (r"[A-Za-z0-9_.\-]{1,100}", "a Marketplace city name from its URL"),
        "doc_id": (r"[0-9]{1,30}", "a GraphQL query id (digits)"),
        "url": _URL_ARG,
        **_COMMON_ARGS,
    },
    "instagram": {
        "profile": (r"@?[A-Za-z0-9_.]{1,30}", "an Instagram user name"),
        "hashtag": (r"#?[A-Za-z0-9_.]{1,64}", "a hashtag (letters, digits, _)"),
        "url": _URL_ARG,
        **_COMMON_ARGS,
    },
    "tiktok": {
        "profile": (r"@?[A-Za-z0-9_.]{1,64}", "a TikTok user name"),
        "hashtag": (r"#?[A-Za-z0-9_.]{1,64}", "a hashtag (letters, digits, _)"),
        "q": _WORDS,
        "url": _URL_ARG,
        **_COMMON_ARGS,
    },
    "x": {
        "profile": (r"@?[A-Za-z0-9_]{1,15}", "an X handle (letters, digits, _)"),
        "q": _WORDS,
        "url": _URL_ARG,
        **_COMMON_ARGS,
    },
    "classifieds": {
        "site": (r".+\.toml", "the path of a site file (.toml)"),
        "url": _URL,
        "max_pages": _PAGES,
        "base_url": _URL,
        "proxy": _URL,
    },
    "olx": {
        "q": (r"[^\n]{1,100}", "a search keyword (at most 100 characters)"),
        "category": (r"[0-9]{1,12}", "a numeric OLX category id"),
        "location": (r"[0-9]{1,12}", "a numeric OLX region id"),
        "via": (r"api|html", "api or html"),
        "url": _URL,
        "max_pages": _PAGES,
        "base_url": _URL,
        "proxy": _URL,
    },
    "rss": {
        "url": _URL,
        "follow": (r"true|false", "true or false"),
        "text_css": (r"[^\n]{1,300}", "a CSS selector"),
        "max_pages": _PAGES,
        "base_url": _URL,
        "proxy": _URL,
    },
}
_JOB_BOARD = {
    "q": (r"[^\n]{1,100}", "a search keyword (at most 100 characters)"),
    "max_pages": _PAGES,
    "base_url": _URL,
    "proxy": _URL,
}
SPIDER_ARGS.update(jobstreet=_JOB_BOARD, glints=_JOB_BOARD, kalibrr=_JOB_BOARD)
REQUIRED_ARGS = {
    "telegram": ("channel",),
    "classifieds": ("site",),
    "rss": ("url",),
    "jobstreet": ("q",),
    "glints": ("q",),
    "kalibrr": ("q",),
}
# Spiders that need at least one of these arguments.
ANY_OF_ARGS = {"olx": ("q", "category", "url")}
# Spiders that take exactly one of these arguments (what to watch).
ONE_OF_ARGS = {
    "facebook": ("group", "page", "q", "url"),
    "instagram": ("profile", "hashtag", "url"),
    "tiktok": ("profile", "hashtag", "q", "url"),
    "x": ("profile", "q", "url"),
}
LANGUAGES = ("id", "en")
SECURITY = ("none", "starttls", "ssl")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_LISTEN = re.compile(r"(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}")
_HEADERS = HeaderRegistry()
# Shortest crawl interval: six seconds, for tests and replicas; real sites want minutes.
MIN_INTERVAL_MINUTES = 0.1
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass(frozen=True)
class BrowserConfig:
    executable_path: str
    timeout_seconds: float = 30.0
    max_attempts: int = 3
    # Chromium's sandbox needs user namespaces; where a container's seccomp profile or the
    # host forbids them, the operator may switch it off (crawler.chromium).
    sandbox: bool = True


@dataclass(frozen=True)
class NetworkConfig:
    """The fence's exceptions (``crawler.fence``): networks reachable anyway."""

    allow: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True)
class ServiceConfig:
    allow_root: bool = False


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = ""
    sender: str = "pantau@localhost"
    timeout_seconds: float = 30.0
    max_message_bytes: int = 10_000_000


@dataclass(frozen=True)
class AlertConfig:
    recipients: tuple[str, ...] = ()
    language: str = "id"


@dataclass(frozen=True)
class ClassifierConfig:
    model: bool = True
    model_path: Path | None = None
    ocr: bool = True
    ocr_languages: str = "ind+eng"


@dataclass(frozen=True)
class HealthConfig:
    admin_recipients: tuple[str, ...] = ()
    failure_streak: int = 3
    zero_item_runs: int = 3
    stuck_minutes: float = 120.0
    min_free_mb: float = 1024.0
    listen: str = ""

    @property
    def listen_address(self) -> tuple[str, int] | None:
        """``(host, port)`` of the health endpoint, or None when it is off."""
        if not self.listen:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


@dataclass(frozen=True)
class RetentionConfig:
    warc_days: int = 90
    post_days: int = 0


@dataclass(frozen=True)
class ReviewConfig:
    base_url: str = ""
    idle_minutes: float = 30.0
    behind_proxy: bool = False

    @property
    def secure_cookies(self) -> bool:
        """Session cookies are sent over TLS only when reviewers reach the desk by https."""
        return self.base_url.startswith("https://")


@dataclass(frozen=True)
class Source:
    name: str
    spider: str
    args: Mapping[str, str] = field(default_factory=dict)
    interval_minutes: float = 60.0
    jitter_seconds: float = 300.0
    enabled: bool = True


@dataclass(frozen=True)
class Config:
    data_dir: Path
    browser: BrowserConfig
    smtp: SmtpConfig
    alerts: AlertConfig
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    sources: tuple[Source, ...] = ()
    health: HealthConfig = field(default_factory=HealthConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "pantau.db"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"


def load_config(path: str | Path | None, env: Mapping[str, str]) -> Config:
    """Read the TOML file at ``path`` (or ``PANTAU_CONFIG``; embedded defaults when
    neither is given), apply environment overrides and validate everything."""
    path = path or env.get("PANTAU_CONFIG") or None
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("config", f"file not found: {path}") from None
        except IsADirectoryError:
            raise ConfigError("config", f"{path} is a folder; give the TOML file") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                "config", f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
        except OSError as exc:
            raise ConfigError("config", f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("config", f"{path} is not valid TOML: {exc}") from None
    return parse_config(raw, env, Path(path).parent if path is not None else None)


def parse_config(
    raw: Mapping[str, Any], env: Mapping[str, str], base_dir: Path | None = None
) -> Config:
    """Validate a parsed TOML document plus environment overrides into a ``Config``;
    relative file names in it (site files) are taken from ``base_dir`` (the folder of the
    configuration file; default: the current folder)."""
    _check_keys(
        "",
        raw,
        {
            "data_dir",
            "browser",
            "smtp",
            "alerts",
            "classifier",
            "sources",
            "health",
            "retention",
            "network",
            "service",
            "review",
        },
    )
    data_dir = env.get("PANTAU_DATA_DIR") or _str(raw, "data_dir", "pantau-data")
    return Config(
        data_dir=Path(data_dir).expanduser().absolute(),
        browser=_browser(_table(raw, "browser")),
        smtp=_smtp(_table(raw, "smtp"), env),
        alerts=_alerts(_table(raw, "alerts")),
        classifier=_classifier(_table(raw, "classifier")),
        sources=_sources(raw.get("sources", []), base_dir or Path.cwd()),
        health=_health(_table(raw, "health")),
        retention=_retention(_table(raw, "retention")),
        network=_network(_table(raw, "network")),
        service=_service(_table(raw, "service")),
        review=_review(_table(raw, "review")),
    )


def find_browser() -> str:
    """The first Chromium-family browser on PATH, or the Debian default path."""
    for name in _BROWSER_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium"


def _browser(raw: Mapping[str, Any]) -> BrowserConfig:
    _check_keys("browser.", raw, set(BrowserConfig.__dataclass_fields__))
    path = _str(raw, "executable_path", "", prefix="browser.") or find_browser()
    return BrowserConfig(
        executable_path=path,
        timeout_seconds=_number(raw, "timeout_seconds", 30.0, 1, 600, prefix="browser."),
        max_attempts=int(_number(raw, "max_attempts", 3, 1, 100, "browser.", integer=True)),
        sandbox=_bool(raw, "sandbox", True, prefix="browser."),
    )


def _bool(raw: Mapping[str, Any], key: str, default: bool, prefix: str = "") -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(prefix + key, f"must be true or false, not {value!r}")
    return value


def _network(raw: Mapping[str, Any]) -> NetworkConfig:
    _check_keys("network.", raw, {"allow"})
    entries = raw.get("allow", [])
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ConfigError("network.allow", "must be a list of addresses or networks")
    try:
        return NetworkConfig(allow=parse_allow(entries))
    except ValueError as exc:
        raise ConfigError("network.allow", str(exc)) from None


def _service(raw: Mapping[str, Any]) -> ServiceConfig:
    _check_keys("service.", raw, {"allow_root"})
    return ServiceConfig(allow_root=_bool(raw, "allow_root", False, prefix="service."))


def _smtp(raw: Mapping[str, Any], env: Mapping[str, str]) -> SmtpConfig:
    _check_keys("smtp.", raw, set(SmtpConfig.__dataclass_fields__))
    merged = dict(raw)
    for key, var in (("host", "PANTAU_SMTP_HOST"), ("password", "PANTAU_SMTP_PASSWORD")):
        if env.get(var):
            merged[key] = env[var]
    if env.get("PANTAU_SMTP_PORT"):
        merged["port"] = _env_int(env["PANTAU_SMTP_PORT"], "PANTAU_SMTP_PORT")
    security = _str(merged, "security", "none", prefix="smtp.")
    if security not in SECURITY:
        raise ConfigError(
            "smtp.security", f"must be one of {', '.join(SECURITY)}, not {security!r}"
        )
    sender = parse_address(
        _str(merged, "sender", "pantau@localhost", prefix="smtp."), "smtp.sender"
    )
    return SmtpConfig(
        host=_str(merged, "host", "127.0.0.1", prefix="smtp.") or "127.0.0.1",
        port=int(_number(merged, "port", 25, 1, 65535, prefix="smtp.", integer=True)),
        security=security,
        username=_str(merged, "username", "", prefix="smtp."),
        password=_str(merged, "password", "", prefix="smtp."),
        sender=sender,
        timeout_seconds=_number(merged, "timeout_seconds", 30.0, 1, 600, prefix="smtp."),
        max_message_bytes=int(
            _number(
                merged,
                "max_message_bytes",
                10_000_000,
                100_000,
                1_000_000_000,
                prefix="smtp.",
                integer=True,
            )
        ),
    )


def _alerts(raw: Mapping[str, Any]) -> AlertConfig:
    _check_keys("alerts.", raw, {"recipients", "language"})
    recipients = raw.get("recipients", ["investigator@example.org"])
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise ConfigError("alerts.recipients", "must be a list of email addresses")
    for address in recipients:
        parse_address(address, "alerts.recipients")
    language = _str(raw, "language", "id", prefix="alerts.")
    if language not in LANGUAGES:
        raise ConfigError("alerts.language", f"must be one of {', '.join(LANGUAGES)}")
    return AlertConfig(recipients=tuple(recipients), language=language)


def parse_address(value: str, key: str) -> str:
    """``value`` when it is exactly one bare email address (``name@domain``), parsed with
    the standard library's RFC 5322 header parser; ``ConfigError`` naming ``key`` for
    anything else: a list in one entry ("a@x.org, b@y.org"), a display name, a stray
    comma or semicolon, a missing domain."""
    try:
        header = _HEADERS("To", value)
        addresses = header.addresses
    except (IndexError, ValueError):  # the parser gives up on some broken input
        raise ConfigError(key, f"not an email address: {value!r}") from None
    if len(addresses) > 1:
        found = ", ".join(a.addr_spec for a in addresses)
        raise ConfigError(
            key, f"{value!r} holds {len(addresses)} addresses ({found}): one address per entry"
        )
    bare = addresses[0].addr_spec if addresses and not header.defects else ""
    if not addresses or not addresses[0].username or not addresses[0].domain:
        raise ConfigError(key, f"not an email address: {value!r}")
    if bare != value:
        raise ConfigError(key, f"not a single bare email address (like a@example.org): {value!r}")
    return value


def _classifier(raw: Mapping[str, Any]) -> ClassifierConfig:
    _check_keys("classifier.", raw, set(ClassifierConfig.__dataclass_fields__))
    use_model = _bool(raw, "model", True, prefix="classifier.")
    model = _str(raw, "model_path", "", prefix="classifier.")
    if model and not use_model:
        raise ConfigError("classifier.model", "is false, yet classifier.model_path names a model")
    if model and not Path(model).expanduser().is_file():
        raise ConfigError("classifier.model_path", f"no such file: {model}")
    ocr = _bool(raw, "ocr", True, prefix="classifier.")
    languages = _str(raw, "ocr_languages", "ind+eng", prefix="classifier.")
    if not re.fullmatch(r"[a-z_]{3,}(\+[a-z_]{3,})*", languages):
        raise ConfigError("classifier.ocr_languages", f"expected e.g. 'ind+eng', not {languages!r}")
    return ClassifierConfig(
        model=use_model,
        model_path=Path(model).expanduser().absolute() if model else None,
        ocr=ocr,
        ocr_languages=languages,
    )


def _health(raw: Mapping[str, Any]) -> HealthConfig:
    _check_keys("health.", raw, set(HealthConfig.__dataclass_fields__))
    admins = _addresses(raw, "admin_recipients", [], prefix="health.")
    listen = _str(raw, "listen", "", prefix="health.")
    if listen and not _LISTEN.fullmatch(listen):
        raise ConfigError(
            "health.listen", f"expected host:port such as 127.0.0.1:9108, not {listen!r}"
        )
    if listen and not 1 <= int(listen.rpartition(":")[2]) <= 65535:
        raise ConfigError("health.listen", f"port must be between 1 and 65535, not {listen!r}")
    return HealthConfig(
        admin_recipients=admins,
        failure_streak=int(_number(raw, "failure_streak", 3, 1, 100, "health.", integer=True)),
        zero_item_runs=int(_number(raw, "zero_item_runs", 3, 1, 100, "health.", integer=True)),
        stuck_minutes=_number(raw, "stuck_minutes", 120.0, 1, 7 * 24 * 60, "health."),
        min_free_mb=_number(raw, "min_free_mb", 1024.0, 0, 10**9, "health."),
        listen=listen,
    )


def _retention(raw: Mapping[str, Any]) -> RetentionConfig:
    _check_keys("retention.", raw, set(RetentionConfig.__dataclass_fields__))
    return RetentionConfig(
        warc_days=int(_number(raw, "warc_days", 90, 0, 36500, "retention.", integer=True)),
        post_days=int(_number(raw, "post_days", 0, 0, 36500, "retention.", integer=True)),
    )


def _addresses(
    raw: Mapping[str, Any], key: str, default: list[str], prefix: str
) -> tuple[str, ...]:
    """A list of email addresses, one per entry."""
    values = raw.get(key, default)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(prefix + key, "must be a list of email addresses")
    for address in values:
        if not _EMAIL.match(address):
            raise ConfigError(prefix + key, f"not an email address: {address!r}")
    return tuple(values)


def _review(raw: Mapping[str, Any]) -> ReviewConfig:
    _check_keys("review.", raw, set(ReviewConfig.__dataclass_fields__))
    base_url = _str(raw, "base_url", "", prefix="review.").rstrip("/")
    if base_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base_url):
        raise ConfigError("review.base_url", f"must be an http(s) URL, not {base_url!r}")
    behind_proxy = _bool(raw, "behind_proxy", False, prefix="review.")
    return ReviewConfig(
        base_url=base_url,
        idle_minutes=_number(raw, "idle_minutes", 30.0, 1, 24 * 60, prefix="review."),
        behind_proxy=behind_proxy,
    )


def _sources(raw: Any, base_dir: Path) -> tuple[Source, ...]:
    if not isinstance(raw, list):
        raise ConfigError("sources", "must be an array of tables ([[sources]])")
    sources = tuple(_source(item, index, base_dir) for index, item in enumerate(raw))
    names = [source.name for source in sources]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(f"sources[{index}].name", f"duplicate source name {name!r}")
    return sources


def _source(raw: Any, index: int, base_dir: Path) -> Source:
    prefix = f"sources[{index}]."
    if not isinstance(raw, Mapping):
        raise ConfigError(prefix.rstrip("."), "must be a table")
    _check_keys(prefix, raw, set(Source.__dataclass_fields__))
    name = _str(raw, "name", "", prefix=prefix)
    if not _NAME.match(name):
        raise ConfigError(prefix + "name", "required; letters, digits, '.', '_' or '-' only")
    spider = _str(raw, "spider", "", prefix=prefix)
    if spider not in SPIDERS:
        raise ConfigError(
            prefix + "spider", f"unknown spider {spider!r}; known: {', '.join(SPIDERS)}"
        )
    args = {key: str(value) for key, value in _table(raw, "args", prefix=prefix).items()}
    _check_spider_args(spider, args, prefix, base_dir)
    enabled = _bool(raw, "enabled", True, prefix=prefix)
    return Source(
        name=name,
        spider=spider,
        args=args,
        interval_minutes=_number(
            raw, "interval_minutes", 60.0, MIN_INTERVAL_MINUTES, 7 * 24 * 60, prefix=prefix
        ),
        jitter_seconds=_number(raw, "jitter_seconds", 300.0, 0, 24 * 3600, prefix=prefix),
        enabled=enabled,
    )


def _check_spider_args(spider: str, args: dict[str, str], prefix: str, base_dir: Path) -> None:
    known = SPIDER_ARGS[spider]
    for key, value in args.items():
        if key not in known:
            raise ConfigError(
                f"{prefix}args.{key}",
                f"unknown argument of spider {spider!r}; "
                f"expected one of {', '.join(sorted(known))}",
            )
        pattern, meaning = known[key]
        if not re.fullmatch(pattern, value):
            raise ConfigError(f"{prefix}args.{key}", f"must be {meaning}, not {value!r}")
    for key in REQUIRED_ARGS.get(spider, ()):
        if key not in args:
            raise ConfigError(f"{prefix}args.{key}", f"required by spider {spider!r}")
    choices = ONE_OF_ARGS.get(spider, ())
    if choices and len([key for key in choices if key in args]) != 1:
        raise ConfigError(
            f"{prefix}args", f"spider {spider!r} takes exactly one of {', '.join(choices)}"
        )
    wanted = ANY_OF_ARGS.get(spider, ())
    if wanted and not set(wanted) & set(args):
        raise ConfigError(f"{prefix}args", f"spider {spider!r} needs one of {', '.join(wanted)}")
    if "site" in args:
        args["site"] = _site_file(args["site"], f"{prefix}args.site", base_dir)


def _site_file(value: str, key: str, base_dir: Path) -> str:
    """The site file's absolute path (crawls run in another folder; a relative name is
    taken from ``base_dir``), checked now so that a broken file stops the program at
    start."""
    path = Path(value).expanduser()
    path = (path if path.is_absolute() else base_dir / path).absolute()
    try:
        parse_site_file(path)
    except SiteFileError as exc:
        raise ConfigError(key, str(exc)) from None
    return str(path)


def _check_keys(prefix: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError(
                prefix + key, f"unknown setting; expected one of {', '.join(sorted(allowed))}"
            )


def _table(raw: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(prefix + key, "must be a table")
    return value


def _str(raw: Mapping[str, Any], key: str, default: str, prefix: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(prefix + key, f"must be a string, not {type(value).__name__}")
    return value


def _number(
    raw: Mapping[str, Any],
    key: str,
    default: float,
    low: float,
    high: float,
    prefix: str = "",
    integer: bool = False,
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(prefix + key, f"must be a number, not {value!r}")
    if integer and not float(value).is_integer():
        raise ConfigError(prefix + key, f"must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ConfigError(prefix + key, f"must be between {low:g} and {high:g}, not {value!r}")
    return float(value)


def _env_int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, not {value!r}") from None
