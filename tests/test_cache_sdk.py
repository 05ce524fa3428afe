"""The Python SDK's CacheClient and CacheClientAsync (momento 1.29.1) against the emulator's data plane."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from momento import CacheClient, CacheClientAsync, Configurations
from momento.auth.access_control.disposable_token_scope import DisposableTokenScope
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes as Scopes
from momento.auth.access_control.permission_scope import AllCaches
from momento.errors import MomentoErrorCode
from momento.responses import (
    CacheDelete,
    CacheFlush,
    CacheGet,
    CacheIncrement,
    CacheSet,
    CacheSetIfNotExists,
    CreateCache,
    DeleteCache,
    ListCaches,
)

from emulator import ThreadedEmulatorServer
from emulator.core.permissions import Grant, Permissions, Role
from emulator.sdk import credential_provider
from tests.helpers import Factory, with_caches

TTL = timedelta(seconds=60)


@pytest.fixture
def server(make_server: Factory) -> ThreadedEmulatorServer:
    return with_caches(make_server(), "c", "other")


def client(server: ThreadedEmulatorServer, key: str | None = None) -> CacheClient:
    return CacheClient(Configurations.Laptop.latest(), credential_provider(server, key), TTL)


def client_async(server: ThreadedEmulatorServer, key: str | None = None) -> CacheClientAsync:
    return CacheClientAsync(Configurations.Laptop.latest(), credential_provider(server, key), TTL)


def disposable(server: ThreadedEmulatorServer, scope: DisposableTokenScope, seconds: int = 60) -> str:
    """A disposable token minted by the emulator's own Token service, through the SDK."""
    from momento import AuthClient
    from momento.config.auth_configurations import AuthConfigurations
    from momento.utilities import ExpiresIn

    with AuthClient(AuthConfigurations.Laptop.latest(), credential_provider(server)) as auth:
        response = auth.generate_disposable_token(scope, ExpiresIn.seconds(seconds))
    return response.auth_token  # type: ignore[no-any-return,union-attr]


def code_of(response: object) -> MomentoErrorCode | None:
    error = getattr(response, "error_code", None)
    return error if isinstance(error, MomentoErrorCode) else None


# --- control plane -------------------------------------------------------------------------


