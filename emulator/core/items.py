"""Scalar items: Momento's Get/Set family, each one call that reads the clock once.

Every method looks its cache up (``NotFound`` if missing), holds the caches' lock for the whole
operation, and takes times in milliseconds on the emulator's clock. Callers authenticate and
authorize first: the cache lookup comes last, so a caller learns nothing about caches it may not use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from emulator.core.caches import Cache, Caches, Item, ItemType
from emulator.core.clock import Clock
from emulator.core.errors import FailedPrecondition, InvalidArgument, LimitExceeded, NotFound

INT64 = (-(2**63), 2**63 - 1)


class When(Enum):
    """The condition of a conditional set. ``NOT_EQUAL`` holds for an absent item too, as in Momento."""

    ALWAYS = "always"
    ABSENT = "absent"
    PRESENT = "present"
    EQUAL = "equal"  # present and equal
    NOT_EQUAL = "not-equal"  # absent, or present and different
    PRESENT_AND_NOT_EQUAL = "present-and-not-equal"
    ABSENT_OR_EQUAL = "absent-or-equal"


@dataclass(frozen=True, slots=True)
class Condition:
    """When a conditional set stores; ``by_hash`` compares ``GetWithHash`` hashes instead of values."""

    when: When
    operand: bytes = b""
    by_hash: bool = False

    def holds(self, current: bytes | None) -> bool:
        when = self.when
        if when is When.ALWAYS:
            return True
        if current is None:
            return when in (When.ABSENT, When.NOT_EQUAL, When.ABSENT_OR_EQUAL)
        if when in (When.ABSENT, When.PRESENT):
            return when is When.PRESENT
        equal = (value_hash(current) if self.by_hash else current) == self.operand
        return equal if when in (When.EQUAL, When.ABSENT_OR_EQUAL) else not equal


class TtlUpdate(Enum):
    INCREASE = "increase"  # only if longer than what remains
    DECREASE = "decrease"  # only if shorter than what remains
    OVERWRITE = "overwrite"


def value_hash(value: bytes) -> bytes:
    """The hash ``GetWithHash`` reports (our rule: SHA-256 of the value; the SDKs treat it as opaque)."""
    return hashlib.sha256(value).digest()


class Items:
    """The scalar operations of the ``Scs`` service over one account's caches."""

    def __init__(self, caches: Caches, clock: Clock) -> None:
        self._caches = caches
        self._clock = clock
        self._settings = caches.settings

    def now_ms(self) -> int:
        return round(self._clock.now() * 1000)

    def get(self, cache_name: str, key: bytes) -> bytes | None:
        with self._caches.lock:
            return _scalar(self._caches.cache(cache_name).find(key, self.now_ms()))

    def get_batch(self, cache_name: str, keys: Sequence[bytes]) -> list[bytes | None]:
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            return [_scalar(cache.find(key, now_ms)) for key in keys]

    def get_with_hash(self, cache_name: str, key: bytes) -> tuple[bytes, bytes] | None:
        value = self.get(cache_name, key)
        return None if value is None else (value, value_hash(value))

    def set(self, cache_name: str, key: bytes, value: bytes, ttl_ms: int) -> None:
        self._check(key, value, ttl_ms)
        self._store(cache_name, ((key, value, ttl_ms),))

    def set_batch(self, cache_name: str, items: Sequence[tuple[bytes, bytes, int]]) -> None:
        """Store every (key, value, ttl_ms); checked all first, so a refused batch stores nothing."""
        for index, (key, value, ttl_ms) in enumerate(items):
            self._check(key, value, ttl_ms, f"items[{index}].")
        self._store(cache_name, items)

    def _store(self, cache_name: str, items: Sequence[tuple[bytes, bytes, int]]) -> None:
        """Store checked (key, value, ttl_ms) items, all at one instant."""
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            for key, value, ttl_ms in items:
                cache.put(key, Item(value, now_ms + ttl_ms), now_ms)

    def set_if(self, cache_name: str, key: bytes, value: bytes, ttl_ms: int, condition: Condition) -> bytes | None:
        """Store if ``condition`` holds; the stored value's hash, or ``None`` when not stored."""
        self._check(key, value, ttl_ms)
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            current = cache.find(key, now_ms)
            if not condition.holds(None if current is None else _comparable(current, condition)):
                return None
            cache.put(key, Item(value, now_ms + ttl_ms), now_ms)
            return value_hash(value)

    def increment(self, cache_name: str, key: bytes, amount: int, ttl_ms: int) -> int:
        """Add ``amount`` to the integer at ``key`` (0 when absent) and store it as decimal text.

        Our rules: the stored text must be a base-10 64-bit integer (optional sign, no spaces),
        a result outside 64 bits is refused, the TTL given is applied on every increment, and the
        item stored (key and decimal text) must fit ``max_item_bytes`` like any other.
        """
        self._check(key, b"", ttl_ms)
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            current = _scalar(cache.find(key, now_ms))
            total = (0 if current is None else parse_int64(current)) + amount
            if not INT64[0] <= total <= INT64[1]:
                raise FailedPrecondition(f"cache_key: incrementing by {amount} would overflow a 64-bit integer")
            text = str(total).encode()
            self._fits(key, text)
            cache.put(key, Item(text, now_ms + ttl_ms), now_ms)
            return total

    def delete(self, cache_name: str, key: bytes) -> None:
        with self._caches.lock:
            self._caches.cache(cache_name).remove(key)

    def keys_exist(self, cache_name: str, keys: Sequence[bytes]) -> list[bool]:
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            return [cache.find(key, now_ms) is not None for key in keys]

    def update_ttl(self, cache_name: str, key: bytes, how: TtlUpdate, ttl_ms: int) -> bool | None:
        """Change the item's TTL; ``None`` when it is missing, ``False`` when the condition kept it."""
        self.check_ttl(ttl_ms, "ttl")
        with self._caches.lock:
            cache, now_ms = self._caches.cache(cache_name), self.now_ms()
            item = cache.find(key, now_ms)
            if item is None:
                return None
            remaining = item.remaining_ms(now_ms)
            if (how is TtlUpdate.INCREASE and ttl_ms <= remaining) or (
                how is TtlUpdate.DECREASE and ttl_ms >= remaining
            ):
                return False
            cache.retime(key, item, now_ms + ttl_ms)
            return True

    def remaining_ttl_ms(self, cache_name: str, key: bytes) -> int | None:
        with self._caches.lock:
            now_ms = self.now_ms()
            item = self._caches.cache(cache_name).find(key, now_ms)
            return None if item is None else item.remaining_ms(now_ms)

    def item_type(self, cache_name: str, key: bytes) -> ItemType | None:
        with self._caches.lock:
            item = self._caches.cache(cache_name).find(key, self.now_ms())
            return None if item is None else item.item_type

    def peek(self, cache_name: str, key: bytes) -> Item:
        """The live item at ``key``, of any type (for the admin API); ``NotFound`` if there is none."""
        with self._caches.lock:
            item = self._caches.cache(cache_name).find(key, self.now_ms())
            if item is None:
                shown = key.decode("utf-8", "backslashreplace")
                raise NotFound(f"key: no live item {shown!r} in cache {cache_name!r}")
            return item

    def listing(self, cache_name: str) -> list[tuple[bytes, Item]]:
        """Every live item of a cache, keys in byte order (for the admin API)."""
        with self._caches.lock:
            cache: Cache = self._caches.cache(cache_name)
            return list(cache.live(self.now_ms()))

    def _check(self, key: bytes, value: bytes, ttl_ms: int, field: str = "") -> None:
        if not key:
            raise InvalidArgument(f"{field}cache_key", "must not be empty")
        self._fits(key, value, field)
        self.check_ttl(ttl_ms, f"{field}ttl_milliseconds")

    def _fits(self, key: bytes, value: bytes, field: str = "") -> None:
        size, limit = len(key) + len(value), self._settings.max_item_bytes
        if size > limit:
            raise LimitExceeded(
                f"{field}cache_body: the item is {size} bytes (key and value); at most {limit} allowed",
                "item_size_limit_exceeded",
            )

    def check_ttl(self, ttl_ms: int, field: str) -> None:
        """Refuse a TTL of 0 or less, or above the configured ceiling (``max_item_ttl``)."""
        if ttl_ms <= 0:
            raise InvalidArgument(field, f"{ttl_ms} ms; a TTL must be greater than 0")
        limit = self._settings.max_item_ttl
        if ttl_ms > limit * 1000:
            raise LimitExceeded(f"{field}: {ttl_ms} ms exceeds the maximum item TTL of {limit} s", "ttl_limit_exceeded")


