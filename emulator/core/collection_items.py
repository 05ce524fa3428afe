"""Collection items: Momento's dictionary, list, set and sorted set RPCs over the caches.

Each method reads the clock once, looks its cache up (``NotFound``), holds the caches' lock for
the whole operation and returns plain data, ``None`` where Momento answers "missing". The rules:

* a collection RPC on an item of another type is ``FailedPrecondition`` (our rule);
* a write creates its collection when missing, and applies its :class:`CollectionTtl`: the TTL is
  set on creation, and on later writes only when the TTL is to be refreshed;
* removals and pops carry no TTL and leave the expiry alone;
* a collection that becomes empty is removed, and an empty one is never stored.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from emulator.core.caches import Cache, Caches, Item, ItemType
from emulator.core.collections import (
    Aggregate,
    CollectionTtl,
    Dictionary,
    ItemList,
    ItemSet,
    ScoreBound,
    SortedSet,
    union_store,
)
from emulator.core.collections.common import wrong_type
from emulator.core.collections.sorted_sets import SCORE_BYTES
from emulator.core.errors import InvalidArgument, LimitExceeded
from emulator.core.items import Items

C = TypeVar("C", Dictionary, ItemList, ItemSet, SortedSet)
R = TypeVar("R")

# Each type's request field naming the collection, and its item type.
_NAMED: dict[type, tuple[str, ItemType]] = {
    Dictionary: ("dictionary_name", ItemType.DICTIONARY),
    ItemList: ("list_name", ItemType.LIST),
    ItemSet: ("set_name", ItemType.SET),
    SortedSet: ("set_name", ItemType.SORTED_SET),
}


class CollectionItems:
    """The collection operations of the ``Scs`` service over one account's caches.

    ``rng`` chooses SetSample's and SetPop's elements: seeded, a run is reproducible.
    """

    def __init__(self, items: Items, caches: Caches, rng: random.Random) -> None:
        self._items = items
        self._caches = caches
        self._rng = rng

    # --- dictionary ---------------------------------------------------------------------------

    def dictionary_get(self, cache: str, name: bytes, fields: Sequence[bytes]) -> list[bytes | None] | None:
        return self._read(cache, name, Dictionary, lambda d: d.get(fields))

    def dictionary_fetch(self, cache: str, name: bytes) -> list[tuple[bytes, bytes]] | None:
        return self._read(cache, name, Dictionary, Dictionary.fetch)

    def dictionary_length(self, cache: str, name: bytes) -> int | None:
        return self._read(cache, name, Dictionary, len)

    def dictionary_set(self, cache: str, name: bytes, items: Sequence[tuple[bytes, bytes]], ttl: CollectionTtl) -> None:
        self._write(cache, name, Dictionary, ttl, lambda d: d.set(items), sum(len(f) + len(v) for f, v in items))

    def dictionary_increment(self, cache: str, name: bytes, field: bytes, amount: int, ttl: CollectionTtl) -> int:
        return self._write(cache, name, Dictionary, ttl, lambda d: d.increment(field, amount), len(field) + 20)

    def dictionary_delete(self, cache: str, name: bytes, fields: Sequence[bytes] | None) -> None:
        """Remove ``fields``, or the whole dictionary when ``fields`` is None."""
        self._change(cache, name, Dictionary, lambda d: d.clear() if fields is None else d.delete(fields))

    # --- set ----------------------------------------------------------------------------------

    def set_fetch(self, cache: str, name: bytes) -> list[bytes] | None:
        return self._read(cache, name, ItemSet, ItemSet.fetch)

    def set_sample(self, cache: str, name: bytes, limit: int) -> list[bytes] | None:
        return self._read(cache, name, ItemSet, lambda s: s.sample(limit, self._rng))

    def set_contains(self, cache: str, name: bytes, elements: Sequence[bytes]) -> list[bool] | None:
        return self._read(cache, name, ItemSet, lambda s: s.contains(elements))

    def set_length(self, cache: str, name: bytes) -> int | None:
        return self._read(cache, name, ItemSet, len)

    def set_union(self, cache: str, name: bytes, elements: Sequence[bytes], ttl: CollectionTtl) -> None:
        self._write(cache, name, ItemSet, ttl, lambda s: s.union(elements), sum(map(len, elements)))

    def set_difference(
        self, cache: str, name: bytes, elements: Sequence[bytes] | None, *, minuend: bool = False
    ) -> bool:
        """Stored minus ``elements`` (None: the whole set), or with ``minuend`` ``elements`` minus
        stored; False when the set is missing."""

        def change(s: ItemSet) -> bool:
            if minuend:
                s.minuend(elements or ())
            else:
                s.clear() if elements is None else s.difference(elements)
            return True

        return self._change(cache, name, ItemSet, change) is not None

    def set_pop(self, cache: str, name: bytes, count: int) -> list[bytes] | None:
        return self._change(cache, name, ItemSet, lambda s: s.pop(count, self._rng))

    # --- list ---------------------------------------------------------------------------------

    def list_concatenate_back(
        self, cache: str, name: bytes, values: Sequence[bytes], ttl: CollectionTtl, truncate_front_to: int = 0
    ) -> int:
        return self._write(
            cache, name, ItemList, ttl, lambda v: v.concatenate_back(values, truncate_front_to), sum(map(len, values))
        )

    def list_concatenate_front(
        self, cache: str, name: bytes, values: Sequence[bytes], ttl: CollectionTtl, truncate_back_to: int = 0
    ) -> int:
        return self._write(
            cache, name, ItemList, ttl, lambda v: v.concatenate_front(values, truncate_back_to), sum(map(len, values))
        )

    def list_pop_front(self, cache: str, name: bytes) -> tuple[bytes, int] | None:
        """The front value and the length after the pop."""
        return self._change(cache, name, ItemList, lambda v: (v.pop_front(), len(v)))

    def list_pop_back(self, cache: str, name: bytes) -> tuple[bytes, int] | None:
        return self._change(cache, name, ItemList, lambda v: (v.pop_back(), len(v)))

    def list_fetch(self, cache: str, name: bytes, start: int | None, end: int | None) -> list[bytes] | None:
        return self._read(cache, name, ItemList, lambda v: v.fetch(start, end))

    def list_length(self, cache: str, name: bytes) -> int | None:
        return self._read(cache, name, ItemList, len)

    def list_retain(
        self, cache: str, name: bytes, start: int | None, end: int | None, ttl: CollectionTtl
    ) -> int | None:
        return self._change(cache, name, ItemList, lambda v: v.retain(start, end), ttl)

    def list_remove(self, cache: str, name: bytes, value: bytes) -> int | None:
        return self._change(cache, name, ItemList, lambda v: v.remove_value(value))

    def list_erase(self, cache: str, name: bytes, ranges: Sequence[tuple[int, int]] | None) -> int | None:
        """Erase ``(begin_index, count)`` ranges, or everything when ``ranges`` is None."""
        return self._change(cache, name, ItemList, lambda v: v.erase([(0, len(v))] if ranges is None else ranges))

    # --- sorted set ---------------------------------------------------------------------------

    def sorted_set_put(
        self, cache: str, name: bytes, elements: Sequence[tuple[bytes, float]], ttl: CollectionTtl
    ) -> None:
        adds = sum(len(value) + SCORE_BYTES for value, _ in elements)
        self._write(cache, name, SortedSet, ttl, lambda s: s.put(elements), adds)

    def sorted_set_increment(self, cache: str, name: bytes, value: bytes, amount: float, ttl: CollectionTtl) -> float:
        return self._write(cache, name, SortedSet, ttl, lambda s: s.increment(value, amount), len(value) + SCORE_BYTES)

    def sorted_set_remove(self, cache: str, name: bytes, values: Sequence[bytes] | None) -> None:
        """Remove ``values``, or the whole sorted set when ``values`` is None."""
        self._change(cache, name, SortedSet, lambda s: s.clear() if values is None else s.remove(values))

    def sorted_set_fetch_by_rank(
        self, cache: str, name: bytes, start: int | None, end: int | None, descending: bool
    ) -> list[tuple[bytes, float]] | None:
        return self._read(cache, name, SortedSet, lambda s: s.fetch_by_rank(start, end, descending))

    def sorted_set_fetch_by_score(
        self,
        cache: str,
        name: bytes,
        low: ScoreBound | None,
        high: ScoreBound | None,
        descending: bool,
        offset: int,
        count: int,
    ) -> list[tuple[bytes, float]] | None:
        return self._read(cache, name, SortedSet, lambda s: s.fetch_by_score(low, high, descending, offset, count))

    def sorted_set_get_scores(self, cache: str, name: bytes, values: Sequence[bytes]) -> list[float | None] | None:
        return self._read(cache, name, SortedSet, lambda s: s.get_scores(values))

    def sorted_set_rank(self, cache: str, name: bytes, value: bytes, descending: bool) -> int | None:
        """The value's rank; None when the value, or the whole sorted set, is missing."""
        return self._read(cache, name, SortedSet, lambda s: s.rank(value, descending))

    def sorted_set_length(self, cache: str, name: bytes) -> int | None:
        return self._read(cache, name, SortedSet, len)

    def sorted_set_length_by_score(
        self, cache: str, name: bytes, low: ScoreBound | None, high: ScoreBound | None
    ) -> int | None:
        return self._read(cache, name, SortedSet, lambda s: s.length_by_score(low, high))

    def sorted_set_union_store(
        self, cache: str, name: bytes, sources: Sequence[tuple[bytes, float]], aggregate: Aggregate, ttl_ms: int
    ) -> int:
        """Store the union of the ``(name, weight)`` sources at ``name`` (replacing the sorted set
        there; a missing source adds nothing) and return its length. An empty union removes the
        destination; a non-empty one expires ``ttl_ms`` from now."""
        self._check(name, SortedSet)
        if not sources:
            raise InvalidArgument("sources", "at least one source sorted set is required")
        self._items.check_ttl(ttl_ms, "ttl_milliseconds")
        with self._caches.lock:
            store, now_ms = self._caches.cache(cache), self._items.now_ms()
            destination = store.find(name, now_ms)
            if destination is not None:
                self._typed(destination, name, SortedSet)  # our rule: it may not hold another type
            found = [(self._live_sorted_set(store, source, now_ms), weight) for source, weight in sources]
            union = union_store(found, aggregate)
            self._fits(name, SortedSet, union.nbytes)
            if union:
                store.put(name, Item(union, now_ms + ttl_ms), now_ms)
            else:
                store.remove(name)
            return len(union)

    def _live_sorted_set(self, store: Cache, name: bytes, now_ms: int) -> SortedSet | None:
        item = store.find(name, now_ms)
        return None if item is None else self._typed(item, name, SortedSet)

    # --- the three shapes of an operation -----------------------------------------------------

    def _read(self, cache: str, name: bytes, kind: type[C], read: Callable[[C], R]) -> R | None:
        """``read`` of the live collection; None when it is missing."""
        self._check(name, kind)
        with self._caches.lock:
            item = self._caches.cache(cache).find(name, self._items.now_ms())
            return None if item is None else read(self._typed(item, name, kind))

    def _write(
        self, cache: str, name: bytes, kind: type[C], ttl: CollectionTtl, write: Callable[[C], R], adds: int
    ) -> R:
        """``write`` to the collection, creating it when missing, then apply ``ttl``.

        ``adds`` is the most the write can add to the collection's size: our rule refuses a write
        that could take the item (name and contents) over ``max_item_bytes``, whatever it replaces.
        """
        self._check(name, kind)
        self._items.check_ttl(ttl.ttl_ms, "ttl_milliseconds")
        with self._caches.lock:
            store, now_ms = self._caches.cache(cache), self._items.now_ms()
            item = store.find(name, now_ms)
            if item is None:
                self._fits(name, kind, adds)
                value = kind()
                result = write(value)
                if value:
                    store.put(name, Item(value, ttl.expiry(now_ms, None)), now_ms)
                return result
            current = self._typed(item, name, kind)
            self._fits(name, kind, current.nbytes + adds)
            result = write(current)
            self._settle(store, name, item, ttl.expiry(now_ms, item.expires_ms))
            return result

    def _change(
        self, cache: str, name: bytes, kind: type[C], change: Callable[[C], R], ttl: CollectionTtl | None = None
    ) -> R | None:
        """``change`` an existing collection (None when it is missing); ``ttl`` applies if given."""
        self._check(name, kind)
        if ttl is not None:
            self._items.check_ttl(ttl.ttl_ms, "ttl_milliseconds")
        with self._caches.lock:
            store, now_ms = self._caches.cache(cache), self._items.now_ms()
            item = store.find(name, now_ms)
            if item is None:
                return None
            result = change(self._typed(item, name, kind))
            self._settle(store, name, item, item.expires_ms if ttl is None else ttl.expiry(now_ms, item.expires_ms))
            return result

    @staticmethod
    def _settle(store: Cache, name: bytes, item: Item, expires_ms: int) -> None:
        """After a change: remove an emptied collection, or give it its new expiry."""
        if not item.value:
            store.remove(name)
        elif expires_ms != item.expires_ms:
            store.retime(name, item, expires_ms)

    def _fits(self, name: bytes, kind: type, nbytes: int) -> None:
        size, limit = len(name) + nbytes, self._caches.settings.max_item_bytes
        if size > limit:
            raise LimitExceeded(
                f"{_NAMED[kind][0]}: the item would hold {size} bytes (name and contents); at most {limit} allowed",
                "item_size_limit_exceeded",
            )

    @staticmethod
    def _check(name: bytes, kind: type) -> None:
        if not name:
            raise InvalidArgument(_NAMED[kind][0], "must not be empty")

    @staticmethod
    def _typed(item: Item, name: bytes, kind: type[C]) -> C:
        """The item's value as a ``kind``; ``FailedPrecondition`` when it holds something else."""
        if not isinstance(item.value, kind):
            field, wanted = _NAMED[kind]
            raise wrong_type(field, name, item.item_type, wanted)
        return item.value
