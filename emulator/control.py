"""Plain-Python control of an emulator, in-process or over the admin API.

One :class:`Control` class, two transports: :func:`local_control` calls the admin service's
handlers directly (no network, safe from any thread or event loop), :func:`remote_control`
calls a running emulator's admin API over gRPC. Both return the same values and raise
:class:`ControlError` with a gRPC status name, so code written against one runs against the other.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from google.protobuf.message import Message

from emulator._generated import admin_pb2 as pb
from emulator.core.clock import epoch_of, from_epoch
from emulator.core.emulator import Emulator
from emulator.core.errors import EmulatorError
from emulator.core.faults import MAX_COUNT
from emulator.services import admin
from emulator.services.call import local_call
from emulator.services.registry import CATALOG, RPCS
from emulator.services.rpc import ADMIN_TOKEN_HEADER, ADMIN_TOKEN_RULE, usable_as_admin_token
from emulator.services.status import status_of

Transport = Callable[[str, Message, type[Message]], Any]


class ControlError(Exception):
    """An admin call was refused; ``code`` is the gRPC status name (e.g. ``INVALID_ARGUMENT``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Bootstrap:
    """The credentials every emulator starts with. ``api_key`` is the base64 form users hold."""

    api_key: str
    session_token: str
    raw_api_key: str
    raw_session_token: str
    endpoint: str


class Control:
    """Clock, state, keys, faults and journal of one emulator, as plain Python calls."""

    def __init__(self, transport: Transport) -> None:
        self._call = transport

    # clock
    def now(self) -> datetime:
        return _instant(self._call("GetClock", pb.GetClockRequest(), pb.ClockState))

    def clock(self) -> dict[str, Any]:
        """The clock in one call: ``now`` (ISO 8601, UTC), ``now_epoch_seconds`` and ``mode``."""
        return _plain(self._call("GetClock", pb.GetClockRequest(), pb.ClockState))

    def clock_mode(self) -> str:
        return str(self._call("GetClock", pb.GetClockRequest(), pb.ClockState).mode)

    def set_time(self, instant: datetime | str | float) -> datetime:
        """Move the clock to ``instant`` (forward only): a datetime, ISO 8601 text, or epoch seconds."""
        if isinstance(instant, datetime):
            request = pb.SetClockRequest(epoch_seconds=epoch_of(instant))
        elif isinstance(instant, str):
            request = pb.SetClockRequest(time=instant)
        else:
            request = pb.SetClockRequest(epoch_seconds=_number("instant", instant))
        return _instant(self._call("SetClock", request, pb.ClockState))

    def advance(self, seconds: float | timedelta) -> datetime:
        seconds = seconds.total_seconds() if isinstance(seconds, timedelta) else _number("seconds", seconds)
        return _instant(self._call("AdvanceClock", pb.AdvanceClockRequest(seconds=seconds), pb.ClockState))

    def set_clock_mode(self, mode: str) -> datetime:
        """``"manual"`` (frozen) or ``"system"`` (follows the host clock from the current instant)."""
        return _instant(self._call("SetClockMode", pb.SetClockModeRequest(mode=_text("mode", mode)), pb.ClockState))

    # state
    def reset(self) -> Bootstrap:
        return _bootstrap(self._call("Reset", pb.ResetRequest(), pb.Bootstrap))

    def bootstrap(self) -> Bootstrap:
        return _bootstrap(self._call("GetBootstrap", pb.GetBootstrapRequest(), pb.Bootstrap))

    def export_state(self) -> dict[str, Any]:
        document = self._call("ExportState", pb.ExportStateRequest(), pb.StateDocument)
        return json.loads(document.json)  # type: ignore[no-any-return]

    def import_state(self, document: dict[str, Any] | str) -> Bootstrap:
        if not isinstance(document, dict | str):
            raise ControlError("INVALID_ARGUMENT", f"document: a {type(document).__name__} is not a state document")
        text = document if isinstance(document, str) else json.dumps(document)
        return _bootstrap(self._call("ImportState", pb.StateDocument(json=text), pb.Bootstrap))

    # keys
    def keys(self, include_inactive: bool = False) -> list[dict[str, Any]]:
        if not isinstance(include_inactive, bool):
            raise ControlError("INVALID_ARGUMENT", f"include_inactive: {include_inactive!r} is not True or False")
        response = self._call("ListKeys", pb.ListKeysRequest(include_inactive=include_inactive), pb.ListKeysResponse)
        return [_key(k) for k in response.keys]

    def describe_key(self, key: str) -> dict[str, Any]:
        """A key id, a raw key or its base64 form -> what the emulator holds about it."""
        return _key(self._call("DescribeKey", pb.KeyRequest(key=_text("key", key)), pb.KeyInfo))

    def revoke_key(self, key: str) -> dict[str, Any]:
        return _key(self._call("RevokeKey", pb.KeyRequest(key=_text("key", key)), pb.KeyInfo))

    def authorize(
        self,
        key: str,
        action: str,
        cache: str,
        *,
        item: bytes | str | None = None,
        topic: str | None = None,
        function: str | None = None,
    ) -> dict[str, Any]:
        """Would ``key`` be allowed ``action`` on ``cache`` (and item, topic or function)? See ``allowed``."""
        request = pb.AuthorizeRequest(
            key=_text("key", key), action=_text("action", action), cache=_text("cache", cache)
        )
        if item is not None:
            request.item = item.encode() if isinstance(item, str) else _bytes("item", item)
        if topic is not None:
            request.topic = _text("topic", topic)
        if function is not None:
            request.function = _text("function", function)
        response = self._call("Authorize", request, pb.AuthorizeResponse)
        return _plain(response)

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
    ) -> dict[str, Any]:
        """Make calls to ``method`` fail with ``code``, ``count`` times (``None``: until cleared)."""
        methods = [method] if isinstance(method, str) else list(method)
        rule = pb.FaultRule(
            methods=[_text("method", m) for m in methods if m], code=_text("code", code),
            message=_text("message", message), count=0 if count is None else _whole("count", count, 1),
            delay_seconds=_number("delay", delay), key_id=_text("key_id", key_id), token_id=_text("token_id", token_id),
        )  # fmt: skip
        return _rule(self._call("AddFault", rule, pb.FaultRule))

    def faults(self) -> list[dict[str, Any]]:
        return [_rule(r) for r in self._call("ListFaults", pb.ListFaultsRequest(), pb.ListFaultsResponse).rules]

    def clear_faults(self, rule_id: str = "") -> int:
        request = pb.ClearFaultsRequest(rule_id=_text("rule_id", rule_id))
        return int(self._call("ClearFaults", request, pb.ClearFaultsResponse).removed)

    # journal
    def journal(self, method: str = "", limit: int = 0) -> list[dict[str, Any]]:
        request = pb.GetJournalRequest(method=_text("method", method), limit=_whole("limit", limit, 0))
        entries = self._call("GetJournal", request, pb.GetJournalResponse).entries
        return [_entry(e) for e in entries]

    def clear_journal(self, through_seq: int = 0) -> int:
        """Remove every entry, or only those numbered up to ``through_seq`` (say, the last one read)."""
        if isinstance(through_seq, bool) or not isinstance(through_seq, int) or through_seq < 0:
            raise ControlError("INVALID_ARGUMENT", f"through_seq: {through_seq!r} is not a whole number from 0")
        request = pb.ClearJournalRequest(through_seq=through_seq)
        return int(self._call("ClearJournal", request, pb.ClearJournalResponse).removed)

    # caches and items
    def caches(self) -> list[dict[str, Any]]:
        """Every cache by name, with ``items``: how many live items it holds."""
        response = self._call("DescribeCaches", pb.DescribeCachesRequest(), pb.DescribeCachesResponse)
        return [{"name": c.name, "items": c.items} for c in response.caches]

    def create_cache(self, name: str) -> dict[str, Any]:
        """Create a cache, as an app's ``CreateCache`` would; ``ALREADY_EXISTS`` if it exists."""
        created = self._call("AddCache", pb.CacheRequest(name=_text("name", name)), pb.CacheInfo)
        return {"name": created.name, "items": created.items}

    def delete_cache(self, name: str) -> dict[str, Any]:
        """Delete a cache and its items; the answer counts the live items it held."""
        deleted = self._call("DropCache", pb.CacheRequest(name=_text("name", name)), pb.CacheInfo)
        return {"name": deleted.name, "items": deleted.items}

    def items(self, cache: str, limit: int = 0) -> list[dict[str, Any]]:
        """The live items of ``cache``, keys in byte order (the first ``limit``; 0: all), without values."""
        request = pb.ListItemsRequest(cache=_text("cache", cache), limit=_whole("limit", limit, 0))
        return [_item(i) for i in self._call("ListItems", request, pb.ListItemsResponse).items]

    def item(self, cache: str, key: bytes | str) -> dict[str, Any]:
        """One live item with its value (``value`` as text, ``value_base64`` exact); ``NOT_FOUND`` if none."""
        raw = key.encode() if isinstance(key, str) else _bytes("key", key)
        request = pb.GetItemRequest(cache=_text("cache", cache), key=raw)
        return _item(self._call("GetItem", request, pb.ItemInfo), with_value=True)


