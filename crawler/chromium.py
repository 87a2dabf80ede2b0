"""Chromium's sandbox, one rule for every place Pantau starts the system browser.

Chromium keeps its sandbox, except as root, where it cannot start with one (the service
refuses to run as root unless ``service.allow_root`` says so, for containers), and where
the operator sets ``browser.sandbox = false``: the sandbox needs unprivileged user
namespaces, which Docker's default seccomp profile and some hosts (Ubuntu 24.04's AppArmor
restriction) forbid. Playwright switches the sandbox off by itself unless
``chromium_sandbox=True`` is passed, so every launch takes its options from
``sandbox_options``, and ``launch_problem`` turns Chromium's "No usable sandbox" into a
sentence naming the setting.
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


def keeps_sandbox(euid: int | None = None, *, sandbox: bool = True) -> bool:
    """True unless running as root (``euid`` 0, the current process's by default) or the
    sandbox is switched off (``browser.sandbox``)."""
    return sandbox and (os.geteuid() if euid is None else euid) != 0


def sandbox_options(
    args: list[str] | tuple[str, ...] = (), euid: int | None = None, *, sandbox: bool = True
) -> dict[str, Any]:
    """Playwright ``launch`` options: ``args`` plus the sandbox switch for ``euid``."""
    sandboxed = keeps_sandbox(euid, sandbox=sandbox)
    return {
        "args": [*args, *(() if sandboxed else (NO_SANDBOX,))],
        "chromium_sandbox": sandboxed,
    }


def launch_problem(message: str) -> tuple[str, str]:
    """The setting to name and the sentence to say when Chromium did not start with
    ``message``: the sandbox's own failure points at ``browser.sandbox``."""
    if "No usable sandbox" in message or "setuid sandbox" in message.lower():
        return (
            "browser.sandbox",
            "Chromium cannot start its sandbox here (unprivileged user namespaces are "
            "forbidden, e.g. by Docker's default seccomp profile or the host's AppArmor "
            "policy): allow them for Chromium, or set browser.sandbox = false where a "
            "container is the boundary",
        )
    return "browser.executable_path", message
