"""gRPC-Web for browsers: an HTTP/1.1 listener (aiohttp) in the emulator's own event loop.

Browsers cannot speak gRPC's HTTP/2 framing, so ``@gomomento/sdk-web`` sends gRPC-Web: the same
length-prefixed messages in a POST body, base64-encoded in text mode
(``application/grpc-web-text``), with the status in a trailer frame at the end of the body. Each
call's message goes, bytes unchanged, to the dispatcher that serves the gRPC port (in the same
event loop, no second hop), so it meets the very handlers, checks, faults, journal and logs that a
gRPC call meets.

Only Momento's services are served here, never the admin API: any web page may reach a listener
that answers CORS preflights, and the admin API can export the signing secret.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import grpc
from aiohttp import web

from emulator.services.registry import RPCS, Rpc, Streaming
from emulator.services.rpc import MAX_MOMENTO_REQUEST_BYTES, Dispatcher, Refusal

TEXT = "application/grpc-web-text"
BINARY = "application/grpc-web"
_TRAILER_FLAG = 0x80
_FRAME_HEADER = struct.Struct(">BI")
# A text-mode body is base64: four characters for every three bytes, plus the 5-byte frame header.
MAX_BODY_BYTES = (MAX_MOMENTO_REQUEST_BYTES + _FRAME_HEADER.size) * 4 // 3 + 4
_TIMEOUT = re.compile(r"^(\d{1,8})([HMSmun])$")
_TIMEOUT_UNIT_SECONDS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_METADATA_KEY = re.compile(r"^[0-9a-z_.-]+$")
# HTTP and gRPC-Web headers that are not the call's metadata (grpc sets its own, or they mean nothing to it).
_NOT_METADATA = frozenset(
    {
        "host", "connection", "content-type", "content-length", "accept", "accept-encoding", "accept-language",
        "origin", "referer", "user-agent", "cookie", "te", "x-grpc-web", "x-user-agent", "grpc-timeout",
        "grpc-encoding", "grpc-accept-encoding", "pragma", "cache-control", "dnt", "priority",
    }
)  # fmt: skip
_EXPOSED = "grpc-status, grpc-message, err"


@dataclass(frozen=True)
class Mode:
    """How one request's body is encoded, and so how its answer is."""

    text: bool

    @property
    def content_type(self) -> str:
        return f"{TEXT if self.text else BINARY}+proto"

    def decode(self, body: bytes) -> bytes:
        if not self.text:
            return body
        try:
            # Each frame may be base64-encoded on its own, padding and all: decode chunk by chunk.
            return b"".join(base64.b64decode(chunk, validate=True) for chunk in _base64_chunks(body))
        except (binascii.Error, ValueError):
            raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "body: not valid base64 (grpc-web-text)") from None

    def encode(self, frame: bytes) -> bytes:
        return base64.b64encode(frame) if self.text else frame


# Each base64 text ends at its padding: split after a run of "=" that more text follows.
_AFTER_PADDING = re.compile(rb"(?<==)(?=[^=])")


def _base64_chunks(body: bytes) -> list[bytes]:
    """Split concatenated base64 texts at their padding, as a stream's frames arrive."""
    return _AFTER_PADDING.split(b"".join(body.split()))


def mode_of(content_type: str) -> Mode | None:
    """The gRPC-Web mode a ``content-type`` names (``+proto`` or not), or None if it is not gRPC-Web."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base in (TEXT, TEXT + "+proto"):
        return Mode(text=True)
    if base in (BINARY, BINARY + "+proto"):
        return Mode(text=False)
    return None


def frame(payload: bytes, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(flags, len(payload)) + payload


def the_message(data: bytes) -> bytes:
    """The one message of a unary request body (one uncompressed data frame)."""
    if len(data) < _FRAME_HEADER.size:
        raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "body: shorter than a gRPC-Web frame header")
    flags, length = _FRAME_HEADER.unpack_from(data)
    if flags & 0x01:
        raise Refusal(grpc.StatusCode.UNIMPLEMENTED, "body: compressed messages are not supported")
    if flags != 0:
        raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, f"body: a request frame has flags {flags:#04x}")
    if len(data) != _FRAME_HEADER.size + length:
        raise Refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"body: the frame says {length} bytes but {len(data) - _FRAME_HEADER.size} follow (one message expected)",
        )
    return data[_FRAME_HEADER.size :]


def timeout_of(value: str | None) -> float | None:
    """``grpc-timeout`` (``10S``, ``500m``, ...) in seconds; None when absent."""
    if value is None:
        return None
    match = _TIMEOUT.match(value.strip())
    if match is None:
        raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, f"grpc-timeout: {value[:32]!r} is not a gRPC timeout")
    return int(match.group(1)) * _TIMEOUT_UNIT_SECONDS[match.group(2)]


def metadata_of(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The request's headers that are call metadata (``authorization``, ``cache``, ``agent``, ...)."""
    kept = []
    for name, value in headers.items():
        key = name.lower()
        if key in _NOT_METADATA or key.startswith(("sec-", "access-control-", "grpc-", ":")):
            continue
        if _METADATA_KEY.match(key) and not key.endswith("-bin") and all(" " <= c <= "~" for c in value):
            kept.append((key, value))
    return tuple(kept)