def local_control(emulator: Emulator) -> Control:
    """Control an emulator in this process by calling its admin handlers directly."""
    handlers = {rpc.name: rpc.handler for rpc in RPCS if rpc.service == admin.SERVICE}

    def call(name: str, request: Message, response_type: type[Message]) -> Any:
        try:
            return handlers[name](local_call(emulator, CATALOG), request)
        except EmulatorError as error:
            raise ControlError(status_of(error).name, error.message) from None

    return Control(call)


def remote_control(target: str, *, admin_token: str = "", timeout: float = 10.0) -> RemoteControl:
    """Control the emulator listening on ``target`` (``host:port``) through its admin API."""
    return RemoteControl(target, admin_token=admin_token, timeout=timeout)


class RemoteControl(Control):
    """A :class:`Control` over a gRPC channel; close it (or use ``with``) when done."""

    def __init__(self, target: str, *, admin_token: str = "", timeout: float = 10.0) -> None:
        if not isinstance(admin_token, str) or not usable_as_admin_token(admin_token):
            raise ValueError(f"admin_token: {ADMIN_TOKEN_RULE}")
        self.target = target
        self._closed = False
        # A full journal or a big state export can exceed grpc's default 4 MiB receive limit.
        self._channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", -1)])
        metadata = ((ADMIN_TOKEN_HEADER, admin_token),) if admin_token else ()

        def call(name: str, request: Message, response_type: type[Message]) -> Any:
            if self._closed:
                raise RuntimeError(f"this control of {target} is closed")
            stub: grpc.UnaryUnaryMultiCallable[Message, Message] = self._channel.unary_unary(
                f"/{admin.SERVICE}/{name}",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_type.FromString,
            )
            try:
                return stub(request, timeout=timeout, metadata=metadata)
            except grpc.RpcError as error:
                raise ControlError(error.code().name, error.details() or "") from None

        super().__init__(call)

    def close(self) -> None:
        self._closed = True
        self._channel.close()

    def __enter__(self) -> RemoteControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _whole(name: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_COUNT:
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not a whole number from {least} to {MAX_COUNT}")
    return value


def _number(name: str, value: object) -> float:
    try:
        number = float(value) if not isinstance(value, bool) and isinstance(value, int | float) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not a finite number")
    return number


def _bytes(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not bytes or a string")
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ControlError("INVALID_ARGUMENT", f"{name}: {value!r} is not a string")
    return value


def _item(info: pb.ItemInfo, with_value: bool = False) -> dict[str, Any]:
    """An item as JSON: keys and values as text (undecodable bytes escaped) and exactly, in base64."""
    shown: dict[str, Any] = {
        "key": info.key.decode("utf-8", "backslashreplace"), "key_base64": base64.b64encode(info.key).decode(),
        "type": info.type, "size": info.size, "expires_at": info.expires_at, "remaining_ttl_ms": info.remaining_ttl_ms,
    }  # fmt: skip
    if with_value and info.type == "scalar":
        shown["value"] = info.value.decode("utf-8", "backslashreplace")
        shown["value_base64"] = base64.b64encode(info.value).decode()
    return shown


def _plain(message: Message) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def _instant(clock: pb.ClockState) -> datetime:
    return from_epoch(clock.now_epoch_seconds)


def _bootstrap(message: pb.Bootstrap) -> Bootstrap:
    return Bootstrap(
        message.api_key, message.session_token, message.raw_api_key, message.raw_session_token, message.endpoint
    )


def _key(info: pb.KeyInfo) -> dict[str, Any]:
    data = _plain(info)
    data["permissions"] = json.loads(data.pop("permissions_json") or "null")
    data["valid_until"] = data["valid_until"] or None
    data["revoked_at"] = data["revoked_at"] or None
    data["valid_for_seconds"] = int(info.valid_for_seconds) or None
    return data


def _entry(entry: pb.JournalEntry) -> dict[str, Any]:
    data = _plain(entry)
    data["seq"] = entry.seq
    data["request"] = json.loads(data.pop("request_json") or "{}")
    return data


def _rule(rule: pb.FaultRule) -> dict[str, Any]:
    data = _plain(rule)
    data["count"] = rule.count or None
    return data
