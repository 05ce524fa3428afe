"""Momento's control plane (``control_client.ScsControl``): caches, for session tokens and super-user keys."""

from __future__ import annotations

from momento_wire_types import controlclient_pb2 as pb

from emulator.services.admission import admitted
from emulator.services.call import Call


def create_cache(call: Call, request: pb._CreateCacheRequest) -> pb._CreateCacheResponse:
    admitted(call, cache=request.cache_name)
    call.state.caches.create(request.cache_name)
    return pb._CreateCacheResponse()


def delete_cache(call: Call, request: pb._DeleteCacheRequest) -> pb._DeleteCacheResponse:
    admitted(call, cache=request.cache_name)
    call.state.caches.delete(request.cache_name)
    return pb._DeleteCacheResponse()


def flush_cache(call: Call, request: pb._FlushCacheRequest) -> pb._FlushCacheResponse:
    admitted(call, cache=request.cache_name)
    call.state.caches.flush(request.cache_name)
    return pb._FlushCacheResponse()


def list_caches(call: Call, request: pb._ListCachesRequest) -> pb._ListCachesResponse:
    """Every cache in one page (our rule: ``next_token`` is ignored and never set)."""
    admitted(call, cache="")
    settings = call.state.settings
    limits = pb._CacheLimits(max_ttl_seconds=settings.max_item_ttl, max_item_size_kb=settings.max_item_bytes // 1024)
    return pb._ListCachesResponse(
        cache=[pb._Cache(cache_name=name, cache_limits=limits) for name in call.state.caches.names()]
    )
