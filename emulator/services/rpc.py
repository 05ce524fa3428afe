"""What every RPC of the registry goes through: decode, fault injection, its handler, status mapping, journal, log.

Handlers are registered without a request deserializer, so a body that does not decode is
answered INVALID_ARGUMENT here instead of grpcio's UNKNOWN. Calls that arrive another way (gRPC-Web)
enter through :meth:`Dispatcher.unary` and :meth:`Dispatcher.stream`: the same path, without grpc.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import methodcaller
from typing import NoReturn, Protocol

import grpc
from google.protobuf.message import DecodeError, Message

from emulator.core.clock import to_iso, wall_time
from emulator.core.credentials import Credential
from emulator.core.emulator import Emulator
from emulator.core.errors import EmulatorError, InvalidArgument, Unauthenticated
from emulator.core.faults import Catalog, FaultRule
from emulator.core.state import State
from emulator.services.call import Call
from emulator.services.registry import CATALOG, Rpc, Streaming
from emulator.services.status import code_named, status_of, trailers_of

log = logging.getLogger("emulator.rpc")

ADMIN_TOKEN_HEADER = "x-emulator-admin-token"
ADMIN_TOKEN_RULE = "must be printable ASCII without spaces, to travel in a gRPC header"
# Requests larger than this are journaled as their size only, so that the journal's memory, and the
# time to read it back, stay small: an SDK's requests are a few hundred bytes.
MAX_JOURNALED_REQUEST_BYTES = 4 * 1024
MAX_MOMENTO_REQUEST_BYTES = 1024 * 1024  # our rule: larger Momento requests get RESOURCE_EXHAUSTED
# Status details travel percent-encoded in a header that grpc limits to 8 KiB with the others.
MAX_DETAILS_BYTES = 4096


def usable_as_admin_token(token: str) -> bool:
    """Whether every gRPC client can send ``token`` as a header value ("" means no token)."""
    return all("!" <= char <= "~" for char in token)


class Refusal(Exception):
    """A call answered with this status: an injected fault, a request over the size limit, a gRPC-Web
    request that is not well formed, or any refusal of a call that entered without grpc (with its
    trailing metadata)."""

    def __init__(self, code: grpc.StatusCode, message: str, trailers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.trailers = trailers


class _Context(Protocol):
    """What the dispatcher asks of a call's context: grpc's, or :class:`_Direct` for calls without grpc."""

    def invocation_metadata(self) -> Sequence[tuple[str, str | bytes]] | None: ...

    async def abort(
        self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, str], ...]
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class _Direct:
    """The context of a call that did not come through grpc: its metadata, and an abort that raises."""

    metadata: tuple[tuple[str, str], ...]

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, str], ...]) -> None:
        raise Refusal(code, details, trailing_metadata)


@dataclass(slots=True)
class _Trace:
    """What the journal and the log keep of one call, filled in as the call goes."""

    rpc: Rpc
    state: State  # one state for the whole call, even across a reset
    raw: bytes
    started: float
    request: Message | None = None
    caller: Credential | None = None
    finished: bool = False


class Dispatcher:
    """Turns registry rows into gRPC handlers bound to one emulator.

    Every call: the admin token (admin rows) or the size limit (Momento rows), decode, the caller
    identified from where the row says, faults (Momento rows), the handler, then one journal entry
    (rows with ``journaled``) and one log line (rows with ``logged``), also for a cancelled call:
    DEBUG when the call succeeded, INFO otherwise.
    """

    def __init__(self, emulator: Emulator, admin_token: str = "", catalog: Catalog = CATALOG) -> None:
        self._emulator = emulator
        self._admin_token = admin_token
        self._catalog = catalog
        self._stopping = asyncio.Event()

    def cut_delays_short(self) -> None:
        """End injected delays now, and skip later ones: the server is stopping and its calls should finish."""
        self._stopping.set()

    async def unary(self, rpc: Rpc, raw: bytes, metadata: tuple[tuple[str, str], ...]) -> Message:
        """Serve one unary call that did not come through grpc; any status but OK raises :class:`Refusal`."""
        return await self._unary(rpc, raw, _Direct(metadata))

    def stream(self, rpc: Rpc, raw: bytes, metadata: tuple[tuple[str, str], ...]) -> AsyncGenerator[Message, None]:
        """Serve one server-streaming call that did not come through grpc (close it to cancel the call)."""
        return self._stream(rpc, raw, _Direct(metadata))

    def handlers(self, rpcs: Sequence[Rpc]) -> grpc.GenericRpcHandler:
        """One handler for all of ``rpcs``, whatever their services: a call is routed by one lookup of
        its path (one handler per service would have grpc ask each in turn)."""
        return _Routes({rpc.path: self._handler(rpc) for rpc in rpcs})

    def _handler(self, rpc: Rpc) -> grpc.RpcMethodHandler[bytes, Message]:
        serialize = methodcaller("SerializeToString")
        if rpc.streaming is Streaming.SERVER:  # the async generator itself: grpc closes it on cancellation
            return grpc.unary_stream_rpc_method_handler(partial(self._stream, rpc), response_serializer=serialize)
        unary = self._unary

        async def serve(raw: bytes, context: _Context) -> Message:
            return await unary(rpc, raw, context)

        # A plain coroutine function rather than partial(self._unary, rpc): grpc inspects the handler on
        # every call, and a partial of a bound method costs it a dozen attribute lookups there.
        return grpc.unary_unary_rpc_method_handler(serve, response_serializer=serialize)

    def _trace(self, rpc: Rpc, raw: bytes) -> _Trace:
        return _Trace(rpc, self._emulator.state, raw, time.perf_counter())

    async def _unary(self, rpc: Rpc, raw: bytes, context: _Context) -> Message:
        trace = self._trace(rpc, raw)
        try:
            response = trace.rpc.handler(await self._open(trace, context), trace.request)
            if not isinstance(response, Message):  # an awaitable of one
                response = await response
        except asyncio.CancelledError:
            self._finish(trace, "CANCELLED", "cancelled")
            raise
        except Exception as error:
            await self._refuse(trace, error, context)
        self._finish(trace, "OK", "")
        return response  # type: ignore[no-any-return]

    async def _stream(self, rpc: Rpc, raw: bytes, context: _Context) -> AsyncGenerator[Message, None]:
        trace = self._trace(rpc, raw)
        responses: AsyncIterator[Message] | None = None
        try:
            responses = _each(trace.rpc.handler(await self._open(trace, context), trace.request))
            async for response in responses:
                yield response
        except (asyncio.CancelledError, GeneratorExit):  # the client went away, or the server stopped
            self._finish(trace, "CANCELLED", "cancelled")
            raise
        except Exception as error:
            await self._refuse(trace, error, context)
        finally:
            close = getattr(responses, "aclose", None)
            if close is not None:  # an async generator handler's own clean-up (finally blocks) runs now
                await close()
        self._finish(trace, "OK", "")

    async def _open(self, trace: _Trace, context: _Context) -> Call:
        """Everything before the handler: checks, decode, caller, faults; the handler's :class:`Call`."""
        rpc, state = trace.rpc, trace.state
        metadata: dict[str, str | bytes] = dict(context.invocation_metadata() or ())
        momento = rpc.momento
        if not momento:
            self._check_admin(metadata)  # before the body is read: no answer about it without the token
        elif len(trace.raw) > MAX_MOMENTO_REQUEST_BYTES:
            raise Refusal(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"request: {len(trace.raw)} bytes; Momento requests are limited to {MAX_MOMENTO_REQUEST_BYTES} bytes",
            )
        try:
            trace.request = request = rpc.request.FromString(trace.raw)
        except DECODE_ERRORS as error:
            raise undecodable(rpc.request.DESCRIPTOR.full_name, error) from None
        presented = "" if rpc.credential is None else rpc.credential(request, metadata)
        if momento:
            caller = trace.caller = None if rpc.credential is None else state.identify(presented)
            rule = state.faults.take(rpc.path, caller.key_id if caller else "", caller.token_id if caller else "")
            if rule is not None:
                await self._inject(rule)
        return Call(
            self._emulator, state, state.clock.now(), self._catalog,
            trace.caller, presented, metadata, rpc.action if isinstance(rpc.action, str) else rpc.action(request),
        )  # fmt: skip

    async def _refuse(self, trace: _Trace, error: Exception, context: _Context) -> NoReturn:
        """Journal and log the call as failed with ``error``'s status, then answer with it."""
        trailers: tuple[tuple[str, str], ...] = ()
        if isinstance(error, EmulatorError):
            code, details, trailers = status_of(error), error.message, trailers_of(error)
        elif isinstance(error, Refusal):
            code, details, trailers = error.code, error.message, error.trailers
        else:
            log.error("unexpected error serving %s", trace.rpc.path, exc_info=error)
            code, details = grpc.StatusCode.INTERNAL, "internal error in the emulator; see its log"
        details = _bounded(details)  # details may echo input
        self._finish(trace, code.name, details)
        await context.abort(code, details, trailers)
        raise AssertionError("abort returned")  # grpc's abort always raises

    async def _inject(self, rule: FaultRule) -> None:
        """An injected fault's delay, then its status (none for an OK rule)."""
        if rule.delay:  # wall time: the emulator clock does not move
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), rule.delay)
        if rule.code != "OK":
            raise Refusal(code_named(rule.code), rule.message or f"injected fault {rule.rule_id} ({rule.code})")

    def _check_admin(self, metadata: Mapping[str, str | bytes]) -> None:
        if not self._admin_token:
            return
        given = metadata.get(ADMIN_TOKEN_HEADER, "")
        if not hmac.compare_digest(str(given).encode(), self._admin_token.encode()):
            raise Unauthenticated(f"{ADMIN_TOKEN_HEADER}: admin calls need the emulator's admin token")

    def _finish(self, trace: _Trace, status: str, details: str) -> None:
        """Record the call once, with its status (a ``grpc.StatusCode`` name): a journal entry and a log
        line, as its registry row says."""
        if trace.finished:
            return
        trace.finished = True
        rpc, state, caller = trace.rpc, trace.state, trace.caller
        latency_ms = (time.perf_counter() - trace.started) * 1000
        now = state.clock.now()
        kind = str(caller.kind) if caller else ""  # a StrEnum: its value
        key_id = caller.key_id if caller else ""
        if rpc.journaled:
            raw = trace.raw
            # The request's type and bytes, decoded again when the journal is read: a decoded message
            # keeps about 1 KiB more than its bytes (its arena), for each of the journal's entries.
            request = (
                _omitted(raw) if len(raw) > MAX_JOURNALED_REQUEST_BYTES
                else None if trace.request is None else (rpc.request, raw)
            )  # fmt: skip
            state.journal.record(
                method=rpc.path, emulator_time=now, wall_time=wall_time(), caller_kind=kind, key_id=key_id,
                code=status, details=details, latency_ms=latency_ms, request=request,
            )  # fmt: skip
        # A call that succeeded is a DEBUG line, any other outcome an INFO line: at the default level
        # the log shows what went wrong (refusals, faults, cancellations) and the hot path writes
        # nothing; the journal keeps every call either way.
        level = logging.DEBUG if status == "OK" else logging.INFO
        if rpc.logged and log.isEnabledFor(level):
            fields = {
                "method": rpc.path, "status": status, "emulator_time": to_iso(now),
                "caller_kind": kind, "key_id": key_id, "latency_ms": round(latency_ms, 3),
            }  # fmt: skip
            log.log(
                level,
                "%s %s at %s caller=%s/%s %.2fms%s",
                rpc.name, status, fields["emulator_time"], kind or "-", key_id or "-", latency_ms,
                f" ({details.translate(_ESCAPED)})" if details else "", extra={"rpc": fields},
            )  # fmt: skip


