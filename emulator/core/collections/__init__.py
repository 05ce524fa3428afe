"""Momento's collection types as the values an item holds: dictionaries, lists, sets, sorted sets.

Each type is a plain mutable container with one method per operation and no notion of time or
storage; the item store keeps it with its expiry, removes it when it becomes empty, and applies
:class:`CollectionTtl` on writes.
"""

from __future__ import annotations

from emulator.core.collections.common import Collection, CollectionTtl
from emulator.core.collections.dictionary import Dictionary
from emulator.core.collections.lists import ItemList
from emulator.core.collections.sets import ItemSet
from emulator.core.collections.sorted_sets import Aggregate, ScoreBound, SortedSet, union_store

__all__ = [
    "Aggregate",
    "Collection",
    "CollectionTtl",
    "Dictionary",
    "ItemList",
    "ItemSet",
    "ScoreBound",
    "SortedSet",
    "union_store",
]
