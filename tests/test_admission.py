"""The admission step every data-plane handler starts with, through a real server: which cache, action,
keys and topic the core's access check is asked about, and the refusals in their exact words.

These tests are also the ones ``make mutation`` runs against ``emulator/services/admission.py``.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from momento_wire_types import cacheclient_pb2 as pb
from momento_wire_types import cachepubsub_pb2 as pubsub
from momento_wire_types import controlclient_pb2 as control

from emulator import ThreadedEmulatorServer
from emulator.core.collections import CollectionTtl
from emulator.core.permissions import Grant, Permissions, Role, Selector
from tests.helpers import Factory, with_caches
from tests.hostile import raw_call

OK = (grpc.StatusCode.OK, "")
MISSING_CACHE = (grpc.StatusCode.INVALID_ARGUMENT, "cache: the cache header is missing or empty")


def denied(reason: str) -> tuple[grpc.StatusCode, str]:
    return grpc.StatusCode.PERMISSION_DENIED, f"Insufficient permissions: {reason}"


@pytest.fixture
def server(make_server: Factory) -> ThreadedEmulatorServer:
    return with_caches(make_server(), "c", "other")


def token(server: ThreadedEmulatorServer, *grants: Grant) -> str:
    """A disposable token holding exactly ``grants``."""
    state = server.emulator.state
    return state.generate_disposable_token(state.super_user_key, Permissions(grants=grants), 60).api_key


def send(server: ThreadedEmulatorServer, path: str, request: Any, key: str, cache: str | None = None) -> Any:
    """The status and details of ``request`` sent to ``path`` with ``key``, and ``cache`` as the cache header."""
    metadata = [("authorization", key)] + ([] if cache is None else [("cache", cache)])
    with grpc.insecure_channel(server.target) as channel:
        return raw_call(channel, path, request.SerializeToString(), metadata=metadata)


def test_a_data_call_acts_on_the_cache_its_header_names(server: ThreadedEmulatorServer) -> None:
    key = token(server, Grant(Role.CACHE_READ_WRITE, Selector("c")))
    request = pb._SetRequest(cache_key=b"k", cache_body=b"v", ttl_milliseconds=1_000)
    assert send(server, "/cache_client.Scs/Set", request, key, "c") == OK
    assert send(server, "/cache_client.Scs/Set", request, key, "other") == denied(
        "no permission covers item 'k' in cache 'other'"
    )
    assert send(server, "/cache_client.Scs/Set", request, key) == MISSING_CACHE


def test_every_key_a_call_touches_must_be_allowed(server: ThreadedEmulatorServer) -> None:
    key = token(server, Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"user-", prefix=True)))
    allowed = pb._KeysExistRequest(cache_keys=[b"user-1", b"user-2"])
    assert send(server, "/cache_client.Scs/KeysExist", allowed, key, "c") == OK
    one_other = pb._KeysExistRequest(cache_keys=[b"user-1", b"admin"])
    assert send(server, "/cache_client.Scs/KeysExist", one_other, key, "c") == denied(
        "no permission covers item 'admin' in cache 'c'"
    )


def test_a_topic_call_acts_on_the_cache_and_topic_its_body_names(server: ThreadedEmulatorServer) -> None:
    key = token(server, Grant(Role.TOPIC_PUBLISH_SUBSCRIBE, Selector("c"), Selector("t")))

    def publish(cache: str, topic: str) -> Any:
        request = pubsub._PublishRequest(cache_name=cache, topic=topic, value=pubsub._TopicValue(text="x"))
        return send(server, "/cache_client.pubsub.Pubsub/Publish", request, key, "other")  # the header is ignored

    assert publish("c", "t") == OK
    assert publish("c", "u") == denied("no permission covers topic 'u' in cache 'c'")
    assert publish("other", "t") == denied("no permission covers topic 't' in cache 'other'")


def test_a_union_store_writes_its_destination_and_only_reads_its_sources(server: ThreadedEmulatorServer) -> None:
    collections = server.emulator.state.collections
    collections.sorted_set_put("c", b"src", [(b"a", 1.0)], CollectionTtl(60_000))
    key = token(
        server,
        Grant(Role.CACHE_READ_WRITE, Selector("c"), Selector(b"dest")),
        Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"src")),
    )
    source = pb._SortedSetUnionStoreRequest._Source(set_name=b"src", weight=1.0)
    request = pb._SortedSetUnionStoreRequest(set_name=b"dest", sources=[source], ttl_milliseconds=1_000)
    assert send(server, "/cache_client.Scs/SortedSetUnionStore", request, key, "c") == OK
    assert collections.sorted_set_get_scores("c", b"dest", [b"a"]) == [1.0]


def test_an_rpc_not_served_authenticates_its_caller_then_names_itself(server: ThreadedEmulatorServer) -> None:
    request = control._ListIndexesRequest()
    path = "/control_client.ScsControl/ListIndexes"
    assert send(server, path, request, "") == (
        grpc.StatusCode.UNAUTHENTICATED,
        "authorization: no credential was given",
    )
    assert send(server, path, request, server.emulator.state.super_user_key) == (
        grpc.StatusCode.UNIMPLEMENTED,
        "ListIndexes: the emulator does not implement this RPC yet",
    )
    expiring = token(server, Grant(Role.CACHE_READ_WRITE))  # 60 s
    server.emulator.state.clock.advance(60)
    assert send(server, path, request, expiring) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "authorization: the credential expired",
    )
