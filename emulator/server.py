"""The only place that builds a ``grpc.aio`` server: one port for Momento's services and the admin API.

:class:`EmulatorServer` is an async context manager on the caller's event loop;
:class:`ThreadedEmulatorServer` hosts one on its own thread and loop for synchronous code.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2

from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument, Unavailable
from emulator.core.values import port_number
from emulator.reachable import Bootstraps
from emulator.services.bundled import add_health_and_reflection
from emulator.services.registry import CATALOG, RPCS, SERVICE_NAMES
from emulator.services.rpc import ADMIN_TOKEN_RULE, Dispatcher, usable_as_admin_token

if TYPE_CHECKING:
    from emulator.control import Control
    from emulator.tls import Certificate, TlsOptions
    from emulator.web import WebGateway

# What grpc itself accepts: large enough for the state document of ~400k keys (ImportState);
# Momento requests have their own, smaller limit (MAX_MOMENTO_REQUEST_BYTES in services/rpc.py).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
DEFAULT_GRACE_SECONDS = 5.0
# The SDKs' keepalive: the Node TopicClient pings every 5 s, with or without a call open. grpc's
# server default (a ping at most every 5 minutes without data, two strikes) answers that with
# GOAWAY "too_many_pings" and a reconnect; accept keepalive pings down to one a second.
KEEPALIVE_OPTIONS = (
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 1000),
)
# The options of every emulator server (the benchmarks' bare server uses them too, to compare alike).
SERVER_OPTIONS = (
    ("grpc.so_reuseport", 0),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    *KEEPALIVE_OPTIONS,
)


class PortInUse(OSError):
    """The requested address could not be bound."""


class EmulatorServer(Bootstraps):
    """An emulator serving on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str = "",
        state_document: dict[str, Any] | None = None,
        web_port: int | None = None,
        tls: TlsOptions | None = None,
    ) -> None:
        """``tls``: TLS on the main port or on a second one (see :class:`emulator.tls.TlsOptions`)."""
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"settings: expected emulator.Settings, got {type(settings).__name__}")
        try:  # refused as ValueError, as Python's own APIs refuse a bad argument
            port_number(port, "port")
            if web_port is not None:
                port_number(web_port, "web_port", " (or None: no gRPC-Web)")
        except InvalidArgument as error:
            raise ValueError(error.message) from None
        if not isinstance(admin_token, str) or not usable_as_admin_token(admin_token):
            raise ValueError(f"admin_token: {ADMIN_TOKEN_RULE}")
        self.host = host
        self.port = port
        self._settings = settings or Settings()
        self._admin_token = admin_token
        self._state_document = state_document
        self._tls = tls
        self.certificate: Certificate | None = None  # the one served, once started with TLS
        self.tls_port: int | None = None
        self._server: grpc.aio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher: Dispatcher | None = None
        self._health: health.aio.HealthServicer | None = None
        self.emulator: Emulator | None = None
        self._control: Control | None = None
        self._web_port = web_port
        self._web: WebGateway | None = None

    @property
    def web_url(self) -> str:
        """Where browsers reach the gRPC-Web listener (``http://127.0.0.1:PORT``; ``https://`` with TLS); "" if none."""
        return self._web.url if self._web is not None else ""

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def tls_target(self) -> str | None:
        """``host:port`` of the TLS listener (the main one under ``TlsOptions(port=None)``), once started."""
        if self.tls_port is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.tls_port}"

    @property
    def control(self) -> Control:
        """Clock, reset, keys, faults and journal as plain calls (in-process, no network)."""
        if self.emulator is None:
            raise RuntimeError("start the server first")
        if self._control is None:
            from emulator.control import local_control  # the CLI serves without it: quicker start-up

            self._control = local_control(self.emulator)
        return self._control

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"the emulator on {self.target} is already started")
        server = grpc.aio.server(options=list(SERVER_OPTIONS))
        settings = self._settings
        certificate = None if self._tls is None else self._certificate(settings.endpoint or self.host)
        try:
            self.port, self.tls_port = self._listen(server, certificate)
        except BaseException:
            await server.start()  # grpc keeps a bound port open until the server has started: let it go
            await server.stop(None)
            raise
        if not settings.endpoint:
            settings = replace(settings, endpoint=self.target)
        try:
            emulator = Emulator(settings)
            if self._state_document is not None:
                self._load(emulator, self._state_document)
        except BaseException:
            # grpc keeps a bound port open until the server has started: start it to let it go.
            await server.start()
            await server.stop(None)
            raise
        self.emulator, self._control, self.certificate = emulator, None, certificate
        self._dispatcher = dispatcher = Dispatcher(emulator, self._admin_token, CATALOG)
        server.add_generic_rpc_handlers((dispatcher.handlers(RPCS),))
        self._health = add_health_and_reflection(server, SERVICE_NAMES)
        await server.start()
        self._server, self._loop = server, asyncio.get_running_loop()
        if self._web_port is not None:
            try:
                await self.serve_web(self._web_port)
            except BaseException:
                self._server = None
                await server.stop(None)
                raise
        for name in ("", *SERVICE_NAMES):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def serve_web(self, port: int = 0) -> str:
        """Start the gRPC-Web listener on ``port`` (0: any) of this server's host, if not started; its URL.

        It serves HTTPS with the server's certificate when the server has one, and hands each call to
        the dispatcher of the gRPC port.
        """
        if self._web is not None:
            return self._web.url
        if self._server is None or self.emulator is None or self._dispatcher is None:
            raise RuntimeError("start the server first")
        from emulator.web import WebGateway  # aiohttp is imported only when gRPC-Web is asked for

        context = None if self.certificate is None else self.certificate.ssl_context()
        gateway = WebGateway(self._dispatcher, host=self.host, port=port, ssl_context=context)
        try:
            await gateway.start()
        except OSError as error:
            raise PortInUse(f"cannot listen on {self.host}:{port} for gRPC-Web: {error.strerror or error}") from None
        self._web = gateway
        self.emulator.web_url = gateway.url
        return gateway.url

    def _certificate(self, endpoint: str) -> Certificate:
        from emulator.tls import Certificate  # only TLS needs it

        assert self._tls is not None
        return self._tls.certificate or Certificate.generate(endpoint)

    def _listen(self, server: grpc.aio.Server, certificate: Certificate | None) -> tuple[int, int | None]:
        """Bind the main port (TLS or plaintext) and the second, TLS one if asked: ``(port, tls_port)``."""
        credentials = None if certificate is None else certificate.server_credentials()
        tls_port = None if self._tls is None else self._tls.port
        host = self.target.rpartition(":")[0]
        main_tls = credentials is not None and tls_port is None
        try:
            if credentials is not None and main_tls:
                port = server.add_secure_port(self.target, credentials)
            else:
                port = server.add_insecure_port(self.target)
        except RuntimeError as error:
            raise PortInUse(f"cannot listen on {self.target}: the address is in use or not available") from error
        if credentials is None or tls_port is None:
            return port, port if main_tls else None
        try:
            return port, server.add_secure_port(f"{host}:{tls_port}", credentials)
        except RuntimeError as error:
            raise PortInUse(f"cannot listen on {host}:{tls_port}: the address is in use or not available") from error

    @staticmethod
    def _load(emulator: Emulator, document: dict[str, Any]) -> None:
        try:
            emulator.load(document, CATALOG)
        except InvalidArgument as error:
            raise InvalidArgument("state document", error.message) from None

    async def stop(self, grace: float | None = DEFAULT_GRACE_SECONDS) -> None:
        """Stop accepting calls; in-flight calls get ``grace`` seconds to finish."""
        if self._server is None:
            return
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError("stop the emulator on the event loop that started it")
        server, self._server = self._server, None
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        if self._dispatcher is not None:
            self._dispatcher.cut_delays_short()  # in-flight calls held by a delay fault answer now
        if self.emulator is not None:  # open subscriptions would hold the stop for its whole grace period
            self.emulator.state.topics.end_subscriptions(Unavailable("server: the emulator is stopping"))
        web, self._web = self._web, None
        # Both listeners stop taking calls and let in-flight ones finish (web streams ended just above).
        await asyncio.gather(server.stop(grace), *(() if web is None else (web.stop(),)))
        if self.emulator is not None:
            self.emulator.web_url = ""

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.stop()


