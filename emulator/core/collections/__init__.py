"""Momento's collection types as the values an item holds: dictionaries, lists, sets, sorted sets.

Each type is a plain mutable container with one method per operation and no notion of time or
storage; the item store keeps it with its expiry, removes it when it becomes empty, and applies
:class:`CollectionTtl` on writes.
"""

from __future__ import annotations

from typing import Any

from emulator.core.caches import ItemType
from emulator.core.collections.common import CollectionTtl
from emulator.core.collections.dictionary import Dictionary
from emulator.core.collections.lists import ItemList
from emulator.core.collections.sets import ItemSet
from emulator.core.collections.sorted_sets import Aggregate, ScoreBound, SortedSet, union_store

AnyCollection = Dictionary | ItemList | ItemSet | SortedSet

# Each collection type by the name its items' type has (``ItemType``'s values).
COLLECTION_TYPES: dict[str, type[AnyCollection]] = {
    ItemType.DICTIONARY.value: Dictionary,
    ItemType.LIST.value: ItemList,
    ItemType.SET.value: ItemSet,
    ItemType.SORTED_SET.value: SortedSet,
}


def collection_of(value: Any) -> AnyCollection:
    """``value`` as one of the collection types; ``TypeError`` for anything else (a bug, not input)."""
    if not isinstance(value, Dictionary | ItemList | ItemSet | SortedSet):
        raise TypeError(f"{type(value).__name__} is not a collection value")
    return value


__all__ = [
    "COLLECTION_TYPES",
    "AnyCollection",
    "Aggregate",
    "collection_of",
    "CollectionTtl",
    "Dictionary",
    "ItemList",
    "ItemSet",
    "ScoreBound",
    "SortedSet",
    "union_store",
]
