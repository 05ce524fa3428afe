"""What :class:`~emulator.control.Control` returns (and raises): small frozen values, equal from both transports.

Instants are timezone-aware UTC :class:`~datetime.datetime` values. Each type's ``to_json()`` gives
the JSON-ready form that ``momento-auth-emulator ... --json`` prints (instants as ISO 8601 text).
This module imports neither gRPC nor protobuf.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator.core.clock import ClockMode, iso

__all__ = [
    "AuthorizationDecision", "Bootstrap", "CacheInfo", "ClockState", "ControlError", "FaultRule", "ItemEntry",
    "ItemInfo", "JournalEntry", "KeyInfo",
]  # fmt: skip


class ControlError(Exception):
    """An admin call was refused; ``code`` is the gRPC status name (e.g. ``INVALID_ARGUMENT``).

    ``message`` names the argument at fault, as in ``"count: 0 is not a whole number from 1 to ..."``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def _wire_order(*fields: tuple[str, Any], last: tuple[str, Any] | None = None) -> dict[str, Any]:
    """The admin API's JSON mapping, key order included: set fields first, then empty ones.

    ``fields`` come in field-number order; a value is empty when its wire form is the default
    (``""``, ``0``, ``False``, ``None``, ``[]``). ``last`` is appended after both groups.
    """
    empty: tuple[object, ...] = ("", 0, False, None, [])
    ordered = dict(pair for pair in fields if pair[1] not in empty)
    ordered.update(pair for pair in fields if pair[1] in empty)
    if last is not None:
        ordered[last[0]] = last[1]
    return ordered


@dataclass(frozen=True)
class ClockState:
    """The emulator's clock: its current instant and whether it is frozen (``manual``) or follows the host."""

    now: datetime
    mode: ClockMode

    def to_json(self) -> dict[str, Any]:
        """``{"now": ISO 8601, "mode": "manual" | "system"}``."""
        return {"now": iso(self.now), "mode": self.mode.value}


@dataclass(frozen=True)
class Bootstrap:
    """The credentials every fresh state starts with. ``api_key`` is the base64 form users hold."""

    api_key: str  # the super-user API key, base64 JSON form (what MOMENTO_API_KEY holds)
    session_token: str  # a session token, base64 JSON form
    raw_api_key: str  # what the SDKs send on the wire
    raw_session_token: str
    endpoint: str  # the endpoint inside the base64 forms
    # The v2 ("global") form of the super-user key, used with MOMENTO_ENDPOINT=endpoint; ``raw_api_key``
    # is also the SDKs' legacy JWT form (claims c / cp) unless the key was supplied by the user.
    api_key_v2: str = ""
    web_url: str = ""  # the gRPC-Web listener (http:// or https://), for @gomomento/sdk-web; "" without one


@dataclass(frozen=True)
class KeyInfo:
    """What the emulator holds about one credential, without its secrets.

    ``kind`` is ``"api_key"``, ``"session_token"`` or ``"disposable_token"``; ``status`` is ``"active"``,
    ``"expired"`` or ``"revoked"`` as of the emulator's now. ``permissions`` is ``"super_user"`` or a
    list of grants (``{"role": ..., "cache": ..., "target": ...}``), as in an exported state document.
    """

    key_id: str
    kind: str
    status: str
    permissions: Any
    permissions_text: str  # the permissions in one human-readable line
    issued_at: datetime
    valid_until: datetime | None  # None: never expires
    valid_for_seconds: int | None  # the lifetime asked for at issue; None when it has none
    token_id: str
    description: str
    refreshable: bool  # whether it holds an unspent refresh token
    issued_by: str  # key id of the issuing caller, or of the key this one refreshed
    revoked_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The form ``keys list --json`` prints (instants as ISO 8601, ``None`` for none)."""
        return _wire_order(
            ("key_id", self.key_id), ("kind", self.kind), ("status", self.status),
            ("permissions_text", self.permissions_text), ("issued_at", iso(self.issued_at)),
            ("valid_until", _iso_or_none(self.valid_until)), ("valid_for_seconds", self.valid_for_seconds),
            ("token_id", self.token_id), ("description", self.description), ("refreshable", self.refreshable),
            ("issued_by", self.issued_by), ("revoked_at", _iso_or_none(self.revoked_at)),
            last=("permissions", self.permissions),
        )  # fmt: skip


@dataclass(frozen=True)
class AuthorizationDecision:
    """Whether a key would be allowed an operation, and why.

    ``matched_index`` is the position of the deciding grant in the key's permissions (``None`` when
    none matched, ``-1`` in JSON) and ``matched_permission`` describes it (``""`` when none).
    """

    allowed: bool
    reason: str
    matched_index: int | None
    matched_permission: str
    key_id: str

    def to_json(self) -> dict[str, Any]:
        """The form ``authorize --json`` prints (``matched_index`` -1 when none matched)."""
        return _wire_order(
            ("allowed", self.allowed), ("reason", self.reason),
            ("matched_index", -1 if self.matched_index is None else self.matched_index),
            ("matched_permission", self.matched_permission), ("key_id", self.key_id),
        )  # fmt: skip


@dataclass(frozen=True)
class FaultRule:
    """A fault rule: calls to ``methods`` (full paths) fail with ``code``, ``count`` more times.

    ``count`` is ``None`` for "until cleared"; ``hits`` counts the calls it has failed or delayed;
    ``delay_seconds`` is wall-clock time (emulator time does not move meanwhile).
    """

    rule_id: str
    methods: tuple[str, ...]
    code: str
    message: str
    count: int | None
    delay_seconds: float
    key_id: str  # "" : any caller
    token_id: str  # "" : any caller
    hits: int

    def to_json(self) -> dict[str, Any]:
        """The form ``faults list --json`` prints (``count`` null for "until cleared")."""
        return _wire_order(
            ("methods", list(self.methods)), ("code", self.code), ("message", self.message), ("count", self.count),
            ("delay_seconds", self.delay_seconds), ("key_id", self.key_id), ("token_id", self.token_id),
            ("rule_id", self.rule_id), ("hits", self.hits),
        )  # fmt: skip


@dataclass(frozen=True)
class JournalEntry:
    """One served Momento call, numbered by ``seq`` from 1 in the order calls finished.

    ``request`` is the decoded request with secrets replaced by fingerprints (and long values cut);
    ``code`` is the gRPC status name the call was answered with.
    """

    seq: int
    method: str  # full path, e.g. /token.Token/GenerateDisposableToken
    emulator_time: datetime
    wall_time: datetime
    caller_kind: str
    key_id: str
    code: str
    details: str
    latency_ms: float
    request: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The form ``journal --json`` prints (instants as ISO 8601)."""
        return _wire_order(
            ("seq", self.seq), ("method", self.method), ("emulator_time", iso(self.emulator_time)),
            ("wall_time", iso(self.wall_time)), ("caller_kind", self.caller_kind), ("key_id", self.key_id),
            ("code", self.code), ("details", self.details), ("latency_ms", self.latency_ms),
            last=("request", self.request),
        )  # fmt: skip


