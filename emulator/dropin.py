"""Drop-in mode of the standalone process: TLS flags, the CA file, and what the ready file and banner tell.

Applications under test build their client one way only, e.g.
``CredentialProvider.from_environment_variable("MOMENTO_API_KEY")``: they dial ``control.E``,
``cache.E`` and ``token.E`` on port 443 over TLS, ``E`` being the endpoint inside the key. With
``serve --tls`` (or ``--tls-port``) and ``--endpoint E`` the emulator answers there; the caller
trusts the CA file, makes the names resolve (the hosts line) and sets ``MOMENTO_API_KEY``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.tls import Certificate, TlsError, TlsOptions, endpoint_host, hosts_line, service_hosts, uncovered

if TYPE_CHECKING:
    from emulator.core.state import State
    from emulator.server import EmulatorServer

SWITCH_VALUES = {**dict.fromkeys(("1", "true", "yes", "on"), True), **dict.fromkeys(("0", "false", "no", "off"), False)}
ROOTS_VARIABLE = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"
SDK_TLS_PORT = 443  # where the SDKs dial when the endpoint names no port


def switch(text: str) -> bool:
    """An on/off variable: ``1``, ``true``, ``yes``, ``on`` or ``0``, ``false``, ``no``, ``off``."""
    value = SWITCH_VALUES.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of 1, true, yes, on, 0, false, no, off")
    return value


def tls_options(
    tls: bool,
    port: int | None,
    cert_file: Path | None,
    key_file: Path | None,
    ca_file: Path | None,
    named: Callable[[str], str],
) -> TlsOptions | None:
    """The TLS the ``serve`` options ask for, or ``None``; ``TlsError`` names the flag (or variable) at fault.

    ``named(dest)`` is how the command line calls an option: its flag, or the variable that gave it.
    """
    if tls and port is not None:
        raise TlsError(f"{named('tls_port')}: with {named('tls')} the main port already speaks TLS; give one of them")
    if not tls and port is None:
        for dest, value in (("tls_cert", cert_file), ("tls_key", key_file), ("ca_file", ca_file)):
            if value is not None:
                raise TlsError(f"{named(dest)}: needs --tls or --tls-port")
        return None
    if (cert_file is None) != (key_file is None):
        raise TlsError(f"{named('tls_cert')} and {named('tls_key')}: give both, or neither for a generated certificate")
    if cert_file is not None and ca_file is not None:
        raise TlsError(f"{named('ca_file')}: the emulator writes the CA it generates; with --tls-cert the CA is yours")
    certificate = None if cert_file is None or key_file is None else Certificate.load(cert_file, key_file)
    return TlsOptions(port=port, certificate=certificate)


class CaFile:
    """Where the CA of a generated certificate is written: the ``--ca-file`` path, or a temporary one."""

    def __init__(self, path: Path | None) -> None:
        self._given = path
        self._directory: Path | None = None
        self.path: Path | None = None

    def write(self, certificate: Certificate | None) -> Path | None:
        if certificate is None or not certificate.ca_pem:
            return None
        from emulator.process import write_atomically

        if self._given is None:
            self._directory = Path(tempfile.mkdtemp(prefix="momento-auth-emulator-"))
        self.path = (self._given or self._directory / "ca.pem").resolve()  # type: ignore[operator]
        write_atomically(self.path, certificate.ca_pem.decode("ascii"))
        return self.path

    def remove(self) -> None:
        """Remove a temporary CA file; one written where ``--ca-file`` said stays for the user."""
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)


def ready_fields(server: EmulatorServer, state: State, ca_file: Path | None) -> dict[str, Any]:
    """What the ready file adds for drop-in use: every form of the key, and the TLS listener if any."""
    endpoint = state.settings.endpoint
    return {
        "raw_api_key": state.super_user_key,  # also the SDKs' legacy JWT form (claims c / cp)
        "api_key_v2": state.global_form(state.super_user_key),  # with MOMENTO_ENDPOINT=endpoint
        "tls_port": server.tls_port,
        "tls_target": server.tls_target,
        "ca_file": None if ca_file is None else str(ca_file),
        "hosts_line": hosts_line(endpoint) if server.tls_port is not None else "",
        "certificate_names": list(server.certificate.names) if server.certificate is not None else [],
    }


def banner_lines(ready: dict[str, Any]) -> list[str]:
    """The exact environment lines for unmodified applications (nothing when there is no TLS listener)."""
    if ready.get("tls_port") is None:
        return []
    endpoint = ready["endpoint"]
    names = ", ".join(ready["certificate_names"]) or "(no names in the certificate)"
    lines = [f"  TLS on {ready['tls_target']}, valid for {names}"]
    if not service_hosts(endpoint):
        lines.append(f"  Drop-in needs a name: --endpoint NAME (the keys now name {endpoint!r}, an address)")
        return lines
    missing = uncovered(ready["certificate_names"], service_hosts(endpoint))
    if missing:
        lines.append(f"  Note: the certificate does not cover {', '.join(missing)}: the SDKs will refuse those names")
    lines.append("  Drop-in: unmodified SDKs (from_environment_variable / fromEnvironmentVariable) need these lines:")
    lines.append(f"    /etc/hosts: {ready['hosts_line']}")
    if ready.get("ca_file"):
        lines.append(f"    export {ROOTS_VARIABLE}={ready['ca_file']}")
    else:
        lines.append(f"    export {ROOTS_VARIABLE}=<a PEM file with the CA that signed --tls-cert>")
    lines.append(f"    export MOMENTO_API_KEY={ready['api_key']}")
    lines.append(f"  v2 key instead: export MOMENTO_API_KEY={ready['api_key_v2']} MOMENTO_ENDPOINT={endpoint}")
    port = endpoint.rpartition(":")[2] if endpoint_host(endpoint) != endpoint else ""
    if int(port or SDK_TLS_PORT) != ready["tls_port"]:
        lines.append(
            f"  Note: the SDKs will dial port {port or SDK_TLS_PORT}, not {ready['tls_port']}: serve TLS on "
            f"{port or SDK_TLS_PORT}, or give --endpoint {endpoint_host(endpoint)}:{ready['tls_port']}"
        )
    return lines
