"""The admin API's caches and items: what an app wrote, for a test or a person to see (protos/admin.proto)."""

from __future__ import annotations

from emulator._generated import admin_pb2 as pb
from emulator.core.caches import Item
from emulator.core.clock import to_iso
from emulator.core.collections import Dictionary, SortedSet, collection_of
from emulator.services.call import Call

# A collection is previewed, never sent whole (our rule): its first entries, each field and value
# cut to its first bytes, with their whole sizes.
LISTED_ENTRIES = 3  # per collection in ListItems
SHOWN_ENTRIES = 10  # in GetItem
ENTRY_BYTES = 32


def describe_caches(call: Call, request: pb.DescribeCachesRequest) -> pb.DescribeCachesResponse:
    """Every cache, by name, with how many live items it holds."""
    items = call.state.items
    return pb.DescribeCachesResponse(
        caches=[pb.CacheInfo(name=name, items=len(items.listing(name))) for name in call.state.caches.names()]
    )


def add_cache(call: Call, request: pb.CacheRequest) -> pb.CacheInfo:
    call.state.caches.create(request.name)
    return pb.CacheInfo(name=request.name)


def drop_cache(call: Call, request: pb.CacheRequest) -> pb.CacheInfo:
    """Delete a cache; the answer counts the live items it held."""
    held = len(call.state.items.listing(request.name))
    call.state.caches.delete(request.name)
    return pb.CacheInfo(name=request.name, items=held)


def list_items(call: Call, request: pb.ListItemsRequest) -> pb.ListItemsResponse:
    """Live items, keys in byte order: scalars without their values (``GetItem`` has those), collections
    with their length and first ``LISTED_ENTRIES`` entries."""
    items = call.state.items
    listed = items.listing(request.cache)
    if request.limit:
        listed = listed[: request.limit]
    now_ms = items.now_ms()
    return pb.ListItemsResponse(items=[_info(key, item, now_ms, LISTED_ENTRIES) for key, item in listed])


def get_item(call: Call, request: pb.GetItemRequest) -> pb.ItemInfo:
    """One live item: a scalar with its whole value, a collection with its first ``SHOWN_ENTRIES`` entries."""
    items = call.state.items
    item = items.peek(request.cache, request.key)
    info = _info(request.key, item, items.now_ms(), SHOWN_ENTRIES)
    if isinstance(item.value, bytes):
        info.value = item.value
    return info


def _info(key: bytes, item: Item, now_ms: int, entries: int) -> pb.ItemInfo:
    """What an item is; a collection's length and its first ``entries`` entries."""
    info = pb.ItemInfo(
        key=key,
        type=item.item_type.value,
        expires_at=to_iso(item.expires_ms / 1000),
        remaining_ttl_ms=item.remaining_ms(now_ms),
    )
    if isinstance(item.value, bytes):
        info.size = len(item.value)
        return info
    value = collection_of(item.value)
    info.size, info.length = value.nbytes, len(value)
    head = value.head(entries)
    if isinstance(value, Dictionary):
        info.entries.extend(_entry(stored, field=field) for field, stored in head)
    elif isinstance(value, SortedSet):
        info.entries.extend(_entry(stored, score=score) for stored, score in head)
    else:
        info.entries.extend(_entry(stored) for stored in head)
    return info


def _entry(value: bytes, *, field: bytes = b"", score: float = 0.0) -> pb.Entry:
    return pb.Entry(
        field=field[:ENTRY_BYTES], field_size=len(field), value=value[:ENTRY_BYTES], value_size=len(value), score=score
    )
