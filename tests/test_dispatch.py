"""The dispatcher with rows made here: the handler's Call, async generators, cancelled and failing streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from momento_wire_types import auth_pb2

from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import LimitExceeded, PermissionDenied
from emulator.core.faults import Catalog
from emulator.services.call import Call
from emulator.services.registry import Access, Handler, Rpc, Streaming, body, header
from emulator.services.rpc import Dispatcher
from tests.builders import START

SERVICE = "test.Probe"
Message = auth_pb2._LoginResponse


def said(text: str) -> auth_pb2._LoginResponse:
    return Message(message=Message.Message(text=text))


def row(name: str, handler: Handler, streaming: Streaming = Streaming.SERVER, **fields: Any) -> Rpc:
    request, response = auth_pb2._RefreshApiTokenRequest, auth_pb2._LoginResponse
    return Rpc(f"/{SERVICE}/{name}", request, response, handler, fields.pop("access", Access.DATA), streaming, **fields)


async def serving(emulator: Emulator, rpcs: list[Rpc], body: Callable[[grpc.aio.Channel], Awaitable[None]]) -> None:
    """Serve ``rpcs`` on a loopback port for ``body``; faults and journal queries may name them."""
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    catalog = Catalog(tuple(rpc.path for rpc in rpcs), ("OK", "ABORTED"))
    server.add_generic_rpc_handlers((Dispatcher(emulator, "", catalog).handlers(rpcs),))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            await body(channel)
    finally:
        await server.stop(None)


def stream(channel: grpc.aio.Channel, rpc: Rpc, **request: str) -> Any:
    call = channel.unary_stream(rpc.path, request_serializer=None, response_deserializer=Message.FromString)
    return call(auth_pb2._RefreshApiTokenRequest(**request).SerializeToString(), timeout=10)


def journaled(emulator: Emulator) -> list[tuple[str, str, str]]:
    return [(e.method.rsplit("/", 1)[1], e.code, e.details) for e in emulator.state.journal.entries()]


@pytest.mark.asyncio
async def test_a_handler_gets_the_state_caller_headers_clock_and_chosen_action() -> None:
    emulator = Emulator(Settings(start_time=START))
    seen: list[Call] = []

    def probe(call: Call, request: auth_pb2._RefreshApiTokenRequest) -> auth_pb2._LoginResponse:
        seen.append(call)
        return said(call.header("cache"))

    rpc = row(
        "Probe", probe, Streaming.UNARY, credential=header("authorization"),
        action=lambda request: "get" if request.refresh_token == "read" else "set",
    )  # fmt: skip

    async def calls(channel: grpc.aio.Channel) -> None:
        unary = channel.unary_unary(rpc.path, request_serializer=None, response_deserializer=Message.FromString)
        metadata = (("authorization", emulator.state.session_token), ("cache", "my-cache"))
        for refresh_token in ("read", "write"):
            body = auth_pb2._RefreshApiTokenRequest(refresh_token=refresh_token).SerializeToString()
            response = await unary(body, metadata=metadata, timeout=10)
            assert response.message.text == "my-cache"

    await serving(emulator, [rpc], calls)
    assert [(c.state, c.emulator, c.now, c.action) for c in seen] == [
        (emulator.state, emulator, START, "get"),
        (emulator.state, emulator, START, "set"),
    ]
    assert seen[0].caller is not None and seen[0].caller.kind.value == "session_token"
    assert seen[0].presented == emulator.state.session_token
    assert [(e.key_id, e.caller_kind, e.code) for e in emulator.state.journal.entries()] == [
        (seen[0].caller.key_id, "session_token", "OK"),
    ] * 2


@pytest.mark.asyncio
async def test_an_async_generator_handler_streams_every_response_and_is_journaled_once() -> None:
    emulator = Emulator(Settings(start_time=START))

    async def count(call: Call, request: auth_pb2._RefreshApiTokenRequest) -> AsyncIterator[auth_pb2._LoginResponse]:
        for index in range(3):
            await asyncio.sleep(0)
            yield said(f"{request.api_key}-{index}")

    rpc = row("Count", count, credential=body("api_key"))

    async def calls(channel: grpc.aio.Channel) -> None:
        assert [r.message.text async for r in stream(channel, rpc, api_key="k")] == ["k-0", "k-1", "k-2"]

    await serving(emulator, [rpc], calls)
    assert journaled(emulator) == [("Count", "OK", "")]


@pytest.mark.asyncio
async def test_a_stream_that_fails_midway_ends_with_the_status_after_its_responses() -> None:
    emulator = Emulator(Settings(start_time=START))

    async def refuse(call: Call, request: Any) -> AsyncIterator[auth_pb2._LoginResponse]:
        yield said("first")
        raise PermissionDenied("cache: not yours")

    rpc = row("Refuse", refuse)

    async def calls(channel: grpc.aio.Channel) -> None:
        received: list[str] = []
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for response in stream(channel, rpc):
                received.append(response.message.text)
        assert received == ["first"]
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert raised.value.details() == str(PermissionDenied("cache: not yours"))

    await serving(emulator, [rpc], calls)
    assert journaled(emulator) == [("Refuse", "PERMISSION_DENIED", str(PermissionDenied("cache: not yours")))]


@pytest.mark.asyncio
async def test_a_refusal_carries_its_error_trailers() -> None:
    emulator = Emulator(Settings(start_time=START))

    def full(call: Call, request: Any) -> auth_pb2._LoginResponse:
        raise LimitExceeded("cache: too many items", "item_count_limit_exceeded")

    rpc = row("Full", full, Streaming.UNARY)

    async def calls(channel: grpc.aio.Channel) -> None:
        unary = channel.unary_unary(rpc.path, request_serializer=None, response_deserializer=Message.FromString)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await unary(b"", timeout=10)
        assert (raised.value.code(), raised.value.details()) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "cache: too many items",
        )
        assert ("err", "item_count_limit_exceeded") in tuple(raised.value.trailing_metadata() or ())

    await serving(emulator, [rpc], calls)
    assert journaled(emulator) == [("Full", "RESOURCE_EXHAUSTED", "cache: too many items")]


@pytest.mark.asyncio
@pytest.mark.parametrize("pace", ["waits", "floods"])
async def test_a_cancelled_stream_is_journaled_once_as_cancelled_and_its_handler_cleans_up(pace: str) -> None:
    """Subscribe-like: the handler runs until the client cancels; its finally runs, one CANCELLED entry."""
    emulator = Emulator(Settings(start_time=START))
    closed = asyncio.Event()

    async def forever(call: Call, request: Any) -> AsyncIterator[auth_pb2._LoginResponse]:
        try:
            yield said("subscribed")
            while True:
                if pace == "waits":
                    await asyncio.Event().wait()  # nothing published, ever
                yield said("item")
                await asyncio.sleep(0)
        finally:
            closed.set()

    rpc = row("Forever", forever)

    async def calls(channel: grpc.aio.Channel) -> None:
        call = stream(channel, rpc)
        assert (await call.read()).message.text == "subscribed"
        call.cancel()
        await asyncio.wait_for(closed.wait(), 10)

    await serving(emulator, [rpc], calls)
    assert journaled(emulator) == [("Forever", "CANCELLED", "cancelled")]


@pytest.mark.asyncio
async def test_faults_and_admin_access_follow_the_row() -> None:
    emulator = Emulator(Settings(start_time=START))

    def answer(call: Call, request: Any) -> auth_pb2._LoginResponse:
        return said("served")

    momento, admin = (
        row("Momento", answer, Streaming.UNARY),
        row("Admin", answer, Streaming.UNARY, access=Access.ADMIN, journaled=False),
    )
    emulator.state.faults.add(faults_rule := _rule([momento.path, admin.path]))
    assert faults_rule.methods == (momento.path, admin.path)

    async def calls(channel: grpc.aio.Channel) -> None:
        for rpc, expected in ((momento, grpc.StatusCode.ABORTED), (admin, grpc.StatusCode.OK)):
            unary = channel.unary_unary(rpc.path, request_serializer=None, response_deserializer=Message.FromString)
            try:
                await unary(b"", timeout=10)
                code = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as error:
                code = error.code()
            assert code == expected, rpc.path

    await serving(emulator, [momento, admin], calls)
    assert journaled(emulator) == [("Momento", "ABORTED", "injected fault f1 (ABORTED)")]  # admin calls: no journal


def _rule(methods: list[str]) -> Any:
    from emulator.core.faults import rule_from_json

    return rule_from_json({"methods": methods, "code": "ABORTED"}, Catalog(tuple(methods), ("ABORTED",)))