def trailer(code: grpc.StatusCode, details: str, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A trailer frame: the status, its percent-encoded message, and the call's trailing metadata."""
    lines = [f"grpc-status:{code.value[0]}", f"grpc-message:{quote(details, safe=' ')}"]
    lines += [f"{key}:{value}" for key, value in extra if isinstance(value, str) and not key.startswith("grpc-")]
    return frame("".join(f"{line}\r\n" for line in lines).encode(), _TRAILER_FLAG)


class WebGateway:
    """Serves gRPC-Web on ``host:port``: each call goes to ``dispatcher``, as the gRPC port's calls do."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: Any = None,
        rpcs: tuple[Rpc, ...] = RPCS,
    ) -> None:
        self._dispatcher = dispatcher
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._rpcs = {rpc.path: rpc for rpc in rpcs if rpc.momento}
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self._ssl else 'http'}://{host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("OPTIONS", "/{tail:.*}", self._preflight)
        app.router.add_route("POST", "/{tail:.*}", self._call)
        app.router.add_route("*", "/{tail:.*}", self._other)
        # handler_cancellation: a page that closes cancels its call (a subscription stops at once).
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self._ssl)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # --- HTTP ------------------------------------------------------------------------------

    async def _preflight(self, request: web.Request) -> web.Response:
        headers = _cors(request)
        headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers", "")
        if asked:  # echoed: "*" would not cover authorization
            headers["Access-Control-Allow-Headers"] = asked
        headers["Access-Control-Max-Age"] = "86400"
        return web.Response(status=204, headers=headers)

    async def _other(self, request: web.Request) -> web.Response:
        headers = _cors(request)
        headers["Allow"] = "POST, OPTIONS"
        return web.Response(status=405, text="gRPC-Web calls are POST requests\n", headers=headers)

    async def _call(self, request: web.Request) -> web.StreamResponse:
        mode = mode_of(request.headers.get("Content-Type", ""))
        if mode is None:
            return web.Response(
                status=415,
                text=f"content-type: expected {TEXT} or {BINARY}, got {request.content_type!r}\n",
                headers=_cors(request),
            )
        response = web.StreamResponse(status=200, headers={**_cors(request), "Content-Type": mode.content_type})
        rpc = self._rpcs.get(request.path)
        try:
            if rpc is None:
                raise Refusal(grpc.StatusCode.UNIMPLEMENTED, f"method: {request.path[:200]!r} is not served here")
            if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
                raise Refusal(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"request: {request.content_length} bytes; at most {MAX_BODY_BYTES} are accepted",
                )
            timeout = timeout_of(request.headers.get("grpc-timeout"))
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise Refusal(
                    grpc.StatusCode.RESOURCE_EXHAUSTED, f"request: over {MAX_BODY_BYTES} bytes are not accepted"
                ) from None
            message = the_message(mode.decode(body))
        except Refusal as refused:
            return await _answer(request, response, mode, refused.code, refused.message)
        metadata = metadata_of(request.headers)
        if rpc.streaming is Streaming.SERVER:
            return await self._stream(request, response, mode, rpc, message, metadata, timeout)
        try:
            async with asyncio.timeout(timeout):
                reply = await self._dispatcher.unary(rpc, message, metadata)
        except Refusal as refused:
            return await _answer(request, response, mode, refused.code, refused.message, refused.trailers)
        except TimeoutError:
            return await _answer(request, response, mode, grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
        await response.prepare(request)
        await response.write(mode.encode(frame(reply.SerializeToString())))
        return await _close(response, mode, grpc.StatusCode.OK, "")

    async def _stream(
        self,
        request: web.Request,
        response: web.StreamResponse,
        mode: Mode,
        rpc: Rpc,
        message: bytes,
        metadata: tuple[tuple[str, str], ...],
        timeout: float | None,
    ) -> web.StreamResponse:
        replies = self._dispatcher.stream(rpc, message, metadata)
        code, details = grpc.StatusCode.OK, ""
        trailers: tuple[tuple[str, str], ...] = ()
        try:
            async with asyncio.timeout(timeout):
                async for reply in replies:
                    if not response.prepared:
                        await response.prepare(request)
                    await response.write(mode.encode(frame(reply.SerializeToString())))
        except Refusal as refused:
            code, details, trailers = refused.code, refused.message, refused.trailers
        except TimeoutError:
            code, details = grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"
        finally:  # a page that went away (CancelledError, ConnectionError) ends the call: journaled CANCELLED
            await replies.aclose()
        if not response.prepared:
            return await _answer(request, response, mode, code, details, trailers)
        return await _close(response, mode, code, details, trailers)


def _cors(request: web.Request) -> dict[str, str]:
    """Every origin may call (our rule: a local emulator serves whatever page a developer runs)."""
    return {
        "Access-Control-Allow-Origin": request.headers.get("Origin", "*"),
        "Vary": "Origin",
        "Access-Control-Expose-Headers": _EXPOSED,
    }


async def _answer(
    request: web.Request,
    response: web.StreamResponse,
    mode: Mode,
    code: grpc.StatusCode,
    details: str,
    extra: tuple[tuple[str, str], ...] = (),
) -> web.StreamResponse:
    """A trailers-only answer: the status in the headers (as grpc-web clients read it) and in a trailer frame."""
    response.headers["grpc-status"] = str(code.value[0])
    response.headers["grpc-message"] = quote(details, safe=" ")
    await response.prepare(request)
    return await _close(response, mode, code, details, extra)


async def _close(
    response: web.StreamResponse,
    mode: Mode,
    code: grpc.StatusCode,
    details: str,
    extra: tuple[tuple[str, str], ...] = (),
) -> web.StreamResponse:
    await response.write(mode.encode(trailer(code, details, extra)))
    await response.write_eof()
    return response
