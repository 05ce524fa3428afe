"""Fuzzing the collection RPCs with a valid credential and cache, against items of every type.

Random requests (any field values, unknown enum values, NaN and infinite scores, huge counts) are
aimed at a few names that hold a dictionary, a list, a set, a sorted set and a scalar, so every
RPC meets every type: each answer must be a deliberate status, never INTERNAL or UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from momento_wire_types import cacheclient_pb2 as pb
from momento_wire_types import controlclient_pb2, controlclient_pb2_grpc

from emulator import Settings, ThreadedEmulatorServer, local_control
from tests.builders import START
from tests.hostile import DELIBERATE, raw_call
from tests.test_fuzz import messages, mutate

SCS = pb.DESCRIPTOR.services_by_name["Scs"]
SET_RPCS = {"SetFetch", "SetSample", "SetUnion", "SetDifference", "SetContains", "SetLength", "SetPop"}
COLLECTION_RPCS = {
    f"/cache_client.Scs/{method.name}": method.input_type._concrete_class
    for method in SCS.methods
    if method.name.startswith(("Dictionary", "List", "SortedSet")) or method.name in SET_RPCS
}
NAMES = [b"dict", b"list", b"set", b"zset", b"scalar", b"absent"]
NAME_FIELDS = ("dictionary_name", "list_name", "set_name")
FAILED = frozenset(DELIBERATE | {grpc.StatusCode.FAILED_PRECONDITION})
BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CACHE = "fuzz"


class Target:
    """One emulator holding one item of each type in ``CACHE``, and a channel onto it."""

    def __init__(self, server: ThreadedEmulatorServer, channel: grpc.Channel) -> None:
        self.server, self.channel = server, channel
        self.key = local_control(server.emulator).bootstrap().raw_api_key
        self.metadata = (("authorization", self.key), ("cache", CACHE))

    def refill(self) -> None:
        """Put back one item of each type (a fuzzed call may have removed it)."""
        state = self.server.emulator.state
        if CACHE not in state.caches.names():
            controlclient_pb2_grpc.ScsControlStub(self.channel).CreateCache(
                controlclient_pb2._CreateCacheRequest(cache_name=CACHE), metadata=[("authorization", self.key)]
            )
        ttl = 3_600_000
        stub = self.channel.unary_unary
        for path, request in (
            (
                "DictionarySet",
                pb._DictionarySetRequest(
                    dictionary_name=b"dict",
                    items=[pb._DictionaryFieldValuePair(field=b"f", value=b"7")],
                    ttl_milliseconds=ttl,
                ),
            ),
            (
                "ListConcatenateBack",
                pb._ListConcatenateBackRequest(list_name=b"list", values=[b"a", b"b"], ttl_milliseconds=ttl),
            ),
            ("SetUnion", pb._SetUnionRequest(set_name=b"set", elements=[b"a", b"b"], ttl_milliseconds=ttl)),
            (
                "SortedSetPut",
                pb._SortedSetPutRequest(
                    set_name=b"zset", elements=[pb._SortedSetElement(value=b"a", score=1.0)], ttl_milliseconds=ttl
                ),
            ),
            ("Set", pb._SetRequest(cache_key=b"scalar", cache_body=b"v", ttl_milliseconds=ttl)),
        ):
            stub(f"/cache_client.Scs/{path}")(request.SerializeToString(), metadata=self.metadata, timeout=10)

    def send(self, path: str, body: bytes) -> grpc.StatusCode:
        code, details = raw_call(self.channel, path, body, metadata=self.metadata)
        assert code in FAILED, f"{path} answered {code.name}: {details}"
        return code


@pytest.fixture(scope="module")
def target_server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START, seed="fuzz")) as running:
        yield running


@pytest.fixture
def target(target_server: ThreadedEmulatorServer) -> Iterator[Target]:
    with grpc.insecure_channel(target_server.target) as channel:
        harness = Target(target_server, channel)
        harness.refill()
        yield harness


def aimed(request: Any, name: bytes) -> Any:
    """``request`` with its collection name set to ``name`` (and any sources aimed at the same names)."""
    for field in NAME_FIELDS:
        if field in request.DESCRIPTOR.fields_by_name:
            setattr(request, field, name)
    for source in getattr(request, "sources", ()):
        source.set_name = name
    return request


@pytest.mark.parametrize("path", sorted(COLLECTION_RPCS))
@BOUNDED
@given(data=st.data())
def test_generated_collection_requests_get_deliberate_statuses(target: Target, path: str, data: st.DataObject) -> None:
    """Any field values, aimed at an item of any type, are answered deliberately."""
    request = data.draw(messages(COLLECTION_RPCS[path], st.text(max_size=8)))
    if data.draw(st.booleans()):
        request = aimed(request, data.draw(st.sampled_from(NAMES)))
    target.send(path, request.SerializeToString())
    target.refill()


@pytest.mark.parametrize("path", sorted(COLLECTION_RPCS))
@BOUNDED
@given(data=st.data())
def test_mutated_collection_requests_get_deliberate_statuses(target: Target, path: str, data: st.DataObject) -> None:
    """Bit flips and truncations of a request aimed at an existing item are answered deliberately."""
    request = aimed(COLLECTION_RPCS[path](), data.draw(st.sampled_from(NAMES)))
    target.send(path, mutate(request.SerializeToString(), data))


def test_every_collection_rpc_is_fuzzed() -> None:
    assert len(COLLECTION_RPCS) == 6 + 7 + 11 + 9