class _Routes(grpc.GenericRpcHandler):
    def __init__(self, by_path: dict[str, grpc.RpcMethodHandler[bytes, Message]]) -> None:
        self._by_path = by_path

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[bytes, Message] | None:
        return self._by_path.get(handler_call_details.method)


def _each(responses: AsyncIterable[Message] | Iterable[Message]) -> AsyncIterator[Message]:
    """A streaming handler's responses as an async iterator, whether it returned a list or is an async generator."""
    if isinstance(responses, AsyncIterable):
        return aiter(responses)

    async def each() -> AsyncIterator[Message]:
        for response in responses:
            yield response

    return each()


# Control characters in details (which may echo input) are escaped in log lines: a newline in a
# fault message must not start a line of its own.
_ESCAPED = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


def _bounded(details: str) -> str:
    """``details``, cut short with an ellipsis if its percent-encoded form would pass MAX_DETAILS_BYTES."""
    size = 0
    for index, char in enumerate(details):
        size += 1 if " " <= char <= "~" and char != "%" else 3 * len(char.encode(errors="replace"))
        if size > MAX_DETAILS_BYTES - 9:  # room for the ellipsis, itself percent-encoded
            return details[:index] + "…"
    return details


def _omitted(raw: bytes) -> dict[str, str]:
    """What the journal keeps of a request over MAX_JOURNALED_REQUEST_BYTES: its size."""
    return {"omitted": f"a {len(raw)}-byte request; requests over {MAX_JOURNALED_REQUEST_BYTES} bytes are not kept"}


# What protobuf raises for a body that is not the expected message.
DECODE_ERRORS = (DecodeError, RuntimeError, ValueError)


def undecodable(message_name: str, error: Exception) -> InvalidArgument:
    return InvalidArgument("request", f"the body is not a valid {message_name} message ({error})")
