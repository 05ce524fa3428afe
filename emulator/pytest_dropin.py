"""pytest fixtures for drop-in mode: an emulator on Momento's names over TLS, and the environment to reach it.

The application under test keeps its production code (``CredentialProvider.from_environment_variable``,
``from_environment_variables_v2``, ``fromEnvironmentVariable``); the test hands it
``momento_dropin.environment``. The names must resolve to the emulator: put
``momento_dropin.hosts_line`` (it depends only on the endpoint) into ``/etc/hosts`` before the run.

* ``momento_dropin`` (function): the drop-in emulator, reset for this test.
* ``momento_dropin_session`` (session): the emulator itself: plaintext on a free port, TLS on
  ``momento_dropin_port`` with a CA made at start, written to a file that lives as long as the session.
* ``momento_dropin_endpoint`` (session, default ``"momento.test"``) and ``momento_dropin_port``
  (session, default 443, which needs root, ``setcap`` or a port mapping): override them together,
  e.g. ``"momento.test:8443"`` and 8443, to run unprivileged (both SDKs dial the port the endpoint names).

grpc reads ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` once per process, at its first TLS channel, so the
CA file stays the same for the whole session; set the environment before the application's first
Momento client (``monkeypatch.setenv`` in the test does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from emulator.control import Control
    from emulator.server import ThreadedEmulatorServer

ROOTS_VARIABLE = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


class DropIn:
    """An emulator serving TLS on Momento's names; its environment is read afresh (a reset changes the keys)."""

    def __init__(self, server: ThreadedEmulatorServer, ca_file: Path) -> None:
        self.server = server
        self.ca_file = ca_file

    @property
    def control(self) -> Control:
        return self.server.control

    @property
    def endpoint(self) -> str:
        """The endpoint inside every key (``MOMENTO_ENDPOINT`` for the v2 key)."""
        return self.server.emulator.settings.endpoint

    @property
    def tls_target(self) -> str:
        target = self.server.server.tls_target
        assert target is not None
        return target

    @property
    def hosts_line(self) -> str:
        """The ``/etc/hosts`` line that sends the SDKs' names for the endpoint to the emulator."""
        from emulator.tls import hosts_line

        return hosts_line(self.endpoint)

    @property
    def environment(self) -> dict[str, str]:
        """``MOMENTO_API_KEY`` (the super-user key, v1 form) and the CA to trust."""
        return {ROOTS_VARIABLE: str(self.ca_file), "MOMENTO_API_KEY": self.control.bootstrap().api_key}

    @property
    def environment_v2(self) -> dict[str, str]:
        """The same for ``from_environment_variables_v2`` / ``fromEnvVarV2``: the v2 key and ``MOMENTO_ENDPOINT``."""
        return {
            ROOTS_VARIABLE: str(self.ca_file),
            "MOMENTO_API_KEY": self.control.bootstrap().api_key_v2,
            "MOMENTO_ENDPOINT": self.endpoint,
        }


@pytest.fixture(scope="session")
def momento_dropin_endpoint() -> str:
    """The endpoint inside the keys: the SDKs dial ``control.``, ``cache.`` and ``token.`` + it."""
    return "momento.test"


@pytest.fixture(scope="session")
def momento_dropin_port() -> int:
    """The TLS port. The SDKs dial 443 unless the endpoint names another port."""
    return 443


@pytest.fixture(scope="session")
def momento_dropin_session(
    momento_dropin_endpoint: str, momento_dropin_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DropIn]:
    """The drop-in emulator of the session (see the module's docstring)."""
    from emulator.core.config import Settings
    from emulator.server import PortInUse, ThreadedEmulatorServer
    from emulator.tls import TlsOptions

    server = ThreadedEmulatorServer(
        Settings(endpoint=momento_dropin_endpoint), host="127.0.0.1", port=0, tls=TlsOptions(port=momento_dropin_port)
    )
    try:
        server.start()
    except (PortInUse, PermissionError) as error:
        pytest.fail(f"momento_dropin: {error} (port 443 needs root, setcap or a port mapping)", pytrace=False)
    try:
        certificate = server.server.certificate
        assert certificate is not None
        ca_file = tmp_path_factory.mktemp("momento-dropin") / "ca.pem"
        ca_file.write_bytes(certificate.ca_pem)
        yield DropIn(server, ca_file)
    finally:
        server.stop()


@pytest.fixture
def momento_dropin(momento_dropin_session: DropIn) -> DropIn:
    """The session's drop-in emulator, reset for this test (credentials, clock, faults, journal)."""
    momento_dropin_session.control.reset()
    return momento_dropin_session
