"""Plain-Python control of an emulator, in-process or over the admin API.

One :class:`Control` class, two transports: :func:`local_control` calls the admin operations
directly (no network, no protobuf; safe from any thread or event loop), :func:`remote_control`
calls a running emulator's admin API over gRPC. Both return the same typed values
(:mod:`emulator.results`) and raise :class:`ControlError` with a gRPC status name, so code
written against one runs against the other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from google.protobuf.message import Message

from emulator._generated import admin_pb2 as pb
from emulator.core.caches import ItemType
from emulator.core.clock import ClockMode, epoch_of, from_epoch, parse_instant
from emulator.core.emulator import Emulator
from emulator.core.errors import EmulatorError, InvalidArgument
from emulator.core.faults import MAX_COUNT
from emulator.core.values import finite_number, whole_number
from emulator.remote_admin import RemoteAdmin
from emulator.results import (
    AuthorizationDecision,
    Bootstrap,
    CacheInfo,
    ClockState,
    ControlError,
    FaultRule,
    ItemEntry,
    ItemInfo,
    JournalEntry,
    KeyInfo,
)
from emulator.services import admin
from emulator.services.admin_ops import AdminOperations, NewFault, Question, ResetOverrides
from emulator.services.call import local_call
from emulator.services.registry import CATALOG, RPCS
from emulator.services.rpc import ADMIN_TOKEN_RULE, usable_as_admin_token
from emulator.services.status import status_of

Reply = TypeVar("Reply", bound=Message)

__all__ = [
    "AuthorizationDecision", "Bootstrap", "CacheInfo", "ClockState", "Control", "ControlError", "FaultRule",
    "ItemEntry", "ItemInfo", "JournalEntry", "KeyInfo", "RemoteControl", "local_control", "remote_control",
]  # fmt: skip


class TypedOperations(Protocol):
    """What a transport provides: the admin operations, arguments already of the right types."""

    def clock(self) -> ClockState: ...
    def set_clock(self, instant: float | str) -> ClockState: ...
    def advance_clock(self, seconds: float) -> ClockState: ...
    def set_clock_mode(self, mode: str) -> ClockState: ...
    def reset(self, overrides: ResetOverrides) -> Bootstrap: ...
    def bootstrap(self) -> Bootstrap: ...
    def export_state(self) -> dict[str, Any]: ...
    def import_state(self, document: str | dict[str, Any]) -> Bootstrap: ...
    def keys(self, include_inactive: bool) -> list[KeyInfo]: ...
    def describe_key(self, key: str) -> KeyInfo: ...
    def revoke_key(self, key: str) -> KeyInfo: ...
    def authorize(self, question: Question) -> AuthorizationDecision: ...
    def add_fault(self, fault: NewFault) -> FaultRule: ...
    def faults(self) -> list[FaultRule]: ...
    def clear_faults(self, rule_id: str) -> int: ...
    def journal(self, method: str, limit: int) -> list[JournalEntry]: ...
    def clear_journal(self, through_seq: int) -> int: ...


class Operations(TypedOperations, Protocol):
    """The typed operations, and one admin RPC by name (caches and items: their messages are the same on both)."""

    def admin_call(self, name: str, request: Message, reply: type[Reply]) -> Reply: ...


class Control:
    """Clock, state, keys, faults and journal of one emulator, as plain Python calls.

    Get one from :func:`local_control`, :func:`remote_control`, ``EmulatorServer.control`` or the pytest
    fixture. Every method raises :class:`ControlError` when the emulator refuses the call; its ``code``
    is the gRPC status name (``INVALID_ARGUMENT`` for a bad argument, named in its ``message``).
    """

    def __init__(self, operations: Operations) -> None:
        self._ops = operations

    # clock
    def now(self) -> datetime:
        """The emulator's current instant, as a timezone-aware UTC datetime."""
        return self._ops.clock().now

    def clock(self) -> ClockState:
        """The clock in one call: its instant (``now``) and its ``mode``."""
        return self._ops.clock()

    def clock_mode(self) -> ClockMode:
        """``ClockMode.MANUAL`` (frozen, equal to ``"manual"``) or ``ClockMode.SYSTEM`` (follows the host)."""
        return self._ops.clock().mode

    def set_time(self, instant: datetime | str | float) -> datetime:
        """Move the clock to ``instant``; it never goes backwards.

        Args:
            instant: a datetime (naive means UTC), ISO 8601 text, or epoch seconds.

        Returns:
            The clock's new instant.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` if ``instant`` is before now, unreadable or out of range.
        """
        if isinstance(instant, datetime):
            return self._ops.set_clock(epoch_of(instant)).now
        return self._ops.set_clock(instant if isinstance(instant, str) else _number("instant", instant)).now

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the clock forward by ``seconds`` (a number or a timedelta, not negative).

        Returns:
            The clock's new instant.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` for a negative or non-finite duration.
        """
        seconds = seconds.total_seconds() if isinstance(seconds, timedelta) else _number("seconds", seconds)
        return self._ops.advance_clock(seconds).now

    def set_clock_mode(self, mode: ClockMode | str) -> datetime:
        """Freeze the clock (``"manual"``) or let it follow the host clock from now on (``"system"``).

        The instant does not jump either way.

        Returns:
            The clock's instant at the switch.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` for any other mode.
        """
        return self._ops.set_clock_mode(_mode("mode", mode)).now

    # state
    def reset(
        self,
        *,
        start_time: datetime | str | float | None = None,
        clock_mode: ClockMode | str | None = None,
        seed: str | None = None,
        max_disposable_ttl: int | None = None,
    ) -> Bootstrap:
        """Replace all state (credentials, clock, faults, journal) by a fresh one.

        The fresh state runs under the settings the emulator was started with, except for the
        overrides given here; they last until the next reset, which starts from the started
        settings again (so a plain ``reset()`` always returns to them).

        Args:
            start_time: where the fresh clock starts: a datetime, ISO 8601 text or epoch seconds
                (earlier than the current instant is allowed).
            clock_mode: ``"manual"`` or ``"system"``.
            seed: makes every generated key reproducible.
            max_disposable_ttl: the longest disposable token lifetime, in whole seconds.

        Returns:
            The fresh state's bootstrap credentials (new ones, unless seeded).

        Raises:
            ControlError: ``INVALID_ARGUMENT`` naming a refused override; nothing changes then.
        """
        if isinstance(start_time, datetime):
            start: float | str | None = epoch_of(start_time)
        elif start_time is None or isinstance(start_time, str):
            start = start_time
        else:
            start = _number("start_time", start_time, "is not epoch seconds, ISO 8601 text or a datetime")
        overrides = ResetOverrides(
            start,
            None if clock_mode is None else _mode("clock_mode", clock_mode),
            None if seed is None else _text("seed", seed),
            None if max_disposable_ttl is None else _whole("max_disposable_ttl", max_disposable_ttl, 1),
        )
        return self._ops.reset(overrides)

    def bootstrap(self) -> Bootstrap:
        """The current bootstrap credentials: the super-user key and session token (they change on reset).

        Also the endpoint inside the keys and, when the emulator serves gRPC-Web, its ``web_url``.
        """
        return self._ops.bootstrap()

    def export_state(self) -> dict[str, Any]:
        """The whole state (clock, secret, credentials, faults; not the journal) as a JSON-ready document."""
        return self._ops.export_state()

    def import_state(self, document: dict[str, Any] | str) -> Bootstrap:
        """Replace the state with an exported one.

        Args:
            document: what :meth:`export_state` returned, or its JSON text.

        Returns:
            The imported state's bootstrap credentials.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` naming the bad field; the state is unchanged then.
        """
        if not isinstance(document, dict | str):
            raise ControlError("INVALID_ARGUMENT", f"document: a {type(document).__name__} is not a state document")
        return self._ops.import_state(document)

    # keys
    def keys(self, include_inactive: bool = False) -> list[KeyInfo]:
        """The credentials the emulator holds, oldest first.

        Args:
            include_inactive: also list expired and revoked ones (expired ones are dropped after a while).
        """
        if not isinstance(include_inactive, bool):
            raise ControlError("INVALID_ARGUMENT", f"include_inactive: {include_inactive!r} is not True or False")
        return self._ops.keys(include_inactive)

    def describe_key(self, key: str) -> KeyInfo:
        """What the emulator holds about ``key``: a key id, a raw key or its base64 form.

        Raises:
            ControlError: ``NOT_FOUND`` if the emulator holds no such credential.
        """
        return self._ops.describe_key(_text("key", key))

    def revoke_key(self, key: str) -> KeyInfo:
        """Revoke ``key`` (a key id, raw or base64) at the emulator's now: Momento calls with it fail from then on.

        Returns:
            The credential as revoked (``status == "revoked"``).

        Raises:
            ControlError: ``NOT_FOUND`` if the emulator holds no such credential.
        """
        return self._ops.revoke_key(_text("key", key))

    def authorize(
        self,
        key: str,
        action: str,
        cache: str,
        *,
        item: bytes | str | None = None,
        topic: str | None = None,
        function: str | None = None,
    ) -> AuthorizationDecision:
        """Would ``key`` be allowed ``action`` on ``cache`` (and an item, topic or function)?

        Args:
            key: a key id, a raw key or its base64 form.
            action: ``get``, ``set``, ``delete``, ``publish``, ``subscribe``, ``invoke-function``, ...
            cache: the cache name.
            item: the cache key (text is encoded as UTF-8); at most one of item, topic, function.

        Returns:
            The decision, with the grant that decided it. An expired or revoked key is a denial.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` for an unknown action, ``NOT_FOUND`` for an unknown key.
        """
        if item is not None:
            item = item.encode() if isinstance(item, str) else _bytes("item", item)
        question = Question(
            _text("key", key), _text("action", action), _text("cache", cache), item=item,
            topic=None if topic is None else _text("topic", topic),
            function=None if function is None else _text("function", function),
        )  # fmt: skip
        return self._ops.authorize(question)

    # faults
    def add_fault(
        self,
        method: str | list[str] = "",
        code: str = "UNAVAILABLE",
        *,
        count: int | None = None,
        delay: float = 0.0,
        message: str = "",
        key_id: str = "",
        token_id: str = "",
    ) -> FaultRule:
        """Make Momento calls fail with ``code`` (or stall), ``count`` times or until cleared.

        Args:
            method: RPC name(s) or full path(s); empty: every Momento method.
            code: a gRPC status name; ``"OK"`` with a ``delay`` only slows calls down.
            count: how many calls to fail, 1 or more; ``None``: until cleared.
            delay: wall-clock seconds to wait before answering (at most 60).
            message: the status details to send.
            key_id: only calls made with this key id.
            token_id: only calls made by a caller with this token id.

        Returns:
            The rule as added, with its ``rule_id``.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` naming the bad argument.
        """
        methods = [method] if isinstance(method, str) else list(method)
        fault = NewFault(
            tuple(_text("method", m) for m in methods if m), _text("code", code), _text("message", message),
            None if count is None else _whole("count", count, 1), _number("delay", delay),
            _text("key_id", key_id), _text("token_id", token_id),
        )  # fmt: skip
        return self._ops.add_fault(fault)

    def faults(self) -> list[FaultRule]:
        """The active fault rules, in the order they were added (the first match wins)."""
        return self._ops.faults()

    def clear_faults(self, rule_id: str = "") -> int:
        """Remove the rule ``rule_id``, or every rule; returns how many were removed.

        Raises:
            ControlError: ``NOT_FOUND`` if there is no rule ``rule_id``.
        """
        return self._ops.clear_faults(_text("rule_id", rule_id))

    # journal
    def journal(self, method: str = "", limit: int = 0) -> list[JournalEntry]:
        """Served Momento calls, oldest first.

        Args:
            method: only calls to this RPC (name or full path); empty: all.
            limit: only the newest ``limit`` entries; 0: every entry held.

        Raises:
            ControlError: ``INVALID_ARGUMENT`` for an unknown method.
        """
        return self._ops.journal(_text("method", method), _whole("limit", limit, 0))

    def clear_journal(self, through_seq: int = 0) -> int:
        """Remove every entry, or only those numbered up to ``through_seq`` (say, the last one read).

        Returns:
            How many entries were removed.
        """
        return self._ops.clear_journal(_whole("through_seq", through_seq, 0, MAX_SEQ))

    # caches and items
    def caches(self) -> list[CacheInfo]:
        """Every cache by name, with ``items``: how many live items it holds."""
        response = self._ops.admin_call("DescribeCaches", pb.DescribeCachesRequest(), pb.DescribeCachesResponse)
        return [CacheInfo(c.name, c.items) for c in response.caches]

    def create_cache(self, name: str) -> CacheInfo:
        """Create a cache, as an app's ``CreateCache`` would; ``ALREADY_EXISTS`` if it exists."""
        created = self._ops.admin_call("AddCache", pb.CacheRequest(name=_text("name", name)), pb.CacheInfo)
        return CacheInfo(created.name, created.items)

    def delete_cache(self, name: str) -> CacheInfo:
        """Delete a cache and its items; the answer counts the live items it held."""
        deleted = self._ops.admin_call("DropCache", pb.CacheRequest(name=_text("name", name)), pb.CacheInfo)
        return CacheInfo(deleted.name, deleted.items)

    def items(self, cache: str, limit: int = 0) -> list[ItemInfo]:
        """The live items of ``cache``, keys in byte order (the first ``limit``; 0: all).

        Scalars come without their value; a collection with its ``length`` and its first 3 entries.
        """
        request = pb.ListItemsRequest(cache=_text("cache", cache), limit=_whole("limit", limit, 0))
        return [_item(i) for i in self._ops.admin_call("ListItems", request, pb.ListItemsResponse).items]

    def item(self, cache: str, key: bytes | str) -> ItemInfo:
        """One live item: a scalar with its ``value``, a collection with its ``length`` and first 10 entries.

        Raises:
            ControlError: ``NOT_FOUND`` when the cache holds no live item at ``key``, or there is no such cache.
        """
        raw = key.encode() if isinstance(key, str) else _bytes("key", key)
        request = pb.GetItemRequest(cache=_text("cache", cache), key=raw)
        return _item(self._ops.admin_call("GetItem", request, pb.ItemInfo), with_value=True)


