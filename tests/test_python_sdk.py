"""The official Python SDK (momento 1.29.1) against the emulator, unchanged: disposable tokens."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from momento import AuthClient, AuthClientAsync, CredentialProvider
from momento.auth.access_control.disposable_token_scope import (
    AllCacheItems,
    CacheItemKey,
    CacheItemKeyPrefix,
    CacheItemSelector,
    DisposableTokenCachePermission,
    DisposableTokenCachePermissions,
    DisposableTokenProps,
    DisposableTokenScope,
)
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes as Scopes
from momento.auth.access_control.permission_scope import (
    AllCaches,
    AllTopics,
    CacheName,
    CachePermission,
    CacheRole,
    CacheSelector,
    Permissions,
    TopicName,
    TopicPermission,
    TopicRole,
    TopicSelector,
)
from momento.config.auth_configurations import AuthConfigurations
from momento.errors import MomentoErrorCode
from momento.responses.auth.generate_disposable_token import GenerateDisposableToken
from momento.utilities import ExpiresIn
from momento_wire_types import auth_pb2, auth_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import Control, ThreadedEmulatorServer

# factory -> (scope, [(action, cache, item or topic) allowed], [... denied])
Check = tuple[str, str, dict[str, Any]]
SCOPES: dict[str, tuple[DisposableTokenScope, list[Check], list[Check]]] = {
    "cache_read_write": (
        Scopes.cache_read_write("c"),
        [("get", "c", {"item": "k"}), ("set-if-not-exists", "c", {"item": "k"})],
        [("get", "d", {"item": "k"}), ("publish", "c", {"topic": "t"})],
    ),
    "cache_read_only": (Scopes.cache_read_only("c"), [("get", "c", {"item": "k"})], [("set", "c", {"item": "k"})]),
    "cache_write_only": (
        Scopes.cache_write_only("c"),
        [("set", "c", {"item": "k"})],
        [("get", "c", {"item": "k"}), ("list-push-back", "c", {"item": "k"})],
    ),
    "cache_key_read_write": (
        Scopes.cache_key_read_write("c", "k"),
        [("get", "c", {"item": "k"}), ("set", "c", {"item": "k"})],
        [("get", "c", {"item": "k2"})],
    ),
    "cache_key_read_only": (
        Scopes.cache_key_read_only("c", "k"),
        [("get", "c", {"item": "k"})],
        [("set", "c", {"item": "k"})],
    ),
    "cache_key_write_only": (
        Scopes.cache_key_write_only("c", "k"),
        [("set", "c", {"item": "k"})],
        [("get", "c", {"item": "k"}), ("set", "c", {"item": "other"})],
    ),
    "cache_key_prefix_read_write": (
        Scopes.cache_key_prefix_read_write("c", "user:"),
        [("get", "c", {"item": "user:1"}), ("delete", "c", {"item": "user:2"})],
        [("get", "c", {"item": "admin:1"})],
    ),
    "cache_key_prefix_read_only": (
        Scopes.cache_key_prefix_read_only("c", "user:"),
        [("get", "c", {"item": "user:1"})],
        [("set", "c", {"item": "user:1"})],
    ),
    "cache_key_prefix_write_only": (
        Scopes.cache_key_prefix_write_only("c", "user:"),
        [("set", "c", {"item": "user:1"})],
        [("get", "c", {"item": "user:1"}), ("set-if-not-exists", "c", {"item": "user:1"})],
    ),
    "topic_publish_subscribe": (
        Scopes.topic_publish_subscribe("c", "t"),
        [("publish", "c", {"topic": "t"}), ("subscribe", "c", {"topic": "t"})],
        [("publish", "c", {"topic": "u"}), ("get", "c", {"item": "k"})],
    ),
    "topic_subscribe_only": (
        Scopes.topic_subscribe_only("c", "t"),
        [("subscribe", "c", {"topic": "t"})],
        [("publish", "c", {"topic": "t"})],
    ),
    "topic_publish_only": (
        Scopes.topic_publish_only("c", "t"),
        [("publish", "c", {"topic": "t"})],
        [("subscribe", "c", {"topic": "t"})],
    ),
}


def test_every_disposable_token_scope_factory_is_covered() -> None:
    factories = {name for name in vars(Scopes) if not name.startswith("_")}
    assert factories == set(SCOPES)


def provider(server: ThreadedEmulatorServer, key: str) -> CredentialProvider:
    host, port = server.target.rsplit(":", 1)
    return dataclasses.replace(
        CredentialProvider.from_string(key),
        control_endpoint=host,
        cache_endpoint=host,
        token_endpoint=host,
        port=int(port),
    )


def generate(server: ThreadedEmulatorServer, key: str, scope: DisposableTokenScope, expires: ExpiresIn, **props: Any):
    with AuthClient(AuthConfigurations.Laptop.latest(), provider(server, key)) as client:
        return client.generate_disposable_token(scope, expires, DisposableTokenProps(**props) if props else None)


async def generate_async(server: ThreadedEmulatorServer, key: str, scope: DisposableTokenScope, expires: ExpiresIn):
    async with AuthClientAsync(AuthConfigurations.Laptop.latest(), provider(server, key)) as client:
        return await client.generate_disposable_token(scope, expires)


def assert_scope(control: Control, token: str, allowed: list[Check], denied: list[Check]) -> None:
    for action, cache, target in allowed:
        assert control.authorize(token, action, cache, **target).allowed, (action, target)
    for action, cache, target in denied:
        assert not control.authorize(token, action, cache, **target).allowed, (action, target)


@pytest.mark.parametrize("name", list(SCOPES))
def test_sync_client_mints_each_scope(server: ThreadedEmulatorServer, control: Control, name: str) -> None:
    scope, allowed, denied = SCOPES[name]
    response = generate(server, control.bootstrap().api_key, scope, ExpiresIn.minutes(30), token_id=f"id-{name}")
    assert isinstance(response, GenerateDisposableToken.Success), response
    assert response.expires_at.epoch() == int(control.now().timestamp()) + 1800
    decoded = json.loads(base64.b64decode(response.auth_token))
    assert decoded["endpoint"] == control.bootstrap().endpoint == server.target
    described = control.describe_key(response.auth_token)
    assert (described.kind, described.status, described.token_id) == (
        "disposable_token",
        "active",
        f"id-{name}",
    )
    assert_scope(control, response.auth_token, allowed, denied)


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(SCOPES))
async def test_async_client_mints_each_scope(server: ThreadedEmulatorServer, control: Control, name: str) -> None:
    scope, allowed, denied = SCOPES[name]
    response = await generate_async(server, control.bootstrap().api_key, scope, ExpiresIn.seconds(90))
    assert isinstance(response, GenerateDisposableToken.Success), response
    assert response.expires_at.epoch() == int(control.now().timestamp()) + 90
    assert_scope(control, response.auth_token, allowed, denied)


def test_a_minted_token_expires_with_the_emulator_clock(server: ThreadedEmulatorServer, control: Control) -> None:
    response = generate(server, control.bootstrap().api_key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert isinstance(response, GenerateDisposableToken.Success)
    assert control.authorize(response.auth_token, "get", "c", item="k").allowed
    control.advance(60)
    decision = control.authorize(response.auth_token, "get", "c", item="k")
    assert not decision.allowed and "expired" in decision.reason


def caller_key(server: ThreadedEmulatorServer, control: Control, permissions: pm.Permissions, seconds: int) -> str:
    """A v1 key minted over the wire from the session token, in the base64 form users hold."""
    import grpc

    with grpc.insecure_channel(server.target) as channel:
        response = auth_pb2_grpc.AuthStub(channel).GenerateApiToken(
            auth_pb2._GenerateApiTokenRequest(
                auth_token=control.bootstrap().raw_session_token,
                permissions=permissions,
                expires=auth_pb2._GenerateApiTokenRequest.Expires(valid_for_seconds=seconds),
            )
        )
    return base64.b64encode(json.dumps({"endpoint": response.endpoint, "api_key": response.api_key}).encode()).decode()


def error_code(response: Any) -> MomentoErrorCode:
    assert isinstance(response, GenerateDisposableToken.Error), response
    return response.error_code


def test_an_expired_caller_key_is_an_authentication_error(server: ThreadedEmulatorServer, control: Control) -> None:
    key = caller_key(server, control, pm.Permissions(super_user=pm.SuperUser), seconds=300)
    assert isinstance(
        generate(server, key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60)), GenerateDisposableToken.Success
    )
    control.advance(300)
    response = generate(server, key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert error_code(response) is MomentoErrorCode.AUTHENTICATION_ERROR


def test_an_explicit_permission_caller_is_a_permission_error(server: ThreadedEmulatorServer, control: Control) -> None:
    read_write = pm.PermissionsType(
        cache_permissions=pm.PermissionsType.CachePermissions(
            role=pm.CacheReadWrite, all_caches=pm.PermissionsType.All()
        )
    )
    key = caller_key(server, control, pm.Permissions(explicit=pm.ExplicitPermissions(permissions=[read_write])), 300)
    response = generate(server, key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert error_code(response) is MomentoErrorCode.PERMISSION_ERROR
    assert "Insufficient permissions" in str(response.inner_exception.transport_details)


def test_a_lifetime_over_the_maximum_is_an_invalid_argument_error(
    server: ThreadedEmulatorServer, control: Control
) -> None:
    response = generate(server, control.bootstrap().api_key, Scopes.cache_read_only("c"), ExpiresIn.seconds(3601))
    assert error_code(response) is MomentoErrorCode.INVALID_ARGUMENT_ERROR


@pytest.mark.asyncio
async def test_async_client_reports_a_revoked_caller_as_an_authentication_error(
    server: ThreadedEmulatorServer, control: Control
) -> None:
    key = caller_key(server, control, pm.Permissions(super_user=pm.SuperUser), seconds=300)
    control.revoke_key(key)
    response = await generate_async(server, key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert error_code(response) is MomentoErrorCode.AUTHENTICATION_ERROR


def test_an_injected_fault_reaches_the_sdk_then_stops(server: ThreadedEmulatorServer, control: Control) -> None:
    control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1)
    first = generate(server, control.bootstrap().api_key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert error_code(first) is MomentoErrorCode.SERVER_UNAVAILABLE
    second = generate(server, control.bootstrap().api_key, Scopes.cache_read_only("c"), ExpiresIn.seconds(60))
    assert isinstance(second, GenerateDisposableToken.Success)


# topic role -> (the role the emulator records, topic actions it allows, topic actions it denies)
TOPIC_ROLES = {
    TopicRole.PUBLISH_SUBSCRIBE: ("topic-publish-subscribe", ["publish", "subscribe"], []),
    TopicRole.SUBSCRIBE_ONLY: ("topic-subscribe-only", ["subscribe"], ["publish"]),
    TopicRole.PUBLISH_ONLY: ("topic-publish-only", ["publish"], ["subscribe"]),
}


@pytest.mark.parametrize("role", list(TopicRole))
def test_permissions_mixing_cache_and_topic_grants_each_topic_role(
    server: ThreadedEmulatorServer, control: Control, role: TopicRole
) -> None:
    scope = DisposableTokenScope(
        Permissions(
            [
                CachePermission(CacheSelector(CacheName("c")), CacheRole.READ_ONLY),
                CachePermission(CacheSelector("d"), CacheRole.WRITE_ONLY),
                TopicPermission(role, CacheSelector("c"), TopicSelector(TopicName("t"))),
                TopicPermission(role, CacheSelector("d"), TopicSelector(AllTopics())),
            ]
        )
    )
    response = generate(server, control.bootstrap().api_key, scope, ExpiresIn.minutes(5))
    assert isinstance(response, GenerateDisposableToken.Success), response
    recorded, allowed, denied = TOPIC_ROLES[role]
    permissions = control.describe_key(response.auth_token).permissions
    assert [p["role"] for p in permissions] == ["cache-read-only", "cache-write-only", recorded, recorded]
    assert_scope(
        control,
        response.auth_token,
        [("get", "c", {"item": "k"}), ("set", "d", {"item": "k"})]
        + [(action, "c", {"topic": "t"}) for action in allowed]
        + [(action, "d", {"topic": "any"}) for action in allowed],
        [("set", "c", {"item": "k"}), ("get", "d", {"item": "k"}), ("get", "other", {"item": "k"})]
        + [(action, "c", {"topic": "t"}) for action in denied]
        + [(action, "d", {"topic": "any"}) for action in denied]
        + [(action, "c", {"topic": "u"}) for action in allowed]
        + [(action, "other", {"topic": "t"}) for action in allowed],
    )


def item_permission(
    role: CacheRole, cache: str | AllCaches, item: CacheItemKey | CacheItemKeyPrefix | AllCacheItems
) -> DisposableTokenCachePermission:
    return DisposableTokenCachePermission(
        cache_selector=CacheSelector(cache), role=role, cache_item_selector=CacheItemSelector(item)
    )


# item selector -> (permission, recorded text, [allowed], [denied])
ITEM_SELECTORS: dict[str, tuple[DisposableTokenCachePermission, str, list[Check], list[Check]]] = {
    "key": (
        item_permission(CacheRole.READ_WRITE, "c", CacheItemKey("config")),
        "cache-read-write on cache 'c', item 'config'",
        [("get", "c", {"item": "config"}), ("set-if-not-exists", "c", {"item": "config"})],
        [("get", "c", {"item": "config2"}), ("get", "c", {"item": "conf"}), ("get", "d", {"item": "config"})],
    ),
    "key_prefix": (
        item_permission(CacheRole.READ_ONLY, "c", CacheItemKeyPrefix("user:")),
        "cache-read-only on cache 'c', items with prefix 'user:'",
        [("get", "c", {"item": "user:1"}), ("get", "c", {"item": "user:"})],
        [("set", "c", {"item": "user:1"}), ("get", "c", {"item": "admin:1"}), ("get", "d", {"item": "user:1"})],
    ),
    "all_items": (
        item_permission(CacheRole.WRITE_ONLY, AllCaches(), AllCacheItems()),
        "cache-write-only on all caches, all items",
        [("set", "c", {"item": "any"}), ("delete", "d", {"item": "other"})],
        [("get", "c", {"item": "any"}), ("increment", "d", {"item": "n"})],
    ),
}


@pytest.mark.parametrize("name", list(ITEM_SELECTORS))
def test_disposable_token_cache_permissions_with_each_item_selector(
    server: ThreadedEmulatorServer, control: Control, name: str
) -> None:
    permission, text, allowed, denied = ITEM_SELECTORS[name]
    scope = DisposableTokenScope(DisposableTokenCachePermissions([permission]))
    response = generate(server, control.bootstrap().api_key, scope, ExpiresIn.minutes(5))
    assert isinstance(response, GenerateDisposableToken.Success), response
    assert control.describe_key(response.auth_token).permissions_text == text
    assert_scope(control, response.auth_token, allowed, denied)


def test_a_token_id_of_64_characters_is_accepted_and_65_refused(
    server: ThreadedEmulatorServer, control: Control
) -> None:
    scope, key = Scopes.cache_read_only("c"), control.bootstrap().api_key
    accepted = generate(server, key, scope, ExpiresIn.seconds(60), token_id="x" * 64)
    assert isinstance(accepted, GenerateDisposableToken.Success), accepted
    assert control.describe_key(accepted.auth_token).token_id == "x" * 64
    refused = generate(server, key, scope, ExpiresIn.seconds(60), token_id="x" * 65)
    assert error_code(refused) is MomentoErrorCode.INVALID_ARGUMENT_ERROR
    # The SDK sent it: the emulator refused it and journaled the call.
    assert "token_id: 65 characters" in str(refused.inner_exception.transport_details)
    assert [entry.code for entry in control.journal("GenerateDisposableToken")] == ["OK", "INVALID_ARGUMENT"]
