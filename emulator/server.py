"""The only place that builds a ``grpc.aio`` server: one port for Momento's services and the admin API.

:class:`EmulatorServer` is an async context manager on the caller's event loop;
:class:`ThreadedEmulatorServer` hosts one on its own thread and loop for synchronous code.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.services.admin import AdminService
from emulator.services.momento import AUTH_METHODS, TOKEN_METHODS
from emulator.services.rpc import ADMIN_TOKEN_RULE, DECODE_ERRORS, Dispatcher, undecodable, usable_as_admin_token

if TYPE_CHECKING:
    from emulator.control import Bootstrap, Control

# What grpc itself accepts: large enough for the state document of ~400k keys (ImportState);
# Momento requests have their own, smaller limit (MAX_MOMENTO_REQUEST_BYTES in services/rpc.py).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
DEFAULT_GRACE_SECONDS = 5.0
SERVICE_NAMES = ("auth.Auth", "token.Token", AdminService.SERVICE)


class PortInUse(OSError):
    """The requested address could not be bound."""


class EmulatorServer:
    """An emulator serving on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str = "",
        state_document: dict[str, Any] | None = None,
    ) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"settings: expected emulator.Settings, got {type(settings).__name__}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port: {port!r} is not a port number from 0 to 65535")
        if not isinstance(admin_token, str) or not usable_as_admin_token(admin_token):
            raise ValueError(f"admin_token: {ADMIN_TOKEN_RULE}")
        self.host = host
        self.port = port
        self._settings = settings or Settings()
        self._admin_token = admin_token
        self._state_document = state_document
        self._server: grpc.aio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher: Dispatcher | None = None
        self._health: health.aio.HealthServicer | None = None
        self.emulator: Emulator | None = None
        self._control: Control | None = None

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def control(self) -> Control:
        """Clock, reset, keys, faults and journal as plain calls (in-process, no network)."""
        if self.emulator is None:
            raise RuntimeError("start the server first")
        if self._control is None:
            from emulator.control import local_control  # the CLI serves without it: quicker start-up

            self._control = local_control(self.emulator)
        return self._control

    @property
    def bootstrap(self) -> Bootstrap:
        """The current super-user key and session token (they change on reset unless seeded)."""
        return self.control.bootstrap()

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"the emulator on {self.target} is already started")
        server = grpc.aio.server(
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ]
        )
        try:
            self.port = server.add_insecure_port(f"{self.target}")
        except RuntimeError as error:
            raise PortInUse(f"cannot listen on {self.target}: the address is in use or not available") from error
        settings = self._settings
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
        self.emulator, self._control = emulator, None
        self._dispatcher = dispatcher = Dispatcher(emulator, self._admin_token)
        server.add_generic_rpc_handlers(
            (
                dispatcher.service("auth.Auth", AUTH_METHODS),
                dispatcher.service("token.Token", TOKEN_METHODS),
                dispatcher.service(AdminService.SERVICE, AdminService(emulator).methods()),
            )
        )
        self._health = health.aio.HealthServicer()
        bundled = _DecodeGuard(server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, bundled)
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
            reflection.aio.ReflectionServicer((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME)), bundled
        )
        await server.start()
        for name in ("", *SERVICE_NAMES):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._server, self._loop = server, asyncio.get_running_loop()

    @staticmethod
    def _load(emulator: Emulator, document: dict[str, Any]) -> None:
        try:
            emulator.load(document)
        except InvalidArgument as error:
            raise InvalidArgument(f"state document: {error.message}") from None

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
        await server.stop(grace)

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


class _DecodeGuard:
    """Stands in for the server while grpcio's generated code registers the health and reflection handlers.

    Each handler is registered without its request deserializer and decodes the body itself, so a body
    that is not a valid message gets INVALID_ARGUMENT, as from the emulator's own services, not UNKNOWN.
    """

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(tuple(_GuardedGeneric(handler) for handler in handlers))

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        self._server.add_registered_method_handlers(service, {name: _guarded(h) for name, h in handlers.items()})


class _GuardedGeneric(grpc.GenericRpcHandler):
    def __init__(self, handler: grpc.GenericRpcHandler) -> None:
        self._handler = handler

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any] | None:
        found = self._handler.service(handler_call_details)
        return None if found is None else _guarded(found)


_HANDLER_FACTORIES = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def _guarded(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """``handler`` (of an aio servicer) with its request body decoded, or refused, inside the call."""
    deserialize = handler.request_deserializer
    if deserialize is None:
        return handler
    owner = getattr(deserialize, "__self__", None)  # generated code passes the request type's FromString
    name = owner.DESCRIPTOR.full_name if isinstance(owner, type) and issubclass(owner, Message) else "request"
    behaviors = (handler.unary_unary, handler.unary_stream, handler.stream_unary, handler.stream_stream)
    behavior = cast("Callable[..., Any]", next(b for b in behaviors if b is not None))

    async def decode(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return deserialize(raw)
        except DECODE_ERRORS as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, undecodable(name, error).message)

    async def decode_all(raws: AsyncIterable[bytes], context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        async for raw in raws:
            yield await decode(raw, context)

    async def call(arrived: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        request = decode_all(arrived, context) if handler.request_streaming else await decode(arrived, context)
        result = behavior(request, context)
        if inspect.isasyncgen(result):  # responses yielded, not written
            async for response in result:
                await context.write(response)
            return None
        return await result

    factory = _HANDLER_FACTORIES[handler.request_streaming, handler.response_streaming]
    return factory(call, response_serializer=handler.response_serializer)


class ThreadedEmulatorServer:
    """An :class:`EmulatorServer` on its own thread and event loop; never touches the caller's loop."""

    def __init__(self, settings: Settings | None = None, **options: Any) -> None:
        self.server = EmulatorServer(settings, **options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher: Dispatcher | None = None
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
    def bootstrap(self) -> Bootstrap:
        return self.server.control.bootstrap()

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
