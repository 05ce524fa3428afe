"""What every RPC goes through: decode, fault injection, one core call, status mapping, journal, log.

Handlers are registered without a request deserializer, so a body that does not decode is
answered INVALID_ARGUMENT here instead of grpcio's UNKNOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message

from emulator.core.clock import to_iso, wall_time
from emulator.core.emulator import Emulator
from emulator.core.errors import EmulatorError, InvalidArgument, Unauthenticated
from emulator.core.state import State
from emulator.services.status import code_named, status_of

log = logging.getLogger("emulator.rpc")

ADMIN_TOKEN_HEADER = "x-emulator-admin-token"
ADMIN_TOKEN_RULE = "must be printable ASCII without spaces, to travel in a gRPC header"
# Requests larger than this are journaled as their size only, so that the journal's memory, and the
# time to read it back, stay small: an SDK's requests are a few hundred bytes.
MAX_JOURNALED_REQUEST_BYTES = 4 * 1024
MAX_MOMENTO_REQUEST_BYTES = 1024 * 1024  # our rule: larger Momento requests get RESOURCE_EXHAUSTED
# Status details travel percent-encoded in a header that grpc limits to 8 KiB with the others.
MAX_DETAILS_BYTES = 4096

Handler = Callable[[State, Any], Any]


@dataclass(frozen=True)
class Method:
    """One RPC: its path, request type, and the function that serves it."""

    path: str
    request_type: type[Message]
    handle: Handler
    credential: Callable[[Any], str] | None = None  # the caller's key, for journal and faults
    momento: bool = True  # Momento methods are journaled and take faults; admin ones need the admin token
    streaming: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[1]


def usable_as_admin_token(token: str) -> bool:
    """Whether every gRPC client can send ``token`` as a header value ("" means no token)."""
    return all("!" <= char <= "~" for char in token)


class Refusal(Exception):
    """A call answered with this status: an injected fault, or a request over the size limit."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Dispatcher:
    """Turns :class:`Method` tables into gRPC handlers bound to one emulator."""

    def __init__(self, emulator: Emulator, admin_token: str = "") -> None:
        self._emulator = emulator
        self._admin_token = admin_token
        self._stopping = asyncio.Event()

    def cut_delays_short(self) -> None:
        """End injected delays now, and skip later ones: the server is stopping and its calls should finish."""
        self._stopping.set()

    def service(self, name: str, methods: Sequence[Method]) -> grpc.GenericRpcHandler:
        handlers = {m.name: self._handler(m) for m in methods}
        return grpc.method_handlers_generic_handler(name, handlers)

    def _handler(self, method: Method) -> grpc.RpcMethodHandler[bytes, Message]:
        def serialize(message: Message) -> bytes:
            return message.SerializeToString()

        if method.streaming:

            async def stream(raw: bytes, context: grpc.aio.ServicerContext[bytes, Message]) -> AsyncIterator[Message]:
                for message in await self._call(method, raw, context):
                    yield message

            return grpc.unary_stream_rpc_method_handler(stream, response_serializer=serialize)

        async def unary(raw: bytes, context: grpc.aio.ServicerContext[bytes, Message]) -> Message:
            return await self._call(method, raw, context)  # type: ignore[no-any-return]

        return grpc.unary_unary_rpc_method_handler(unary, response_serializer=serialize)

    async def _call(self, method: Method, raw: bytes, context: grpc.aio.ServicerContext[bytes, Message]) -> Any:
        state = self._emulator.state  # one state for the whole call, even across a reset
        started = time.perf_counter()
        request: Message | None = None
        caller = None
        code, details, response = grpc.StatusCode.OK, "", None
        try:
            if not method.momento:
                self._check_admin(context)  # before the body is read: no answer about it without the token
            elif len(raw) > MAX_MOMENTO_REQUEST_BYTES:
                raise Refusal(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"request: {len(raw)} bytes; Momento requests are limited to {MAX_MOMENTO_REQUEST_BYTES} bytes",
                )
            request = _decode(method, raw)
            if method.momento:
                if method.credential is not None:
                    caller = state.identify(method.credential(request))
                await self._inject(state, method, caller)
            response = method.handle(state, request)
        except EmulatorError as error:
            code, details = status_of(error), error.message
        except Refusal as refusal:
            code, details = refusal.code, refusal.message
        except asyncio.CancelledError:
            self._finish(state, method, _kept(request, raw), caller, grpc.StatusCode.CANCELLED, "cancelled", started)
            raise
        except Exception:
            log.exception("unexpected error serving %s", method.path)
            code, details = grpc.StatusCode.INTERNAL, "internal error in the emulator; see its log"
        details = _bounded(details)  # details may echo input
        self._finish(state, method, _kept(request, raw), caller, code, details, started)
        if code is not grpc.StatusCode.OK:
            await context.abort(code, details)
        return response

    async def _inject(self, state: State, method: Method, caller: Any) -> None:
        rule = state.faults.take(method.path, caller.key_id if caller else "", caller.token_id if caller else "")
        if rule is None:
            return
        if rule.delay:  # wall time: the emulator clock does not move
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), rule.delay)
        if rule.code != "OK":
            raise Refusal(code_named(rule.code), rule.message or f"injected fault {rule.rule_id} ({rule.code})")

    def _check_admin(self, context: grpc.aio.ServicerContext[bytes, Message]) -> None:
        if not self._admin_token:
            return
        given = dict(context.invocation_metadata() or ()).get(ADMIN_TOKEN_HEADER, "")
        if not hmac.compare_digest(str(given).encode(), self._admin_token.encode()):
            raise Unauthenticated(f"{ADMIN_TOKEN_HEADER}: admin calls need the emulator's admin token")

    def _finish(
        self,
        state: State,
        method: Method,
        request: object,
        caller: Any,
        code: grpc.StatusCode,
        details: str,
        started: float,
    ) -> None:
        latency_ms = (time.perf_counter() - started) * 1000
        now = state.clock.now()
        kind = caller.kind.value if caller else ""
        key_id = caller.key_id if caller else ""
        if method.momento:
            state.journal.record(
                method=method.path, emulator_time=now, wall_time=wall_time(), caller_kind=kind,
                key_id=key_id, code=code.name, details=details, latency_ms=latency_ms, request=request,
            )  # fmt: skip
        if log.isEnabledFor(logging.INFO):
            fields = {
                "method": method.path, "status": code.name, "emulator_time": to_iso(now),
                "caller_kind": kind, "key_id": key_id, "latency_ms": round(latency_ms, 3),
            }  # fmt: skip
            log.info(
                "%s %s at %s caller=%s/%s %.2fms%s",
                method.name, code.name, fields["emulator_time"], kind or "-", key_id or "-", latency_ms,
                f" ({details.translate(_ESCAPED)})" if details else "", extra={"rpc": fields},
            )  # fmt: skip


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


def _kept(request: Message | None, raw: bytes) -> object:
    """What the journal keeps of a request: the decoded message, or only the size of a large one."""
    if len(raw) > MAX_JOURNALED_REQUEST_BYTES:
        return {"omitted": f"a {len(raw)}-byte request; requests over {MAX_JOURNALED_REQUEST_BYTES} bytes are not kept"}
    return request


# What protobuf raises for a body that is not the expected message.
DECODE_ERRORS = (DecodeError, RuntimeError, ValueError)


def undecodable(message_name: str, error: Exception) -> InvalidArgument:
    return InvalidArgument(f"request: the body is not a valid {message_name} message ({error})")


def _decode(method: Method, raw: bytes) -> Message:
    try:
        return method.request_type.FromString(raw)
    except DECODE_ERRORS as error:
        raise undecodable(method.request_type.DESCRIPTOR.full_name, error) from None
