"""The one place tests and benchmarks build their values: the start instant, permissions and requests.

Imported by the tests as ``tests.builders`` and by the benchmarks (run from the repository root as
``python -m benchmarks.run``), so a request is built the same way wherever it is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from momento_wire_types import auth_pb2, token_pb2
from momento_wire_types import permissionmessages_pb2 as pm

START = 1893456000.0  # 2030-01-01T00:00:00Z: the emulator time every test and benchmark starts at
START_ISO = "2030-01-01T00:00:00Z"
START_DT = datetime.fromtimestamp(START, UTC)

PT = pm.PermissionsType


def cache_grant(
    role: int = pm.CacheReadWrite, cache: str | None = None, *, key: bytes | None = None, prefix: bytes | None = None
) -> Any:
    """One cache permission: every cache unless ``cache``; every item unless ``key`` or ``prefix``.

    An empty ``cache``, ``key`` or ``prefix`` is sent as set-but-empty, for tests of refusals.
    """
    grant = PT.CachePermissions(role=role)
    if cache is None:
        grant.all_caches.SetInParent()
    else:
        grant.cache_selector.cache_name = cache
    if key is not None:
        grant.item_selector.key = key
    elif prefix is not None:
        grant.item_selector.key_prefix = prefix
    else:
        grant.all_items.SetInParent()
    return PT(cache_permissions=grant)


def topic_grant(
    role: int = pm.TopicReadWrite, cache: str | None = None, topic: str | None = None, *, prefix: str | None = None
) -> Any:
    """One topic permission: every cache unless ``cache``; every topic unless ``topic`` or ``prefix``."""
    grant = PT.TopicPermissions(role=role)
    if cache is None:
        grant.all_caches.SetInParent()
    else:
        grant.cache_selector.cache_name = cache
    if topic is not None:
        grant.topic_selector.topic_name = topic
    elif prefix is not None:
        grant.topic_selector.topic_name_prefix = prefix
    else:
        grant.all_topics.SetInParent()
    return PT(topic_permissions=grant)


def explicit(*grants: Any) -> Any:
    """Explicit permissions holding exactly ``grants`` (none at all if none are given)."""
    return pm.Permissions(explicit=pm.ExplicitPermissions(permissions=list(grants)))


SUPER_USER = pm.Permissions(super_user=pm.SuperUser)


def api_key_request(
    auth_token: str, *, ttl: int | None = 3600, permissions: Any = None, token_id: str = "", description: str = ""
) -> Any:
    """A valid GenerateApiToken request, read-write on every cache unless ``permissions``; ``ttl=None``: never."""
    request = auth_pb2._GenerateApiTokenRequest(
        auth_token=auth_token,
        permissions=permissions if permissions is not None else explicit(cache_grant()),
        token_id=token_id,
        description=description,
    )
    if ttl is None:
        request.never.SetInParent()
    else:
        request.expires.valid_for_seconds = ttl
    return request


def disposable_request(auth_token: str, *grants: Any, ttl: int = 600, token_id: str = "") -> Any:
    """A valid GenerateDisposableToken request: read-write on every cache unless ``grants``."""
    return token_pb2._GenerateDisposableTokenRequest(
        auth_token=auth_token,
        expires=token_pb2._GenerateDisposableTokenRequest.Expires(valid_for_seconds=ttl),
        permissions=explicit(*(grants or (cache_grant(),))),
        token_id=token_id,
    )


def refresh_request(api_key: str, refresh_token: str) -> Any:
    """A RefreshApiToken request."""
    return auth_pb2._RefreshApiTokenRequest(api_key=api_key, refresh_token=refresh_token)


def forged(key: str) -> str:
    """``key`` (a raw JWT) with one character of its signature changed: a signature it never had.

    Not at the very end: the last character of a base64url signature carries two padding bits,
    so ``key[:-2] + "AA"`` decodes to the same signature about once in a thousand keys.
    """
    at = len(key) - 10
    return key[:at] + ("B" if key[at] == "A" else "A") + key[at + 1 :]