class ThreadedEmulatorServer(Bootstraps):
    """An :class:`EmulatorServer` on its own thread and event loop; never touches the caller's loop."""

    def __init__(self, settings: Settings | None = None, **options: Any) -> None:
        self.server = EmulatorServer(settings, **options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def emulator(self) -> Emulator:
        if self.server.emulator is None:
            raise RuntimeError("start the server first")
        return self.server.emulator

    @property
    def target(self) -> str:
        return self.server.target

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def control(self) -> Control:
        """Clock, reset, keys, faults and journal as plain calls; safe from any thread."""
        return self.server.control

    @property
    def web_url(self) -> str:
        """Where browsers reach the gRPC-Web listener; "" without one (see :meth:`serve_web`)."""
        return self.server.web_url

    def serve_web(self, port: int = 0) -> str:
        """Start the gRPC-Web listener (if not started) on the server's loop; its URL."""
        if self._loop is None:
            raise RuntimeError("start the server first")
        return asyncio.run_coroutine_threadsafe(self.server.serve_web(port), self._loop).result()

    def start(self, timeout: float = 30.0) -> ThreadedEmulatorServer:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        started: asyncio.Future[None] = loop.create_future()

        async def boot() -> None:
            try:
                await self.server.start()
            except BaseException as error:  # hand any start failure to the caller's thread
                started.set_exception(error)
                return
            started.set_result(None)

        # Whether the thread goes on serving is decided once, under this lock: the caller may give
        # up waiting (a timeout) at the very moment the start completes.
        decision = threading.Lock()
        abandoned = serving = False

        def run() -> None:
            nonlocal serving
            asyncio.set_event_loop(loop)
            loop.run_until_complete(boot())
            with decision:
                serving = started.exception() is None and not abandoned
            if serving:
                loop.run_forever()
            elif started.exception() is None:  # the caller gave up: stop what the late start started
                loop.run_until_complete(self.server.stop(None))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        ready = threading.Event()
        started.add_done_callback(lambda _: ready.set())
        self._loop = loop
        self._thread = threading.Thread(target=run, name="momento-auth-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            with decision:
                abandoned = True
                give_back = serving
            if give_back:  # it started just as the wait ended: stop it as usual
                self.stop(None)
            self._loop = self._thread = None
            raise TimeoutError(f"the emulator did not start within {timeout} s; it is stopped")
        if started.exception() is not None:
            self._thread.join()
            self._thread = None
            raise started.exception()  # type: ignore[misc]
        return self

    def stop(self, grace: float | None = DEFAULT_GRACE_SECONDS) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(grace), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._loop = self._thread = None

    def __enter__(self) -> ThreadedEmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