def test_caches_are_created_listed_flushed_and_deleted(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        assert isinstance(cache.create_cache("new"), CreateCache.Success)
        assert isinstance(cache.create_cache("new"), CreateCache.CacheAlreadyExists)
        listed = cache.list_caches()
        assert isinstance(listed, ListCaches.Success)
        assert [c.name for c in listed.caches] == ["c", "new", "other"]
        cache.set("new", "k", "v")
        assert isinstance(cache.flush_cache("new"), CacheFlush.Success)
        assert isinstance(cache.get("new", "k"), CacheGet.Miss)
        assert isinstance(cache.delete_cache("new"), DeleteCache.Success)
        assert code_of(cache.delete_cache("new")) is MomentoErrorCode.NOT_FOUND_ERROR
        assert code_of(cache.create_cache("bad name")) is MomentoErrorCode.INVALID_ARGUMENT_ERROR


def test_a_session_token_may_use_the_control_plane(server: ThreadedEmulatorServer) -> None:
    with client(server, server.bootstrap.session_token) as cache:
        assert isinstance(cache.create_cache("by-session"), CreateCache.Success)


def test_explicit_keys_and_disposable_tokens_are_refused_the_control_plane(server: ThreadedEmulatorServer) -> None:
    state = server.emulator.state
    explicit = state.generate_api_key(state.session_token, Permissions(grants=(Grant(Role.CACHE_READ_WRITE),)), None)
    token = disposable(server, Scopes.cache_read_write(AllCaches()))
    for key in (explicit.api_key, token):
        with client(server, key) as cache:
            for response in (cache.create_cache("x"), cache.list_caches(), cache.delete_cache("c")):
                assert code_of(response) is MomentoErrorCode.PERMISSION_ERROR
                assert response.message.startswith("Insufficient permissions")  # type: ignore[union-attr]
    assert server.emulator.state.caches.names() == ["c", "other"]


# --- items ---------------------------------------------------------------------------------


def test_set_get_delete_and_bytes_round_trip(server: ThreadedEmulatorServer) -> None:
    value = bytes(range(256))
    with client(server) as cache:
        assert isinstance(cache.set("c", b"\x00key", value), CacheSet.Success)
        hit = cache.get("c", b"\x00key")
        assert isinstance(hit, CacheGet.Hit) and hit.value_bytes == value
        assert isinstance(cache.delete("c", b"\x00key"), CacheDelete.Success)
        assert isinstance(cache.get("c", b"\x00key"), CacheGet.Miss)


def test_increment_and_set_if_not_exists(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        assert cache.increment("c", "n", 5).value == 5  # type: ignore[union-attr]
        assert cache.increment("c", "n", -2).value == 3  # type: ignore[union-attr]
        assert isinstance(cache.set_if_not_exists("c", "n", "x"), CacheSetIfNotExists.NotStored)
        assert isinstance(cache.set_if_not_exists("c", "fresh", "x"), CacheSetIfNotExists.Stored)
        cache.set("c", "text", "hello")
        assert code_of(cache.increment("c", "text")) is MomentoErrorCode.FAILED_PRECONDITION_ERROR


def test_a_missing_cache_is_not_found(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        assert code_of(cache.get("nope", "k")) is MomentoErrorCode.NOT_FOUND_ERROR


def test_an_item_expires_when_the_emulator_clock_passes_its_ttl(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        cache.set("c", "k", "v", ttl=timedelta(seconds=10))
        server.control.advance(9.999)
        assert isinstance(cache.get("c", "k"), CacheGet.Hit)
        server.control.advance(0.001)
        assert isinstance(cache.get("c", "k"), CacheGet.Miss)


def test_limits_are_limit_exceeded_errors(server: ThreadedEmulatorServer) -> None:
    with client(server) as cache:
        too_long = timedelta(seconds=server.emulator.settings.max_item_ttl + 1)
        assert code_of(cache.set("c", "k", "v", ttl=too_long)) is MomentoErrorCode.LIMIT_EXCEEDED_ERROR


# --- the permission matrix -----------------------------------------------------------------

# Every cache role and selector: ((factory, *arguments), what it may do, what it may not). Operations name the
# capability they exercise: get (read), set (write), set_if_not_exists (conditional write),
# increment (a write that returns state), each on (cache, key).
Op = tuple[str, str, str]
MATRIX: dict[str, tuple[tuple[Any, ...], list[Op], list[Op]]] = {
    "read-write, all caches": (
        ("cache_read_write", AllCaches()),
        [("get", "c", "k"), ("set", "other", "k"), ("set_if_not_exists", "c", "k"), ("increment", "c", "n")],
        [],
    ),
    "read-write, one cache": (
        ("cache_read_write", "c"),
        [("get", "c", "k"), ("set", "c", "k"), ("set_if_not_exists", "c", "k"), ("increment", "c", "n")],
        [("get", "other", "k"), ("set", "other", "k")],
    ),
    "read-only, all caches": (
        ("cache_read_only", AllCaches()),
        [("get", "c", "k"), ("get", "other", "k")],
        [("set", "c", "k"), ("set_if_not_exists", "c", "k"), ("increment", "c", "n")],
    ),
    "read-only, one cache": (
        ("cache_read_only", "c"),
        [("get", "c", "k")],
        [("get", "other", "k"), ("set", "c", "k")],
    ),
    "write-only, all caches": (
        ("cache_write_only", AllCaches()),
        [("set", "c", "k"), ("set", "other", "k")],
        [("get", "c", "k"), ("set_if_not_exists", "c", "k"), ("increment", "c", "n")],
    ),
    "write-only, one cache": (
        ("cache_write_only", "c"),
        [("set", "c", "k")],
        [("set", "other", "k"), ("get", "c", "k")],
    ),
    "read-write, one key": (
        ("cache_key_read_write", "c", "k"),
        [("get", "c", "k"), ("set", "c", "k"), ("set_if_not_exists", "c", "k")],
        [("get", "c", "k2"), ("get", "other", "k"), ("increment", "c", "n")],
    ),
    "read-only, one key": (
        ("cache_key_read_only", "c", "k"),
        [("get", "c", "k")],
        [("set", "c", "k"), ("get", "c", "k2")],
    ),
    "write-only, one key": (
        ("cache_key_write_only", "c", "k"),
        [("set", "c", "k")],
        [("get", "c", "k"), ("set", "c", "k2"), ("set_if_not_exists", "c", "k")],
    ),
    "read-write, key prefix": (
        ("cache_key_prefix_read_write", "c", "user:"),
        [("get", "c", "user:1"), ("set", "c", "user:2"), ("increment", "c", "user:n")],
        [("get", "c", "admin:1"), ("set", "other", "user:1")],
    ),
    "read-only, key prefix": (
        ("cache_key_prefix_read_only", "c", "user:"),
        [("get", "c", "user:1")],
        [("set", "c", "user:1"), ("get", "c", "admin")],
    ),
    "write-only, key prefix": (
        ("cache_key_prefix_write_only", "c", "user:"),
        [("set", "c", "user:1")],
        [("get", "c", "user:1"), ("set", "c", "admin"), ("increment", "c", "user:n")],
    ),
}


def test_the_matrix_covers_every_cache_scope_factory() -> None:
    cache_factories = {name for name in vars(Scopes) if name.startswith("cache_")}
    assert {factory for (factory, *_), _, _ in MATRIX.values()} == cache_factories


def scope_of(spec: tuple[Any, ...]) -> DisposableTokenScope:
    factory, *args = spec
    return getattr(Scopes, factory)(*args)  # type: ignore[no-any-return]


def call(cache: CacheClient, op: str, cache_name: str, key: str) -> object:
    if op == "get":
        return cache.get(cache_name, key)
    if op == "set":
        return cache.set(cache_name, key, "v")
    if op == "set_if_not_exists":
        return cache.set_if_not_exists(cache_name, key, "v")
    return cache.increment(cache_name, key)


async def call_async(cache: CacheClientAsync, op: str, cache_name: str, key: str) -> object:
    if op == "get":
        return await cache.get(cache_name, key)
    if op == "set":
        return await cache.set(cache_name, key, "v")
    if op == "set_if_not_exists":
        return await cache.set_if_not_exists(cache_name, key, "v")
    return await cache.increment(cache_name, key)


@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix_sync(server: ThreadedEmulatorServer, name: str) -> None:
    spec, allowed, denied = MATRIX[name]
    with client(server, disposable(server, scope_of(spec))) as cache:
        for op, cache_name, key in allowed:
            assert code_of(call(cache, op, cache_name, key)) is None, (op, cache_name, key)
        for op, cache_name, key in denied:
            response = call(cache, op, cache_name, key)
            assert code_of(response) is MomentoErrorCode.PERMISSION_ERROR, (op, cache_name, key)
            assert response.message.startswith("Insufficient permissions")  # type: ignore[attr-defined]


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(MATRIX))
async def test_permission_matrix_async(server: ThreadedEmulatorServer, name: str) -> None:
    spec, allowed, denied = MATRIX[name]
    async with client_async(server, disposable(server, scope_of(spec))) as cache:
        for op, cache_name, key in allowed:
            assert code_of(await call_async(cache, op, cache_name, key)) is None, (op, cache_name, key)
        for op, cache_name, key in denied:
            response = await call_async(cache, op, cache_name, key)
            assert code_of(response) is MomentoErrorCode.PERMISSION_ERROR, (op, cache_name, key)


def test_a_token_for_one_cache_cannot_learn_whether_another_exists(server: ThreadedEmulatorServer) -> None:
    with client(server, disposable(server, Scopes.cache_read_write("c"))) as cache:
        assert code_of(cache.get("other", "k")) is MomentoErrorCode.PERMISSION_ERROR
        assert code_of(cache.get("missing", "k")) is MomentoErrorCode.PERMISSION_ERROR


def test_expiry_and_revocation_are_authentication_errors_on_data_calls(server: ThreadedEmulatorServer) -> None:
    token = disposable(server, Scopes.cache_read_write("c"), seconds=30)
    other = disposable(server, Scopes.cache_read_write("c"), seconds=3600)
    with client(server, token) as expiring, client(server, other) as revoked:
        assert isinstance(expiring.set("c", "k", "v"), CacheSet.Success)
        assert isinstance(revoked.get("c", "k"), CacheGet.Hit)
        server.control.advance(30)
        assert code_of(expiring.get("c", "k")) is MomentoErrorCode.AUTHENTICATION_ERROR
        server.control.revoke_key(other)
        assert code_of(revoked.get("c", "k")) is MomentoErrorCode.AUTHENTICATION_ERROR


def test_a_forged_key_is_an_authentication_error(server: ThreadedEmulatorServer) -> None:
    token = disposable(server, Scopes.cache_read_write("c"))
    with client(server, token[:-4] + "AAAA") as cache:
        assert code_of(cache.get("c", "k")) is MomentoErrorCode.AUTHENTICATION_ERROR


@pytest.mark.asyncio
async def test_concurrent_writers_lose_nothing(server: ThreadedEmulatorServer) -> None:
    async with client_async(server) as first, client_async(server) as second:
        results = await asyncio.gather(
            *(client.increment("c", "counter") for client in (first, second) for _ in range(100)),
            *(first.set("c", f"key-{i}", str(i)) for i in range(100)),
        )
        assert all(code_of(result) is None for result in results)
        final = await second.get("c", "counter")
        assert isinstance(final, CacheGet.Hit) and final.value_string == "200"
        for i in range(100):
            got = await second.get("c", f"key-{i}")
            assert isinstance(got, CacheGet.Hit) and got.value_string == str(i)
    assert isinstance(results[0], CacheIncrement.Success)
