"""Caches and the items in them, on the emulator's clock.

:class:`Caches` is the account's set of caches. Each :class:`Cache` maps item keys (bytes) to
:class:`Item` records: a typed value (``bytes`` for a scalar; collection values provide their
own ``item_type``) and an expiry in epoch milliseconds. Expiry is checked lazily when an item
is touched, and a heap of expiries lets each write reclaim what has expired in its cache since,
so memory stays flat under churn without a sweeper thread.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from emulator.core.config import Settings
from emulator.core.errors import AlreadyExists, InvalidArgument, LimitExceeded, NotFound
from emulator.core.permissions import MAX_NAME_LENGTH

# A heap this much larger than its cache (stale entries of overwritten items) is rebuilt.
_HEAP_SLACK = 64


class ItemType(StrEnum):
    """What an item holds, as ``ItemGetType`` reports it."""

    SCALAR = "scalar"
    DICTIONARY = "dictionary"
    SET = "set"
    LIST = "list"
    SORTED_SET = "sorted-set"


class Typed(Protocol):
    """A value that is not a plain scalar (a collection) says what it is."""

    @property
    def item_type(self) -> ItemType: ...


@dataclass(slots=True)
class Item:
    """One item: its value and the emulator instant (epoch ms) from which it is gone."""

    value: bytes | Typed
    expires_ms: int

    @property
    def item_type(self) -> ItemType:
        value = self.value
        return ItemType.SCALAR if isinstance(value, bytes) else value.item_type

    def remaining_ms(self, now_ms: int) -> int:
        return self.expires_ms - now_ms


class Cache:
    """One cache's items. Callers hold the owning :class:`Caches` lock."""

    __slots__ = ("name", "_items", "_heap")

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[bytes, Item] = {}
        self._heap: list[tuple[int, bytes]] = []  # (expires_ms, key), stale entries included

    def __len__(self) -> int:
        return len(self._items)

    def find(self, key: bytes, now_ms: int) -> Item | None:
        """The live item at ``key``; an expired one is dropped on the way (our rule: gone at its expiry)."""
        item = self._items.get(key)
        if item is not None and item.expires_ms <= now_ms:
            del self._items[key]
            return None
        return item

    def put(self, key: bytes, item: Item, now_ms: int) -> Item:
        """Store ``item`` at ``key`` (replacing any), reclaiming what has expired meanwhile."""
        self._reclaim(now_ms)
        self._items[key] = item
        heapq.heappush(self._heap, (item.expires_ms, key))
        return item

    def retime(self, key: bytes, item: Item, expires_ms: int) -> None:
        """Give the stored ``item`` a new expiry."""
        item.expires_ms = expires_ms
        heapq.heappush(self._heap, (expires_ms, key))
        self._compact()  # a collection refreshed on every write retimes often

    def remove(self, key: bytes) -> bool:
        return self._items.pop(key, None) is not None

    def flush(self) -> None:
        self._items.clear()
        self._heap.clear()

    def live(self, now_ms: int) -> Iterator[tuple[bytes, Item]]:
        """Every live item, keys in byte order."""
        for key in sorted(self._items):
            item = self._items[key]
            if item.expires_ms > now_ms:
                yield key, item

    def _reclaim(self, now_ms: int) -> None:
        heap, items = self._heap, self._items
        while heap and heap[0][0] <= now_ms:
            expires_ms, key = heapq.heappop(heap)
            item = items.get(key)
            if item is not None and item.expires_ms <= now_ms:
                del items[key]
        self._compact()

    def _compact(self) -> None:
        """Rebuild the heap once overwrites and retimes have left it mostly stale entries."""
        if len(self._heap) > 2 * len(self._items) + _HEAP_SLACK:
            self._heap = [(item.expires_ms, key) for key, item in self._items.items()]
            heapq.heapify(self._heap)


class Caches:
    """The account's caches, by name; thread-safe through :attr:`lock`."""

    def __init__(self, settings: Settings, on_delete: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self._caches: dict[str, Cache] = {}
        self._on_delete = on_delete  # told, outside the lock, of each deleted cache (its topics go too)

    def create(self, name: str) -> Cache:
        check_cache_name(name)
        with self.lock:
            if name in self._caches:
                raise AlreadyExists(f"cache_name: a cache named {name!r} already exists")
            limit = self.settings.max_caches
            if len(self._caches) >= limit:
                raise LimitExceeded(
                    f"cache_name: the account holds {limit} caches, the most allowed (max_caches)",
                    "cache_count_limit_exceeded",
                )
            cache = self._caches[name] = Cache(name)
            return cache

    def delete(self, name: str) -> None:
        check_cache_name(name)
        with self.lock:
            if self._caches.pop(name, None) is None:
                raise _missing(name)
        if self._on_delete is not None:
            self._on_delete(name)

    def flush(self, name: str) -> None:
        with self.lock:
            self.cache(name).flush()

    def names(self) -> list[str]:
        with self.lock:
            return sorted(self._caches)

    def cache(self, name: str) -> Cache:
        """The cache called ``name``, or ``NotFound``; the caller holds :attr:`lock`."""
        cache = self._caches.get(name)
        if cache is None:
            check_cache_name(name)
            raise _missing(name)
        return cache


def check_cache_name(name: str) -> None:
    """Our rule: 1 to 255 printable ASCII characters, no spaces (a name travels in a gRPC header)."""
    if not name:
        raise InvalidArgument("cache_name", "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument("cache_name", f"{len(name)} characters; at most {MAX_NAME_LENGTH} allowed")
    if not all("!" <= char <= "~" for char in name):
        raise InvalidArgument("cache_name", f"{name!r} may hold only printable ASCII characters without spaces")


def _missing(name: str) -> NotFound:
    return NotFound(f"cache_name: cache {name!r} does not exist")