PREVIEW_MORE = "…"


def _shown(raw: bytes, size: int) -> str:
    """Bytes as text (undecodable ones escaped), with ``…`` when they are the first of ``size``."""
    return raw.decode("utf-8", "backslashreplace") + (PREVIEW_MORE if size > len(raw) else "")


def _quoted(text: str) -> str:
    """``text`` in double quotes on one line: quotes and unprintable characters escaped."""
    return '"' + "".join(_escaped(c) for c in text) + '"'


def _escaped(char: str) -> str:
    if char == '"':
        return '\\"'
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class ItemEntry:
    """One entry of a collection, as a preview shows it.

    ``value`` (and a dictionary's ``field``) are at most their first 32 bytes; ``value_size`` and
    ``field_size`` are their whole sizes. ``field`` is set for dictionaries, ``score`` for sorted sets.
    """

    value: bytes
    value_size: int
    field: bytes | None = None
    field_size: int = 0
    score: float | None = None

    @property
    def cut(self) -> bool:
        """Whether the value or the field is longer than what the entry holds."""
        return self.value_size > len(self.value) or (self.field is not None and self.field_size > len(self.field))

    def text(self) -> str:
        """The entry in a preview: ``"value"``, ``"field": "value"`` or ``"value": score``."""
        value = _quoted(_shown(self.value, self.value_size))
        if self.field is not None:
            return f"{_quoted(_shown(self.field, self.field_size))}: {value}"
        return value if self.score is None else f"{value}: {self.score!r}"

    def to_json(self) -> dict[str, Any]:
        """Field, value and score as ``items get --json`` prints them; sizes only where a part was cut."""
        shown: dict[str, Any] = {}
        if self.field is not None:
            shown["field"] = _shown(self.field, self.field_size)
        shown["value"] = _shown(self.value, self.value_size)
        if self.score is not None:
            shown["score"] = self.score
        if self.cut:
            if self.field is not None:
                shown["field_size"] = self.field_size
            shown["value_size"] = self.value_size
        return shown


@dataclass(frozen=True)
class ItemInfo:
    """One live item of a cache: what ``items list`` and ``items get`` show.

    ``type`` is ``"scalar"``, ``"dictionary"``, ``"list"``, ``"set"`` or ``"sorted-set"``; ``size`` the
    bytes of its value (a collection: of its contents, 8 per score); ``remaining_ttl_ms`` is on the
    emulator's clock. ``value`` is a scalar's whole value, from ``Control.item`` only. A collection has
    ``length`` (how many fields, values or elements) and ``entries``: its first few, in its order.
    """

    key: bytes
    type: str
    size: int
    expires_at: datetime
    remaining_ttl_ms: int
    value: bytes | None = None
    length: int | None = None
    entries: tuple[ItemEntry, ...] = ()

    @property
    def preview(self) -> str:
        """A collection on one line, e.g. ``["a", "b", "c", … 9 more]``; ``""`` for a scalar."""
        if self.length is None:
            return ""
        shown = [entry.text() for entry in self.entries]
        if self.length > len(shown):
            shown.append(f"{PREVIEW_MORE} {self.length - len(shown)} more")
        opening, closing = "[]" if self.type == "list" else "{}"
        return f"{opening}{', '.join(shown)}{closing}"

    def to_json(self) -> dict[str, Any]:
        """The form ``items list --json`` / ``items get --json`` prints: key and value as text and in base64."""
        shown: dict[str, Any] = {
            "key": self.key.decode("utf-8", "backslashreplace"), "key_base64": _base64(self.key), "type": self.type,
            "size": self.size, "expires_at": iso(self.expires_at), "remaining_ttl_ms": self.remaining_ttl_ms,
        }  # fmt: skip
        if self.value is not None:
            shown["value"] = self.value.decode("utf-8", "backslashreplace")
            shown["value_base64"] = _base64(self.value)
        if self.length is not None:
            shown["length"] = self.length
            shown["preview"] = self.preview
            shown["entries"] = [entry.to_json() for entry in self.entries]
        return shown


@dataclass(frozen=True)
class CacheInfo:
    """A cache and how many live items it holds."""

    name: str
    items: int

    def to_json(self) -> dict[str, Any]:
        """``{"name": ..., "items": ...}``, as ``caches list --json`` prints it."""
        return {"name": self.name, "items": self.items}


def _base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
