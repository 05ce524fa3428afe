"""pytest plugin: a Momento Auth emulator per test session, reset before every test.

Fixtures:

* ``momento_emulator`` (function): resets the emulator (credentials, clock, faults, journal),
  applies this test's settings and returns a :class:`MomentoEmulator` handle.
* ``momento_emulator_session`` (session): the emulator itself, started on first use on its own
  thread and loop (it never touches the test's event loop), on a free loopback port; under
  pytest-xdist every worker has its own.
* ``momento_emulator_start_time``, ``momento_emulator_seed``, ``momento_emulator_clock_mode``,
  ``momento_emulator_max_disposable_ttl`` (function): override them to configure; ``None`` keeps
  the emulator's default.
* marker ``@pytest.mark.momento_emulator(start_time=..., ...)``: the same settings for one test,
  class or module; it wins over the fixtures.
* ``momento_cache_client`` / ``momento_topic_client`` (function): the ``momento`` SDK's sync
  clients, ready and bound to this test's emulator with its super-user key, closed after the test;
  ``momento_cache_client_async`` / ``momento_topic_client_async``: the async ones (with
  pytest-asyncio). For a client that presents another key (a disposable token the test minted),
  call ``momento_emulator.cache_client(key)`` (and ``cache_client_async``, ``topic_client``,
  ``topic_client_async``). ``momento_emulator.web_url`` is the gRPC-Web listener for
  ``@gomomento/sdk-web``, started on first use.

External mode: with ``MOMENTO_EMULATOR_PYTEST_TARGET=host:port`` (and ``MOMENTO_EMULATOR_ADMIN_TOKEN`` if it
needs one) the fixtures drive that running emulator over its admin API instead of starting one.

Importing this module is cheap: the emulator is imported and started only when a fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from emulator.reachable import Bootstraps

if TYPE_CHECKING:
    import momento

    from emulator.control import Bootstrap, Control, RemoteControl
    from emulator.server import ThreadedEmulatorServer

TARGET_ENV = "MOMENTO_EMULATOR_PYTEST_TARGET"
ADMIN_TOKEN_ENV = "MOMENTO_EMULATOR_ADMIN_TOKEN"
MARKER = "momento_emulator"
SETTING_NAMES = ("start_time", "seed", "clock_mode", "max_disposable_ttl")
DEFAULT_TTL = timedelta(seconds=60)  # the SDK clients' default item TTL


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(start_time=None, seed=None, clock_mode=None, max_disposable_ttl=None): "
        "settings of the Momento Auth emulator for this test (start_time: epoch seconds, ISO 8601 or datetime)",
    )


class MomentoEmulator(Bootstraps):
    """What a test gets: where the emulator listens, its bootstrap credentials, and its controls."""

    def __init__(self, target: str, control: Control, *, external: bool, web: Callable[[], str] | None = None) -> None:
        self.target = target
        self.control = control
        self.external = external
        self._web = web

    def __repr__(self) -> str:
        where = "external" if self.external else "in-process"
        return f"<MomentoEmulator {self.target} ({where})>"

    @property
    def host(self) -> str:
        from emulator.sdk import split_target

        return split_target(self.target)[0]

    @property
    def port(self) -> int:
        from emulator.sdk import split_target

        return split_target(self.target)[1]

    @property
    def web_url(self) -> str:
        """The gRPC-Web listener (``http://127.0.0.1:PORT``), for ``@gomomento/sdk-web``'s endpoint overrides.

        In-process, the listener starts on first use; an external emulator must have been started with
        ``--web-port`` (its ready file and ``Control.bootstrap().web_url`` name it too).
        """
        url = self._web() if self._web is not None else self.bootstrap.web_url
        if not url:
            raise RuntimeError(f"the emulator at {self.target} serves no gRPC-Web: start it with --web-port 0")
        return url

    @property
    def api_key(self) -> str:
        """The super-user key in the base64 form users hold (``MOMENTO_API_KEY``)."""
        return self.bootstrap.api_key

    @property
    def session_token(self) -> str:
        return self.bootstrap.session_token

    def credential_provider(self, key: str | None = None) -> momento.CredentialProvider:
        """A ``momento.CredentialProvider`` for ``key`` (raw or base64; default the super-user key)."""
        from emulator.sdk import credential_provider

        return credential_provider(self.target, key if key is not None else self.api_key)

    def cache_client(self, key: str | None = None, default_ttl: timedelta = DEFAULT_TTL) -> momento.CacheClient:
        """A ``momento.CacheClient`` presenting ``key`` (default: the super-user key); close it, or use ``with``."""
        import momento

        return momento.CacheClient(momento.Configurations.Laptop.latest(), self.credential_provider(key), default_ttl)

    def cache_client_async(
        self, key: str | None = None, default_ttl: timedelta = DEFAULT_TTL
    ) -> momento.CacheClientAsync:
        """A ``momento.CacheClientAsync``; build it inside the event loop that uses it (``async with``)."""
        import momento

        configuration = momento.Configurations.Laptop.latest()
        return momento.CacheClientAsync(configuration, self.credential_provider(key), default_ttl)

    def topic_client(self, key: str | None = None) -> momento.TopicClient:
        """A ``momento.TopicClient`` presenting ``key`` (default: the super-user key)."""
        import momento

        return momento.TopicClient(momento.TopicConfigurations.Default.latest(), self.credential_provider(key))

    def topic_client_async(self, key: str | None = None) -> momento.TopicClientAsync:
        """A ``momento.TopicClientAsync``; build it inside the event loop that uses it."""
        import momento

        return momento.TopicClientAsync(momento.TopicConfigurations.Default.latest(), self.credential_provider(key))

    def node_settings(self, key: str | None = None) -> dict[str, Any]:
        """The Node SDK's ``CredentialProvider.fromString`` argument for ``key``."""
        from emulator.sdk import node_settings

        return node_settings(self.target, key if key is not None else self.api_key)


class EmulatorSession(Bootstraps):
    """The session's emulator: one started here, or an external one named by the environment."""

    def __init__(self, target: str, control: Control, server: ThreadedEmulatorServer | None = None) -> None:
        self.target = target
        self.control = control
        self.server = server

    @property
    def external(self) -> bool:
        return self.server is None

    def web_url(self) -> str:
        """The gRPC-Web listener's URL: started on demand in-process, as the external emulator says otherwise."""
        return self.server.serve_web() if self.server is not None else self.control.bootstrap().web_url

    def prepare(self, overrides: Mapping[str, Any]) -> Bootstrap:
        """Fresh state (credentials, clock, faults, journal) under ``overrides`` of the settings.

        One admin call in both modes: the emulator's reset takes every setting a test may change.
        """
        return self.control.reset(**overrides)


@pytest.fixture(scope="session")
def momento_emulator_session(pytestconfig: pytest.Config) -> Iterator[EmulatorSession]:
    """The emulator shared by the session: started here, or the one ``MOMENTO_EMULATOR_PYTEST_TARGET`` names."""
    target = os.environ.get(TARGET_ENV, "").strip()
    if target:
        workers = int(getattr(pytestconfig, "workerinput", {}).get("workercount", 1))  # set by pytest-xdist
        if workers > 1:
            pytest.fail(
                f"{TARGET_ENV} names one emulator, and {workers} xdist workers would reset it under each other; "
                "run external mode without -n",
                pytrace=False,
            )
        yield from _external(target, os.environ.get(ADMIN_TOKEN_ENV, ""))
        return
    from emulator.server import ThreadedEmulatorServer

    with ThreadedEmulatorServer(host="127.0.0.1", port=0) as server:
        yield EmulatorSession(server.target, server.control, server)


@pytest.fixture
def momento_emulator_start_time() -> float | str | datetime | None:
    """The emulator's clock at the start of each test (epoch seconds, ISO 8601 or datetime)."""
    return None


@pytest.fixture
def momento_emulator_seed() -> str | None:
    """A seed makes every generated key reproducible."""
    return None


@pytest.fixture
def momento_emulator_clock_mode() -> str | None:
    """``"manual"`` (frozen, the default) or ``"system"`` (follows the host clock)."""
    return None


@pytest.fixture
def momento_emulator_max_disposable_ttl() -> int | None:
    """The longest disposable token lifetime in seconds (the emulator's default is 3600)."""
    return None


@pytest.fixture
def momento_emulator(
    request: pytest.FixtureRequest,
    momento_emulator_session: EmulatorSession,
    momento_emulator_start_time: float | str | datetime | None,
    momento_emulator_seed: str | None,
    momento_emulator_clock_mode: str | None,
    momento_emulator_max_disposable_ttl: int | None,
) -> MomentoEmulator:
    """The session's emulator, reset for this test and configured by the fixtures and the marker."""
    values: dict[str, Any] = {
        "start_time": momento_emulator_start_time,
        "seed": momento_emulator_seed,
        "clock_mode": momento_emulator_clock_mode,
        "max_disposable_ttl": momento_emulator_max_disposable_ttl,
    }
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # the closest marker applies last
        unknown = sorted(set(marker.kwargs) - set(SETTING_NAMES))
        if marker.args or unknown:
            what = f"not {', '.join(unknown)}" if unknown else "no positional arguments"
            pytest.fail(
                f"@pytest.mark.{MARKER} takes only keywords among {', '.join(SETTING_NAMES)} ({what})", pytrace=False
            )
        values.update(marker.kwargs)
    overrides = {name: value for name, value in values.items() if value is not None}
    session = momento_emulator_session
    from emulator.control import ControlError

    try:
        session.prepare(overrides)
        refused = ""
    except ControlError as error:
        if error.code != "INVALID_ARGUMENT":
            raise
        refused = error.message
    if refused:  # failed outside the except block: one line, no chained exception
        pytest.fail(
            f"momento_emulator settings (from the momento_emulator_* fixtures or @pytest.mark.{MARKER}): {refused}",
            pytrace=False,
        )
    return MomentoEmulator(session.target, session.control, external=session.external, web=session.web_url)


@pytest.fixture
def momento_cache_client(momento_emulator: MomentoEmulator) -> Iterator[momento.CacheClient]:
    """A ``momento.CacheClient`` on this test's emulator, with the super-user key and a 60 s default TTL."""
    with momento_emulator.cache_client() as client:
        yield client


@pytest.fixture
def momento_topic_client(momento_emulator: MomentoEmulator) -> Iterator[momento.TopicClient]:
    """A ``momento.TopicClient`` on this test's emulator, with the super-user key."""
    with momento_emulator.topic_client() as client:
        yield client


try:
    import pytest_asyncio
except ImportError:  # the async client fixtures need pytest-asyncio; the factories work without it
    pass
else:

    @pytest_asyncio.fixture
    async def momento_cache_client_async(momento_emulator: MomentoEmulator) -> AsyncIterator[momento.CacheClientAsync]:
        """A ``momento.CacheClientAsync`` on this test's emulator, built in the fixture's event loop."""
        async with momento_emulator.cache_client_async() as client:
            yield client

    @pytest_asyncio.fixture
    async def momento_topic_client_async(momento_emulator: MomentoEmulator) -> AsyncIterator[momento.TopicClientAsync]:
        """A ``momento.TopicClientAsync`` on this test's emulator, built in the fixture's event loop."""
        async with momento_emulator.topic_client_async() as client:
            yield client


def _external(target: str, admin_token: str) -> Iterator[EmulatorSession]:
    from emulator.control import ControlError, remote_control

    control: RemoteControl = remote_control(target, admin_token=admin_token)
    with control:
        try:
            control.bootstrap()
        except ControlError as error:
            pytest.fail(f"{TARGET_ENV}={target}: the emulator's admin API answered {error}", pytrace=False)
        yield EmulatorSession(target, control)