def parse_int64(text: bytes, field: str = "cache_key") -> int:
    """A stored counter: base-10, optional sign, no spaces, within 64 bits (Momento's parsing).

    ``field`` names where the counter is stored: the item's key, or a dictionary's field.
    """
    digits = text[1:] if text[:1] in (b"+", b"-") else text
    if not digits.isdigit():
        raise FailedPrecondition(f"{field}: failed to parse value into long (the value is not an integer)")
    # More than 19 digits never fits (and int() refuses very long digit strings outright).
    number = int(text) if len(digits.lstrip(b"0")) <= 19 else INT64[1] + 1
    if not INT64[0] <= number <= INT64[1]:
        raise FailedPrecondition(f"{field}: failed to parse value into long (the value is outside 64 bits)")
    return number


def _scalar(item: Item | None) -> bytes | None:
    if item is None:
        return None
    if not isinstance(item.value, bytes):
        raise FailedPrecondition(f"cache_key: the item holds a {item.item_type.value}, not a scalar value")
    return item.value


def _comparable(item: Item, condition: Condition) -> bytes:
    """The current value for a condition; only value comparisons need a scalar."""
    if condition.when in (When.ABSENT, When.PRESENT) or isinstance(item.value, bytes):
        return item.value if isinstance(item.value, bytes) else b""
    return _scalar(item) or b""