def local_control(emulator: Emulator) -> Control:
    """Control ``emulator``, in this process, by calling its admin operations directly."""
    return Control(cast(Operations, _InProcess(emulator)))


def remote_control(target: str, *, admin_token: str = "", timeout: float = 10.0) -> RemoteControl:
    """Control the emulator listening on ``target`` (``host:port``) through its admin API.

    Args:
        admin_token: the emulator's admin token, if it was started with one.
        timeout: seconds each call may take.

    Raises:
        ValueError: for an admin token no gRPC header can carry.
    """
    return RemoteControl(target, admin_token=admin_token, timeout=timeout)


class RemoteControl(Control):
    """A :class:`Control` over a gRPC channel; close it (or use ``with``) when done."""

    def __init__(self, target: str, *, admin_token: str = "", timeout: float = 10.0) -> None:
        if not isinstance(admin_token, str) or not usable_as_admin_token(admin_token):
            raise ValueError(f"admin_token: {ADMIN_TOKEN_RULE}")
        self.target = target
        self._remote = RemoteAdmin(target, admin_token=admin_token, timeout=timeout)
        super().__init__(self._remote)

    def close(self) -> None:
        """Close the channel; later calls raise ``RuntimeError``."""
        self._remote.close()

    def __enter__(self) -> RemoteControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _InProcess:
    """The admin operations on a fresh in-process call each, the core's errors raised as :class:`ControlError`."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                if name == "admin_call":  # an admin RPC's registry handler, on an in-process call
                    rpc, request, _ = args
                    return _ADMIN_HANDLERS[rpc](local_call(self._emulator, CATALOG), request)
                return getattr(_operations(self._emulator), name)(*args, **kwargs)
            except EmulatorError as error:
                raise ControlError(status_of(error).name, error.message) from None

        return call


_ADMIN_HANDLERS = {rpc.name: rpc.handler for rpc in RPCS if rpc.service == admin.SERVICE}


def _operations(emulator: Emulator) -> TypedOperations:  # typed: mypy checks that AdminOperations fits
    return AdminOperations(local_call(emulator, CATALOG))


MAX_SEQ = 2**64 - 1  # journal sequence numbers are 64-bit in the admin API


def _whole(name: str, value: object, least: int, most: int = MAX_COUNT) -> int:
    """``value`` checked by :func:`whole_number`; ``most`` by default what a 32-bit wire field can carry."""
    try:
        return whole_number(value, name, least, most)
    except InvalidArgument as error:
        raise ControlError("INVALID_ARGUMENT", error.message) from None


def _number(name: str, value: object, problem: str | None = None) -> float:
    """``value`` checked by :func:`finite_number`; ``problem`` replaces its words when other forms are allowed."""
    try:
        return finite_number(value, name)
    except InvalidArgument as error:
        message = error.message if problem is None else f"{error.field}: {value!r} {problem}"
        raise ControlError("INVALID_ARGUMENT", message) from None


def _bytes(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not bytes or a string")
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not a string")
    return str(value)


def _item(info: pb.ItemInfo, with_value: bool = False) -> ItemInfo:
    """The admin API's item as a typed value; ``with_value``: a scalar's value was asked for."""
    scalar = info.type == ItemType.SCALAR.value
    return ItemInfo(
        key=info.key,
        type=info.type,
        size=info.size,
        expires_at=from_epoch(parse_instant(info.expires_at, "expires_at")),
        remaining_ttl_ms=info.remaining_ttl_ms,
        value=info.value if scalar and with_value else None,
        length=None if scalar else info.length,
        entries=tuple(_entry(entry, info.type) for entry in info.entries),
    )


def _entry(entry: pb.Entry, item_type: str) -> ItemEntry:
    """An entry, with the parts its collection type has: a dictionary's field, a sorted set's score."""
    dictionary = item_type == ItemType.DICTIONARY.value
    return ItemEntry(
        value=entry.value,
        value_size=entry.value_size,
        field=entry.field if dictionary else None,
        field_size=entry.field_size if dictionary else 0,
        score=entry.score if item_type == ItemType.SORTED_SET.value else None,
    )


def _mode(name: str, value: object) -> str:
    return value.value if isinstance(value, ClockMode) else _text(name, value)
