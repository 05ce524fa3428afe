"""Run a command in private mount and network namespaces, with its own ``/etc/hosts`` and loopback.

``python tests/sandbox.py -- COMMAND...`` (as root) gives COMMAND a copy of the machine's
``/etc/hosts`` that it may append to, and a network of its own with only ``lo`` up, so that
it may bind 127.0.0.1:443 and make Momento's names resolve to it without touching the
machine's hosts file or colliding with anything. The Node SDK suite runs its drop-in
scenario through it too. :func:`run` is the same for pytest, :func:`require` skips loudly
where namespaces are not available, and fails under ``CI=true``.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
HOSTS = "/etc/hosts"


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def enter(hosts: Path) -> None:
    """Move this (single-threaded) process into new namespaces with ``hosts`` as ``/etc/hosts``."""
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    # Mounts made from here on stay in this namespace.
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    _check(libc.mount(str(hosts).encode(), HOSTS.encode(), None, MS_BIND, None), f"bind {hosts} over {HOSTS}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))


def main(argv: Sequence[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: sandbox.py -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    command = list(argv[argv.index("--") + 1 :])
    with tempfile.TemporaryDirectory(prefix="sandbox-hosts-") as directory:
        hosts = Path(directory) / "hosts"
        shutil.copyfile(HOSTS, hosts)  # keep localhost and friends; the command appends its own lines
        enter(hosts)
        return subprocess.call(command)


def run(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 120.0, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a sandbox and return what it printed (stdout and stderr, as text)."""
    return subprocess.run(
        [sys.executable, __file__, "--", *command],
        env=None if env is None else dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@cache
def unavailable() -> str:
    """Why sandboxes cannot be made here, or ``""``."""
    if os.geteuid() != 0:
        return "private mount and network namespaces need root"
    try:
        probe = run(["sh", "-c", "echo 127.0.0.1 sandbox.probe >>/etc/hosts && getent hosts sandbox.probe"], timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"the sandbox did not run: {error}"
    if probe.returncode != 0 or "sandbox.probe" not in probe.stdout:
        return f"the sandbox did not work: {(probe.stderr or probe.stdout).strip()}"
    return ""


def require() -> None:
    """Skip the calling test loudly where sandboxes cannot be made; fail under ``CI=true``."""
    import pytest

    reason = unavailable()
    if not reason:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires the drop-in tests, but {reason}", pytrace=False)
    pytest.skip(f"*** SKIPPED drop-in test: {reason} (run as root, or under CI=true to make this an error) ***")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
