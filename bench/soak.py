"""Soak: ``pantau run`` for many cycles among sites that misbehave; nothing may leak.

Usage::

    .venv/bin/python bench/soak.py [--cycles 200] [--interval 0.4] [--sample-every 5]

``pantau run`` runs as a child process, as an operator runs it (crawls as ``scrapy crawl``
children, evidence with the system Chromium, alerts over SMTP), every source crawled each
``--interval`` minutes without jitter, against six replica Telegram channels on 127.0.0.1:

- ``healthy``: a new suspicious post appears every ``--publish-every`` cycles, so alerts
  keep flowing to a local aiosmtpd inbox (``alerts.sink.MailSink``);
- ``timeout``: for a stretch of the soak its channel page accepts the connection and never
  answers;
- ``http500`` and ``http429``: for a stretch, ``500`` and ``429`` with ``Retry-After``;
- ``markup``: halfway through its pages change their markup for good (zero posts where
  posts were usual);
- ``script``: its suspicious posts' pages loop forever in script after ``load``, so every
  capture of them overruns; new ones appear three times during the soak.

A **cycle** is one pass of the stages after a crawl (``scheduler.process``, one ``cycle:``
line in the service's log). Every ``--sample-every`` cycles the bench reads ``/proc``: the
resident memory of the service and of all its descendants, their open file descriptors,
the service's threads, the number of Chromium processes and zombies, and the alerts and
health emails received. At the end it waits until every flagged post is alerted, stops
the service with SIGTERM and reports the growth between the first and the last quarter of
the samples, Chromium processes left behind, whether each flagged post reached the inbox
exactly once, and whether each breakage was reported to the administrator exactly once
(and its recovery once, where it recovered). The result replaces the "Soak" section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import email
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.compose import load_strings  # noqa: E402
from alerts.sink import MailSink  # noqa: E402
from bench.report import machine, write_section  # noqa: E402
from crawler import store  # noqa: E402
from crawler.config import find_browser  # noqa: E402
from evidence.watchdog import browser_processes, descendants  # noqa: E402
from pantau.replica import (  # noqa: E402
    SAMPLE_SITE,
    Channel,
    Post,
    ReplicaSite,
    load_channel,
    loopback_server,
)

INVESTIGATOR = "penyidik@example.org"
ADMIN = "admin@example.org"
LANGUAGE = "en"
MARK = "PANTAU_SOAK_MARK"  # in the environment of every process the service starts
HANG_SCRIPT = b"<script>addEventListener('load', () => { for (;;) {} });</script>"
# Our own wording, in the manner of the posts Pantau looks for.
OFFERS = (
    "Lowongan admin CS di Sihanoukville, Kamboja. Gaji 15 juta sebulan, tanpa pengalaman, "
    "tiket pesawat dan visa ditanggung perusahaan. Berangkat minggu ini. WA +855 88 {n:04d} 21",
    "Dicari operator komputer untuk kantor di Myawaddy, Myanmar, gaji 1200 USD, mess gratis, "
    "cukup bisa mengetik. Berangkat pakai visa turis, paspor diurus. WA +62 812 7{n:04d} 55",
    "Kerja di Arab Saudi jadi ART, berangkat pakai visa umroh, gaji 6 juta, proses cepat dua "
    "minggu tanpa pelatihan, tanpa biaya di depan. Hubungi Bu Sari WA +62 813 5{n:04d} 19",
    "Butuh banyak admin online di Kamboja (Bavet), gaji 14 juta + bonus, tiket dan visa "
    "ditanggung, tidak perlu ijazah. Langsung berangkat! WA +855 97 {n:04d} 33",
)
ORDINARY = "Selamat pagi semua, jangan lupa sarapan dan semoga harinya lancar."


@dataclass
class Breakage:
    """How one replica site misbehaves, and when (fractions of the soak's cycles)."""

    kind: str  # none, timeout, 500, 429, markup, script
    start: float = 0.0
    end: float = 0.0
    problem: bool = False  # a health email is expected when it starts
    recovery: bool = False  # and one when it is over

    def active(self, progress: float) -> bool:
        return self.start <= progress < self.end


# One source per site; the breakage stretches overlap so the service meets several at once.
PLAN = {
    "healthy": Breakage("none"),
    "timeout": Breakage("timeout", 0.1, 0.6, problem=True, recovery=True),
    "http500": Breakage("500", 0.25, 0.65, problem=True, recovery=True),
    "http429": Breakage("429", 0.35, 0.75, problem=True, recovery=True),
    "markup": Breakage("markup", 0.5, 2.0, problem=True),
    "script": Breakage("script", 0.0, 2.0),
}
SCRIPT_POSTS_AT = (0.2, 0.45, 0.7)


# --- replica sites that misbehave --------------------------------------------------------


@dataclass
class FaultySite:
    """A replica channel whose channel pages can hang, fail or change their markup, and
    whose post pages can loop in script."""

    replica: ReplicaSite
    breakage: Breakage
    broken: bool = False
    closing: threading.Event = field(default_factory=threading.Event)
    channel_requests: int = 0

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        channel_page = path.startswith("/s/")
        if channel_page:
            self.channel_requests += 1
        if channel_page and self.broken and self.breakage.kind == "timeout":
            self._hang(handler.connection)
            return
        if channel_page and self.broken and self.breakage.kind in ("500", "429"):
            status = int(self.breakage.kind)
            extra = {"Retry-After": "2"} if status == 429 else {}
            _reply(handler, status, "text/plain", b"try again later\n", extra)
            return
        status, kind, body = self.replica.route(path)
        if isinstance(body, str):
            _reply(handler, status, kind, b"", {"Location": body})
            return
        _reply(handler, status, kind, self._altered(path, body))

    def _altered(self, path: str, body: bytes) -> bytes:
        if self.breakage.kind == "markup" and self.broken and path.startswith("/s/"):
            # A redesign: every message class and the post attribute renamed.
            return body.replace(b"tgme_widget_message", b"tgme_post").replace(
                b"data-post=", b"data-entry="
            )
        if self.breakage.kind == "script" and not path.startswith(("/s/", "/img/")):
            return body.replace(b"</body>", HANG_SCRIPT + b"</body>")
        return body

    def _hang(self, connection: socket.socket) -> None:
        """Say nothing until the client gives up, the site mends, or the bench ends."""
        connection.settimeout(0.5)
        while self.broken and not self.closing.is_set():
            try:
                if not connection.recv(1024):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def publish(self, text: str) -> int:
        number = self.replica.channel.posts[-1].id + 1
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        self.replica.publish(Post(number, stamp, "1", f"{text}\n\n#{number}"))
        return number


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    kind: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass  # the client gave up first


def _handler(site: FaultySite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            site.answer(self)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def channel_for(name: str) -> Channel:
    """The healthy source reads the bundled sample channel; every other one a small
    channel of one suspicious and one ordinary post (few captures, usual posts > 0)."""
    sample = load_channel()
    if name == "healthy":
        return Channel(**{**_fields(sample), "name": "soak_healthy"}, posts=sample.posts)
    stamp = "2026-03-01T01:10:00+00:00"
    posts = (Post(1, stamp, "1", ORDINARY), Post(2, stamp, "1", OFFERS[len(name) % 4].format(n=2)))
    return Channel(**{**_fields(sample), "name": f"soak_{name}"}, posts=posts)


def _fields(channel: Channel) -> dict[str, Any]:
    keys = ("title", "description", "subscribers", "page_size")
    return {key: getattr(channel, key) for key in keys} | {"name": channel.name}


@contextmanager
def serve_site(name: str, breakage: Breakage) -> Iterator[FaultySite]:
    replica = ReplicaSite(base_url="", channel=channel_for(name), root=SAMPLE_SITE)
    site = FaultySite(replica, breakage)
    with loopback_server(_handler(site), "127.0.0.1", 0, f"site-{name}") as base_url:
        replica.base_url = base_url
        try:
            yield site
        finally:
            site.closing.set()  # a hanging answer lets go before the server shuts down


# --- the service --------------------------------------------------------------------------


def config_text(data_dir: Path, sites: dict[str, FaultySite], smtp_port: int, args: Any) -> str:
    lines = [
        f'data_dir = "{data_dir}"',
        "[browser]",
        f'executable_path = "{find_browser()}"',
        f"timeout_seconds = {args.browser_timeout:g}",
        "[smtp]",
        f'host = "127.0.0.1"\nport = {smtp_port}',
        "[alerts]",
        f'recipients = ["{INVESTIGATOR}"]\nlanguage = "{LANGUAGE}"',
        "[health]",
        f'admin_recipients = ["{ADMIN}"]',
        "[classifier]\nocr = false",
        '[network]\nallow = ["127.0.0.1"]',
        f"[service]\nallow_root = {'true' if os.geteuid() == 0 else 'false'}",
    ]
    for name, site in sites.items():
        lines += [
            "[[sources]]",
            f'name = "{name}"\nspider = "telegram"',
            f"interval_minutes = {args.interval:g}\njitter_seconds = 0",
            f'args = {{ channel = "{site.replica.channel.name}", '
            f'base_url = "{site.replica.base_url}", max_pages = "5" }}',
        ]
    return "\n".join(lines) + "\n"


class ServiceLog:
    """The service's log file, read as it grows; counts the cycles."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cycles = 0
        self.browsers = 0
        self.errors: Counter[str] = Counter()
        self._offset = 0
        self._partial = ""

    def read(self) -> None:
        with self.path.open("r", encoding="utf-8", errors="replace") as file:
            file.seek(self._offset)
            text = self._partial + file.read()
            self._offset = file.tell()
        *lines, self._partial = text.split("\n")
        for line in lines:
            if " cycle: " in line and " classified, " in line:
                self.cycles += 1
            elif "browser started: " in line:
                self.browsers += 1
            elif " ERROR" in line or " CRITICAL" in line:
                self.errors[_without_stamp(line)[:160]] += 1

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.path.read_text(errors="replace").splitlines()[-lines:])


def _without_stamp(line: str) -> str:
    """A log line without its time stamp, so that repeats of it count together."""
    for marker in (" ERROR", " CRITICAL"):
        if marker in line:
            return line[line.index(marker) + 1 :]
    return line


def start_service(config: Path, log: Path, mark: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **{MARK: mark})
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pantau", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


# --- what /proc says ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    cycle: int
    seconds: float
    service_rss_mb: float
    tree_rss_mb: float
    service_fds: int
    tree_fds: int
    threads: int
    processes: int
    chromium: int
    zombies: int
    alerts: int
    health_emails: int


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _rss_mb(status: dict[str, str]) -> float:
    return int(status.get("VmRSS", "0 kB").split()[0]) / 1024


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def marked_processes(mark: str) -> set[int]:
    """Every live process started (directly or not) by the soak's service, found by the
    marker in its environment: this finds the ones that left the service's tree too."""
    found = set()
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def sample(pid: int, cycle: int, started: float, inbox: Inbox) -> Sample:
    tree = descendants(pid)
    statuses = {p: _status(p) for p in tree | {pid}}
    main = statuses[pid]
    return Sample(
        cycle=cycle,
        seconds=time.monotonic() - started,
        service_rss_mb=_rss_mb(main),
        tree_rss_mb=sum(_rss_mb(s) for s in statuses.values()),
        service_fds=_fds(pid),
        tree_fds=sum(_fds(p) for p in statuses),
        threads=int(main.get("Threads", "0")),
        processes=len(tree),
        chromium=len(browser_processes(pid)),
        zombies=sum(1 for s in statuses.values() if s.get("State", "").startswith("Z")),
        alerts=len(inbox.alerts),
        health_emails=len(inbox.health),
    )


# --- the inbox ----------------------------------------------------------------------------


@dataclass
class HealthEmail:
    opened: list[str]  # the problem lines, "source: message"
    closed: list[str]


class Inbox:
    """The messages the sink received, read once each: alerts by post, health emails."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink
        self.alerts: list[tuple[str, str]] = []  # (post key, Message-ID)
        self.health: list[HealthEmail] = []
        self.other = 0
        self._seen: set[Path] = set()
        self._strings = load_strings(LANGUAGE)

    def read(self) -> None:
        for path in self.sink.messages():
            if path in self._seen:
                continue
            self._seen.add(path)
            message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            if message["X-Pantau-Post"]:
                self.alerts.append((str(message["X-Pantau-Post"]), str(message["Message-ID"])))
            elif ADMIN in str(message["To"]):
                self.health.append(self._health(message))
            else:
                self.other += 1

    def _health(self, message: Any) -> HealthEmail:
        sections: dict[str, list[str]] = {"new": [], "gone": []}
        current = None
        body = message.get_body(("plain",)).get_content()
        for line in body.splitlines():
            if line == f"{self._strings['health_new']}:":
                current = "new"
            elif line == f"{self._strings['health_gone']}:":
                current = "gone"
            elif line.startswith("- ") and current is not None:
                sections[current].append(line[2:])
            elif not line.strip():
                current = None
        return HealthEmail(sections["new"], sections["gone"])

    def told(self, source: str) -> tuple[int, int]:
        """How many health emails named ``source`` as a new problem, and as resolved."""
        prefix = f"{source}: "
        opened = sum(1 for m in self.health for line in m.opened if line.startswith(prefix))
        closed = sum(1 for m in self.health for line in m.closed if line.startswith(prefix))
        return opened, closed

    def other_problems(self, sources: list[str]) -> list[str]:
        lines = [line for m in self.health for line in (*m.opened, *m.closed)]
        return [line for line in lines if not line.startswith(tuple(f"{s}: " for s in sources))]


# --- the soak -----------------------------------------------------------------------------


@dataclass
class Outcome:
    samples: list[Sample]
    seconds: float
    cycles: int
    flagged: set[str]
    inbox: Inbox
    runs: dict[str, Counter[str]]
    problems: list[dict[str, Any]]
    leftover_after_stop: int
    stop_seconds: float
    exit_code: int | None
    published: int
    log_errors: Counter[str]
    browsers: int
    evidence: dict[str, int]


def soak(args: Any) -> Outcome:
    mark = uuid.uuid4().hex
    with ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        tmp.mkdir(parents=True, exist_ok=True)
        sites = {name: stack.enter_context(serve_site(name, b)) for name, b in PLAN.items()}
        sink = stack.enter_context(MailSink(tmp / "mail"))
        config = tmp / "pantau.toml"
        config.write_text(config_text(tmp / "data", sites, sink.port, args), encoding="utf-8")
        log = ServiceLog(tmp / "service.log")
        log.path.touch()
        inbox = Inbox(sink)
        service = start_service(config, log.path, mark)
        started = time.monotonic()
        try:
            samples, published = drive(service, sites, log, inbox, args, started)
            wait_for_quiet(tmp / "data" / "pantau.db", log, service, args.drain_seconds)
        except BaseException:
            os.killpg(service.pid, signal.SIGKILL)
            print(log.tail(), file=sys.stderr)
            raise
        seconds = time.monotonic() - started
        stop_seconds, exit_code = stop(service)
        leftover = wait_until_gone(mark, 15)
        inbox.read()
        log.read()
        runs, problems, flagged, evidence = read_store(tmp / "data" / "pantau.db")
        print(f"log of the service: {log.path}; its last lines:")
        print(log.tail(15))
        return Outcome(
            samples, seconds, log.cycles, flagged, inbox, runs, problems, len(leftover),
            stop_seconds, exit_code, published, log.errors, log.browsers, evidence,
        )  # fmt: skip


def drive(
    service: subprocess.Popen[bytes],
    sites: dict[str, FaultySite],
    log: ServiceLog,
    inbox: Inbox,
    args: Any,
    started: float,
) -> tuple[list[Sample], int]:
    """Run until ``args.cycles`` cycles: set each site's breakage by progress, publish,
    sample. Returns the samples and how many posts were published on the healthy site."""
    samples: list[Sample] = []
    pause = threading.Event()
    published, script_posts, next_sample = 0, 0, args.sample_every
    deadline = started + args.max_minutes * 60
    while log.cycles < args.cycles:
        if service.poll() is not None:
            raise SystemExit(f"soak: the service ended (exit {service.returncode}):\n{log.tail()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: only {log.cycles} cycles in {args.max_minutes} min")
        pause.wait(0.5)
        log.read()
        progress = log.cycles / args.cycles
        for site in sites.values():
            site.broken = site.breakage.active(progress)
        while published < log.cycles // args.publish_every:
            sites["healthy"].publish(OFFERS[published % len(OFFERS)].format(n=published))
            published += 1
        while script_posts < sum(1 for at in SCRIPT_POSTS_AT if progress >= at):
            sites["script"].publish(OFFERS[script_posts % 4].format(n=9000 + script_posts))
            script_posts += 1
        if log.cycles >= next_sample:
            inbox.read()
            samples.append(sample(service.pid, log.cycles, started, inbox))
            print(format_sample(samples[-1]), flush=True)
            next_sample = (log.cycles // args.sample_every + 1) * args.sample_every
    return samples, published


def wait_for_quiet(db_path: Path, log: ServiceLog, service: Any, timeout: float) -> None:
    """Wait until no flagged post waits for evidence or an alert and no alert is queued
    (the service keeps cycling meanwhile)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        with store.connect(db_path) as db:
            queued = store.alerts_due(db, ignore_backoff=True)
            if not (store.posts_to_capture(db, 1) or store.posts_to_alert(db) or queued):
                return
        if service.poll() is not None:
            raise SystemExit(f"soak: the service ended early:\n{log.tail()}")
        pause.wait(1.0)
    print(f"soak: work still pending after {timeout:g} s of draining", file=sys.stderr)


def stop(service: subprocess.Popen[bytes]) -> tuple[float, int | None]:
    """SIGTERM, as systemd stops it; seconds until it exited (SIGKILL after 180 s)."""
    begun = time.monotonic()
    service.send_signal(signal.SIGTERM)
    try:
        code: int | None = service.wait(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
        code = None
    return time.monotonic() - begun, code


def wait_until_gone(mark: str, timeout: float) -> set[int]:
    """Processes the service started still alive ``timeout`` s after it exited (each is
    killed afterwards, so that the bench leaves nothing behind either)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while (left := marked_processes(mark)) and time.monotonic() < deadline:
        pause.wait(0.5)
    for pid in left:
        print(f"soak: left behind: {pid} {_cmdline(pid)[:200]!r}", file=sys.stderr)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def read_store(
    db_path: Path,
) -> tuple[dict[str, Counter[str]], list[dict[str, Any]], set[str], dict[str, int]]:
    with store.connect(db_path) as db:
        runs: dict[str, Counter[str]] = {}
        for row in db.query("SELECT source, status, count(*) AS n FROM runs GROUP BY 1, 2"):
            runs.setdefault(row["source"], Counter())[row["status"]] = row["n"]
        problems = list(db.query("SELECT * FROM health_problems ORDER BY id"))
        flagged = {row["key"] for row in store.flagged_posts(db, limit=100_000)}
        evidence = {
            row["status"]: row["n"]
            for row in db.query("SELECT status, count(*) AS n FROM evidence GROUP BY 1")
        }
    return runs, problems, flagged, evidence


# --- the report ---------------------------------------------------------------------------


def format_sample(s: Sample) -> str:
    return (
        f"cycle {s.cycle:4d} {s.seconds:6.0f} s: service {s.service_rss_mb:5.0f} MB "
        f"{s.service_fds:3d} fds {s.threads:2d} threads; tree {s.processes:2d} processes "
        f"{s.tree_rss_mb:5.0f} MB {s.tree_fds:4d} fds, {s.chromium} chromium, {s.zombies} "
        f"zombies; {s.alerts} alerts, {s.health_emails} health emails"
    )


GROWTH = (
    ("service RSS (MB)", "service_rss_mb"),
    ("service open fds", "service_fds"),
    ("service threads", "threads"),
    ("processes below the service", "processes"),
    ("RSS of the service and all descendants (MB)", "tree_rss_mb"),
    ("open fds of the service and all descendants", "tree_fds"),
    ("Chromium processes", "chromium"),
    ("zombie processes", "zombies"),
)


def quarters(samples: list[Sample], attribute: str) -> tuple[float, float, float]:
    """Median of the first and of the last quarter of the samples, and the maximum."""
    values = [float(getattr(s, attribute)) for s in samples]
    quarter = max(1, len(values) // 4)
    first, last = values[:quarter], values[-quarter:]
    return statistics.median(first), statistics.median(last), max(values)


def growth_table(samples: list[Sample]) -> list[str]:
    rows = [
        "| measure | first quarter (median) | last quarter (median) | growth | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, attribute in GROWTH:
        first, last, top = quarters(samples, attribute)
        rows.append(f"| {label} | {first:.0f} | {last:.0f} | {last - first:+.0f} | {top:.0f} |")
    return rows


def alert_check(outcome: Outcome) -> tuple[bool, str]:
    per_post = Counter(key for key, _ in outcome.inbox.alerts)
    ids = {key: {mid for k, mid in outcome.inbox.alerts if k == key} for key in per_post}
    missing = outcome.flagged - set(per_post)
    twice = [key for key, n in per_post.items() if n > 1]
    strays = set(per_post) - outcome.flagged
    ok = not (missing or twice or strays)
    text = (
        f"{len(outcome.flagged)} posts flagged, {len(outcome.inbox.alerts)} alert emails for "
        f"{len(per_post)} posts: {len(missing)} missing, {len(twice)} arrived more than once "
        f"({sum(1 for v in ids.values() if len(v) > 1)} under two Message-IDs), "
        f"{len(strays)} for posts not flagged"
    )
    return ok, text


def health_rows(outcome: Outcome) -> tuple[bool, list[str]]:
    rows = [
        "| source | breakage | when (share of the cycles) | runs (status: count) | "
        "problem emails | recovery emails | expected |",
        "| --- | --- | --- | --- | ---: | ---: | --- |",
    ]
    ok = True
    for name, breakage in PLAN.items():
        opened, closed = outcome.inbox.told(name)
        expected = (int(breakage.problem), int(breakage.recovery))
        ok &= (opened, closed) == expected
        runs = ", ".join(f"{k} {v}" for k, v in sorted(outcome.runs.get(name, Counter()).items()))
        rows.append(
            f"| {name} | {describe(breakage)} | {when(breakage)} | {runs} | {opened} | {closed} "
            f"| {expected[0]} / {expected[1]}{'' if (opened, closed) == expected else ' ✗'} |"
        )
    return ok, rows


def describe(breakage: Breakage) -> str:
    return {
        "none": "none (new suspicious posts keep coming)",
        "timeout": "channel page never answers",
        "500": "HTTP 500",
        "429": "HTTP 429, Retry-After: 2",
        "markup": "markup changed (zero posts)",
        "script": "post pages loop in script after load (capture)",
    }[breakage.kind]


def when(breakage: Breakage) -> str:
    if breakage.kind == "none":
        return "-"
    if breakage.kind == "script":
        return "always; new posts at " + ", ".join(f"{x:.0%}" for x in SCRIPT_POSTS_AT)
    end = "end" if breakage.end > 1 else f"{breakage.end:.0%}"
    return f"{breakage.start:.0%} to {end}"


def report(outcome: Outcome, args: Any) -> str:
    alerts_ok, alerts_text = alert_check(outcome)
    health_ok, health_table = health_rows(outcome)
    others = outcome.inbox.other_problems(list(PLAN))
    last = outcome.samples[-1]
    lines = [
        f"Machine: {machine()}, load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        f"`bench/soak.py --cycles {args.cycles} --interval {args.interval:g}`: `pantau run` "
        f"as a child process for {outcome.cycles} cycles in {outcome.seconds / 60:.1f} min "
        f"(six sources, each crawled every {args.interval:g} min without jitter, crawls as "
        f"`scrapy crawl` children, evidence with Chromium, `browser.timeout_seconds = "
        f"{args.browser_timeout:g}`), against six replica Telegram channels on 127.0.0.1 and "
        f"a local aiosmtpd inbox. {outcome.published} new suspicious posts were published on "
        f"the healthy channel (one every {args.publish_every} cycles). Sampled from `/proc` "
        f"every {args.sample_every} cycles ({len(outcome.samples)} samples):",
        "",
        *growth_table(outcome.samples),
        "",
        f"- Alerts: {alerts_text}: {'each arrived once' if alerts_ok else 'NOT each once'}.",
        f"- Evidence: Chromium started {outcome.browsers} times; bundles by status: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(outcome.evidence.items()))} (a post whose "
        "capture overran every try is given up and alerted without evidence).",
        f"- Stop: SIGTERM ended the service in {outcome.stop_seconds:.1f} s "
        f"(exit code {outcome.exit_code}); {outcome.leftover_after_stop} of the processes it "
        "started (Chromium included) were left 15 s later.",
        f"- Health emails to the administrator: {len(outcome.inbox.health)}"
        f"{'; other problems named: ' + '; '.join(others) if others else ''}. Each breakage "
        f"reported once (and its recovery once): {'yes' if health_ok and not others else 'NO'}.",
        f"- Last sample (cycle {last.cycle}): {format_sample(last).split(': ', 1)[1]}.",
        "",
        *health_table,
    ]
    if outcome.log_errors:
        lines += ["", "Error lines in the service's log (count, first 160 characters):", ""]
        lines += [f"- {n} x `{text}`" for text, n in outcome.log_errors.most_common(12)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.4, help="minutes between crawls")
    parser.add_argument("--sample-every", type=int, default=5, help="cycles between samples")
    parser.add_argument("--publish-every", type=int, default=3, help="cycles between posts")
    parser.add_argument("--browser-timeout", type=float, default=6.0, help="seconds")
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-write", action="store_true", help="print, leave the doc alone")
    args = parser.parse_args()
    outcome = soak(args)
    text = report(outcome, args)
    if not args.no_write:
        write_section("Soak", text)
    print(text)


if __name__ == "__main__":
    main()
