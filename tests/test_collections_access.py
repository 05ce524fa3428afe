"""Who may call the collection RPCs, observed through the Python SDK: WriteOnly's exclusions, item selectors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import grpc
import pytest
from momento import CacheClient, Configurations
from momento.errors import MomentoErrorCode
from momento.responses import CacheDictionaryFetch, CacheSetFetch
from momento.responses.mixins import ErrorResponseMixin
from momento_wire_types import cacheclient_pb2 as pb
from momento_wire_types import cacheclient_pb2_grpc, token_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import ThreadedEmulatorServer
from emulator.sdk import credential_provider
from tests.builders import cache_grant
from tests.helpers import mint_disposable, status_of

pytest_plugins = ["tests.collection_fixtures"]  # served, client, cache
HOUR = timedelta(hours=1)


@pytest.fixture
def client_for(served: ThreadedEmulatorServer) -> Iterator[Callable[..., CacheClient]]:
    """``client_for(*grants)``: an SDK client holding a disposable token with exactly ``grants``."""
    with contextlib.ExitStack() as opened:

        def build(*grants: Any) -> CacheClient:
            with grpc.insecure_channel(served.target) as channel:
                token = mint_disposable(
                    token_pb2_grpc.TokenStub(channel), served.control.bootstrap().raw_api_key, *grants
                )
            credentials = credential_provider(served, token.api_key)
            return opened.enter_context(CacheClient(Configurations.Laptop.v1(), credentials, HOUR))

        yield build


def is_success(response: object) -> bool:
    return not isinstance(response, ErrorResponseMixin)


def permission_error(response: object) -> bool:
    return (
        isinstance(response, ErrorResponseMixin)
        and response.error_code is MomentoErrorCode.PERMISSION_ERROR
        and "Insufficient permissions" in response.message
    )


# Every collection write the Python SDK offers, by whether it returns the collection's state.
PLAIN_WRITES: dict[str, Callable[[CacheClient, str], object]] = {
    "dictionary_set_field": lambda c, cache: c.dictionary_set_field(cache, "d", "f", "v"),
    "dictionary_set_fields": lambda c, cache: c.dictionary_set_fields(cache, "d", {"g": "v"}),
    "dictionary_remove_field": lambda c, cache: c.dictionary_remove_field(cache, "d", "f"),
    "dictionary_remove_fields": lambda c, cache: c.dictionary_remove_fields(cache, "d", ["g"]),
    "set_add_element": lambda c, cache: c.set_add_element(cache, "s", "a"),
    "set_add_elements": lambda c, cache: c.set_add_elements(cache, "s", ["b"]),
    "set_remove_element": lambda c, cache: c.set_remove_element(cache, "s", "a"),
    "set_remove_elements": lambda c, cache: c.set_remove_elements(cache, "s", ["zz"]),
    "list_remove_value": lambda c, cache: c.list_remove_value(cache, "l", "v"),
    "sorted_set_put_element": lambda c, cache: c.sorted_set_put_element(cache, "z", "a", 1.0),
    "sorted_set_put_elements": lambda c, cache: c.sorted_set_put_elements(cache, "z", {"b": 2.0}),
    "sorted_set_remove_element": lambda c, cache: c.sorted_set_remove_element(cache, "z", "a"),
    "sorted_set_remove_elements": lambda c, cache: c.sorted_set_remove_elements(cache, "z", ["zz"]),
}
STATE_RETURNING_WRITES: dict[str, Callable[[CacheClient, str], object]] = {
    "dictionary_increment": lambda c, cache: c.dictionary_increment(cache, "d", "n", 1),
    "list_push_back": lambda c, cache: c.list_push_back(cache, "l", "v"),
    "list_push_front": lambda c, cache: c.list_push_front(cache, "l", "v"),
    "list_concatenate_back": lambda c, cache: c.list_concatenate_back(cache, "l", ["v"]),
    "list_concatenate_front": lambda c, cache: c.list_concatenate_front(cache, "l", ["v"]),
    "list_pop_back": lambda c, cache: c.list_pop_back(cache, "l"),
    "list_pop_front": lambda c, cache: c.list_pop_front(cache, "l"),
    "sorted_set_increment_score": lambda c, cache: c.sorted_set_increment_score(cache, "z", "a", 1.0),
}
READS: dict[str, Callable[[CacheClient, str], object]] = {
    "dictionary_fetch": lambda c, cache: c.dictionary_fetch(cache, "d"),
    "list_fetch": lambda c, cache: c.list_fetch(cache, "l"),
    "set_fetch": lambda c, cache: c.set_fetch(cache, "s"),
    "sorted_set_fetch_by_rank": lambda c, cache: c.sorted_set_fetch_by_rank(cache, "z"),
}


@pytest.mark.parametrize("method", sorted(PLAIN_WRITES))
def test_write_only_may_make_plain_collection_writes(
    client_for: Callable[..., CacheClient], cache: str, method: str
) -> None:
    writer = client_for(cache_grant(pm.CacheWriteOnly, cache))
    assert is_success(PLAIN_WRITES[method](writer, cache))


@pytest.mark.parametrize("method", sorted(STATE_RETURNING_WRITES))
def test_write_only_is_refused_every_write_that_returns_state(
    client_for: Callable[..., CacheClient], client: CacheClient, cache: str, method: str
) -> None:
    client.list_concatenate_back(cache, "l", ["kept"])
    writer = client_for(cache_grant(pm.CacheWriteOnly, cache))
    assert permission_error(STATE_RETURNING_WRITES[method](writer, cache))
    assert is_success(STATE_RETURNING_WRITES[method](client_for(cache_grant(pm.CacheReadWrite, cache)), cache))


@pytest.mark.parametrize("method", sorted(READS))
def test_write_only_may_not_read_and_read_only_may_not_write(
    client_for: Callable[..., CacheClient], cache: str, method: str
) -> None:
    assert permission_error(READS[method](client_for(cache_grant(pm.CacheWriteOnly, cache)), cache))
    reader = client_for(cache_grant(pm.CacheReadOnly, cache))
    assert is_success(READS[method](reader, cache))
    assert permission_error(reader.set_add_element(cache, "s", "a"))


def test_a_key_selector_applies_to_the_collections_name(client_for: Callable[..., CacheClient], cache: str) -> None:
    scoped = client_for(cache_grant(pm.CacheReadWrite, cache, key=b"mine"))
    assert is_success(scoped.dictionary_set_field(cache, "mine", "field", "v"))
    fetched = scoped.dictionary_fetch(cache, "mine")
    assert isinstance(fetched, CacheDictionaryFetch.Hit)
    assert fetched.value_dictionary_string_string == {"field": "v"}
    assert permission_error(scoped.dictionary_set_field(cache, "theirs", "mine", "v"))
    assert permission_error(scoped.set_fetch(cache, "theirs"))


def test_a_key_prefix_selector_applies_to_the_collections_name(
    client_for: Callable[..., CacheClient], client: CacheClient, cache: str
) -> None:
    client.set_add_element(cache, "user:1", "x")
    reader = client_for(cache_grant(pm.CacheReadOnly, cache, prefix=b"user:"))
    fetched = reader.set_fetch(cache, "user:1")
    assert isinstance(fetched, CacheSetFetch.Hit) and fetched.value_set_string == {"x"}
    assert permission_error(reader.set_add_element(cache, "user:1", "y"))
    assert permission_error(reader.set_fetch(cache, "admin"))


# --- SortedSetUnionStore: write on its destination, read on each source (our rule) ---------


def union_store(served: ThreadedEmulatorServer, key: str, cache: str, *sources: str) -> pb._SortedSetUnionStoreResponse:
    request = pb._SortedSetUnionStoreRequest(
        set_name=b"dest",
        sources=[pb._SortedSetUnionStoreRequest._Source(set_name=name.encode(), weight=1.0) for name in sources],
        ttl_milliseconds=60_000,
    )
    with grpc.insecure_channel(served.target) as channel:
        stub = cacheclient_pb2_grpc.ScsStub(channel)
        response: pb._SortedSetUnionStoreResponse = stub.SortedSetUnionStore(
            request, metadata=[("authorization", key), ("cache", cache)], timeout=10
        )
        return response


def test_union_store_needs_read_on_every_source_and_state_returning_write_on_its_destination(
    served: ThreadedEmulatorServer, client: CacheClient, cache: str
) -> None:
    client.sorted_set_put_elements(cache, "src", {"a": 1.0})
    client.sorted_set_put_elements(cache, "other", {"b": 2.0})
    mint = token_pb2_grpc.TokenStub
    with grpc.insecure_channel(served.target) as channel:
        root = served.control.bootstrap().raw_api_key
        both = mint_disposable(
            mint(channel),
            root,
            cache_grant(pm.CacheReadWrite, cache, key=b"dest"),
            cache_grant(pm.CacheReadOnly, cache, key=b"src"),
        ).api_key
        dest_only = mint_disposable(mint(channel), root, cache_grant(pm.CacheReadWrite, cache, key=b"dest")).api_key
        write_only = mint_disposable(
            mint(channel),
            root,
            cache_grant(pm.CacheWriteOnly, cache, key=b"dest"),
            cache_grant(pm.CacheReadOnly, cache, key=b"src"),
        ).api_key
    assert union_store(served, both, cache, "src").length == 1
    code, details = status_of(lambda: union_store(served, both, cache, "src", "other"))
    assert code is grpc.StatusCode.PERMISSION_DENIED and details.startswith("Insufficient permissions")
    assert "other" in details
    assert status_of(lambda: union_store(served, dest_only, cache, "src"))[0] is grpc.StatusCode.PERMISSION_DENIED
    assert status_of(lambda: union_store(served, write_only, cache, "src"))[0] is grpc.StatusCode.PERMISSION_DENIED
