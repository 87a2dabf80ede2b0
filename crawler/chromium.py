"""Chromium's sandbox, one rule for every place Pantau starts the system browser.

Chromium keeps its sandbox, except as root, where it cannot start with one (the service
refuses to run as root unless ``service.allow_root`` says so, for containers). Playwright
switches the sandbox off by itself unless ``chromium_sandbox=True`` is passed, so every
launch takes its options from ``sandbox_options``.
"""

from __future__ import annotations

import os
from typing import Any

NO_SANDBOX = "--no-sandbox"
# Chromium behind the fence proxy on a server without a display: none of its own calls to
# Google hosts, no QUIC and no WebRTC over UDP (both would pass the proxy by).
FENCED_ARGS = (
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)


def keeps_sandbox(euid: int | None = None) -> bool:
    """True unless running as root (``euid`` 0, the current process's by default)."""
    return (os.geteuid() if euid is None else euid) != 0


def sandbox_options(
    args: list[str] | tuple[str, ...] = (), euid: int | None = None
) -> dict[str, Any]:
    """Playwright ``launch`` options: ``args`` plus the sandbox switch for ``euid``."""
    sandboxed = keeps_sandbox(euid)
    return {
        "args": [*args, *(() if sandboxed else (NO_SANDBOX,))],
        "chromium_sandbox": sandboxed,
    }
