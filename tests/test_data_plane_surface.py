"""The control surface around the data plane: journal, faults, authorize by wire name, limits, state."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
import pytest
from momento import CacheClient, Configurations
from momento.errors import MomentoErrorCode
from momento.responses import CacheGet
from momento_wire_types import cacheclient_pb2 as pb

from emulator import ThreadedEmulatorServer
from emulator.core.permissions import Grant, Permissions, Role, Selector
from emulator.sdk import credential_provider
from tests.helpers import Factory, with_caches


@pytest.fixture
def server(make_server: Factory) -> ThreadedEmulatorServer:
    return with_caches(make_server(max_item_bytes=100), "c")


def client(server: ThreadedEmulatorServer, key: str | None = None) -> CacheClient:
    return CacheClient(Configurations.Laptop.latest(), credential_provider(server, key), timedelta(seconds=60))


def read_only_token(server: ThreadedEmulatorServer) -> str:
    state = server.emulator.state
    permissions = Permissions(grants=(Grant(Role.CACHE_READ_ONLY, Selector("c")),))
    return state.generate_disposable_token(state.super_user_key, permissions, 60).api_key


def test_the_journal_shows_sizes_and_previews_never_the_credential(server: ThreadedEmulatorServer) -> None:
    token = read_only_token(server)
    with client(server) as cache, client(server, token) as reader:
        cache.set("c", "order-42", "shipped")
        reader.set("c", "order-42", "x")
    [stored, refused] = server.control.journal(method="Set")
    assert stored.method == "/cache_client.Scs/Set" and stored.code == "OK"
    assert stored.request["cache_key"] == "[8 bytes] order-42"
    assert stored.request["cache_body"] == "[7 bytes] shipped"
    assert refused.code == "PERMISSION_DENIED" and refused.caller_kind == "disposable_token"
    shown = json.dumps([entry.to_json() for entry in server.control.journal()])
    assert token not in shown and server.emulator.state.super_user_key not in shown


def test_faults_target_data_rpcs_by_name(server: ThreadedEmulatorServer) -> None:
    # Not UNAVAILABLE: the SDK retries that on reads, and the retry would succeed.
    server.control.add_fault("Get", "RESOURCE_EXHAUSTED", count=1)
    with client(server) as cache:
        cache.set("c", "k", "v")
        assert cache.get("c", "k").error_code is MomentoErrorCode.LIMIT_EXCEEDED_ERROR  # type: ignore[union-attr]
        assert isinstance(cache.get("c", "k"), CacheGet.Hit)
    assert server.control.faults() == []  # its one use spent


def test_authorize_accepts_wire_rpc_names(server: ThreadedEmulatorServer) -> None:
    token = read_only_token(server)
    assert server.control.authorize(token, "Get", "c", item="k").allowed
    assert server.control.authorize(token, "GetBatch", "c", item="k").allowed
    denied = server.control.authorize(token, "SetIfHash", "c", item="k")
    assert not denied.allowed and "conditional-write" in denied.reason


def test_an_item_over_the_size_limit_is_limit_exceeded_with_the_err_trailer(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        refused = cache.set("c", "k", "x" * 200)
        assert refused.error_code is MomentoErrorCode.LIMIT_EXCEEDED_ERROR  # type: ignore[union-attr]
    with grpc.insecure_channel(server.target) as channel:
        metadata = (("authorization", server.emulator.state.super_user_key), ("cache", "c"))
        request = pb._SetRequest(cache_key=b"k", cache_body=b"x" * 200, ttl_milliseconds=1000)
        with pytest.raises(grpc.RpcError) as raised:
            channel.unary_unary("/cache_client.Scs/Set")(request.SerializeToString(), metadata=metadata, timeout=10)
    error = raised.value
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    assert ("err", "item_size_limit_exceeded") in error.trailing_metadata()  # type: ignore[attr-defined]


def test_export_and_import_keep_caches_and_items(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        cache.set("c", b"\x00binary", b"\xff\x00")
        document = server.control.export_state()
        server.control.reset()
        assert cache.get("c", b"\x00binary").error_code is MomentoErrorCode.AUTHENTICATION_ERROR  # type: ignore[union-attr]
        server.control.import_state(document)
        got = cache.get("c", b"\x00binary")
        assert isinstance(got, CacheGet.Hit) and got.value_bytes == b"\xff\x00"
