"""The admin operations on one emulator, in plain Python: checked arguments in, typed results out.

Both transports of :class:`~emulator.control.Control` end here: in-process control calls these
methods directly, and the admin gRPC service (:mod:`emulator.services.admin`) decodes a request,
calls them and encodes the result. Results are mapped from the core's objects directly.
No gRPC here (protobuf only to show a journaled request); errors are the core's
:class:`~emulator.core.errors.EmulatorError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from emulator.core.clock import from_epoch, parse_instant
from emulator.core.credentials import Credential
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.core.faults import FaultRule as CoreFaultRule
from emulator.core.faults import rule_from_json
from emulator.core.journal import Entry
from emulator.core.keys import fingerprint
from emulator.core.permissions import to_json
from emulator.core.state import State
from emulator.core.values import clock_mode, finite_number
from emulator.results import AuthorizationDecision, Bootstrap, ClockState, FaultRule, JournalEntry, KeyInfo
from emulator.services.call import Call

SECRET_FIELDS = frozenset({"auth_token", "api_key", "refresh_token", "session_token"})


@dataclass(frozen=True)
class ResetOverrides:
    """Settings a reset may change for the fresh state; ``None`` keeps the emulator's started value."""

    start_time: float | str | None = None  # epoch seconds or ISO 8601
    clock_mode: str | None = None
    seed: str | None = None
    max_disposable_ttl: int | None = None


@dataclass(frozen=True)
class NewFault:
    """A fault rule to add: no ``methods`` means every Momento method, no ``code`` UNAVAILABLE."""

    methods: tuple[str, ...] = ()
    code: str = ""
    message: str = ""
    count: int | None = None  # None: until cleared
    delay_seconds: float = 0.0
    key_id: str = ""
    token_id: str = ""


@dataclass(frozen=True)
class Question:
    """Would ``key`` be allowed ``action`` on ``cache``, and on at most one of item, topic, function?"""

    key: str
    action: str
    cache: str
    item: bytes | None = None
    topic: str | None = None
    function: str | None = None


class AdminOperations:
    """Clock, state, keys, faults and journal of the emulator of one ``call`` (its state read once)."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.state = call.state

    # clock
    def clock(self) -> ClockState:
        return clock_state(self.state)

    def set_clock(self, instant: float | str) -> ClockState:
        seconds = parse_instant(instant) if isinstance(instant, str) else finite_number(instant, "epoch_seconds")
        self.state.clock.set(seconds)
        return clock_state(self.state)

    def advance_clock(self, seconds: float) -> ClockState:
        self.state.clock.advance(finite_number(seconds, "seconds"))
        return clock_state(self.state)

    def set_clock_mode(self, mode: str) -> ClockState:
        self.state.clock.set_mode(clock_mode(mode, "mode"))
        return clock_state(self.state)

    # state
    def reset(self, overrides: ResetOverrides) -> Bootstrap:
        """Fresh state under the emulator's started settings but for ``overrides``."""
        start = overrides.start_time
        if isinstance(start, str):
            start = parse_instant(start, "start_time")
        elif start is not None:
            start = finite_number(start, "start_epoch_seconds")
        mode = None if overrides.clock_mode is None else clock_mode(overrides.clock_mode)
        state = self.call.emulator.reset(
            start_time=start, clock_mode=mode, seed=overrides.seed, max_disposable_ttl=overrides.max_disposable_ttl
        )
        return bootstrap(self.call.emulator, state)

    def bootstrap(self) -> Bootstrap:
        return bootstrap(self.call.emulator, self.state)

    def export_state(self) -> dict[str, Any]:
        return self.call.emulator.export()

    def import_state(self, document: str | dict[str, Any]) -> Bootstrap:
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
                raise InvalidArgument("json", f"not a JSON document ({error})") from None
        emulator = self.call.emulator
        return bootstrap(emulator, emulator.load(document, self.call.catalog))

    # keys
    def keys(self, include_inactive: bool = False) -> list[KeyInfo]:
        now = self.call.now
        held = [c for c in self.state.credentials() if include_inactive or c.status(now) == "active"]
        return [key_info(c, now) for c in held]

    def describe_key(self, key: str) -> KeyInfo:
        return key_info(self.state.find(required(key, "key")), self.call.now)

    def revoke_key(self, key: str) -> KeyInfo:
        return key_info(self.state.revoke(required(key, "key")), self.call.now)

    def authorize(self, question: Question) -> AuthorizationDecision:
        q = question
        credential, decision = self.state.authorize(
            required(q.key, "key"),
            required(q.action, "action"),
            q.cache,
            item=q.item,
            topic=q.topic,
            function=q.function,
        )
        return AuthorizationDecision(
            allowed=decision.allowed,
            reason=decision.reason,
            matched_index=decision.grant_index,
            matched_permission=decision.grant.describe() if decision.grant else "",
            key_id=credential.key_id,
        )

    # faults
    def add_fault(self, fault: NewFault) -> FaultRule:
        data: dict[str, object] = {
            "methods": list(fault.methods), "code": fault.code, "message": fault.message, "count": fault.count,
            "delay_seconds": fault.delay_seconds, "key_id": fault.key_id,
            "token_id": fault.token_id,
        }  # fmt: skip
        return fault_rule(self.state.add_fault(rule_from_json(data, self.call.catalog)))

    def faults(self) -> list[FaultRule]:
        return [fault_rule(r) for r in self.state.faults.rules()]

    def clear_faults(self, rule_id: str = "") -> int:
        return self.state.faults.clear(rule_id)

    # journal
    def journal(self, method: str = "", limit: int = 0) -> list[JournalEntry]:
        path = self.call.catalog.resolve(method) if method.strip() else ""
        return [journal_entry(e) for e in self.state.journal.entries(path, limit)]

    def clear_journal(self, through_seq: int = 0) -> int:
        return self.state.journal.clear(through_seq)


def required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument(field, "required")
    return value


# --- core objects -> results --------------------------------------------------------------------


def clock_state(state: State) -> ClockState:
    return ClockState(now=from_epoch(state.clock.now()), mode=state.clock.mode)


def bootstrap(emulator: Emulator, state: State) -> Bootstrap:
    return Bootstrap(
        api_key=state.wrap(state.super_user_key),
        session_token=state.wrap(state.session_token),
        raw_api_key=state.super_user_key,
        raw_session_token=state.session_token,
        endpoint=state.settings.endpoint,
        api_key_v2=state.global_form(state.super_user_key),
        web_url=emulator.web_url,
    )


def key_info(credential: Credential, now: float) -> KeyInfo:
    """What an admin sees of a credential: everything but its secrets."""
    return KeyInfo(
        key_id=credential.key_id,
        kind=credential.kind.value,
        status=credential.status(now),
        permissions=to_json(credential.permissions),
        permissions_text=credential.permissions.describe(),
        issued_at=from_epoch(credential.issued_at),
        valid_until=None if credential.valid_until is None else from_epoch(credential.valid_until),
        valid_for_seconds=credential.valid_for or None,
        token_id=credential.token_id,
        description=credential.description,
        refreshable=credential.refresh_token is not None,
        issued_by=credential.issued_by,
        revoked_at=None if credential.revoked_at is None else from_epoch(credential.revoked_at),
    )


def fault_rule(rule: CoreFaultRule) -> FaultRule:
    return FaultRule(
        rule_id=rule.rule_id, methods=rule.methods, code=rule.code, message=rule.message, count=rule.count,
        delay_seconds=rule.delay, key_id=rule.key_id, token_id=rule.token_id, hits=rule.hits,
    )  # fmt: skip


def journal_entry(entry: Entry) -> JournalEntry:
    return JournalEntry(
        seq=entry.seq, method=entry.method, emulator_time=from_epoch(entry.emulator_time),
        wall_time=from_epoch(entry.wall_time), caller_kind=entry.caller_kind, key_id=entry.key_id,
        code=entry.code, details=entry.details, latency_ms=entry.latency_ms, request=redacted_request(entry.request),
    )  # fmt: skip


def redact(value: str) -> str:
    """A fingerprint that tells two secrets apart in a journal, never the secret itself."""
    return f"[redacted {len(value)} chars, sha256:{fingerprint(value)}]" if value else ""


def redacted_request(request: object) -> dict[str, Any]:
    """A journaled request as JSON-ready data, secrets redacted and long values cut."""
    if isinstance(request, dict):
        return dict(request)  # already a summary (see MAX_JOURNALED_REQUEST_BYTES)
    if isinstance(request, tuple):  # (message type, bytes), as the dispatcher journals a request
        message_type, raw = request
        request = message_type.FromString(raw)
    if not isinstance(request, Message):
        return {}
    from google.protobuf.json_format import MessageToDict  # only when the journal is read

    body = _bytes_previewed(request, MessageToDict(request, preserving_proto_field_name=True))
    return {k: redact(v) if k in SECRET_FIELDS and isinstance(v, str) else _shorten(v) for k, v in body.items()}


PREVIEW_BYTES = 32
# Text fields that are payloads, not names: shown like bytes, by size and first bytes.
PAYLOAD_TEXT = frozenset({"cache_client.pubsub._TopicValue.text"})


def preview(data: bytes) -> str:
    """How a key or value appears in the journal: its size and its first bytes, as text where it is text."""
    shown = data[:PREVIEW_BYTES].decode("utf-8", "backslashreplace")
    return f"[{len(data)} bytes] {shown}{'…' if len(data) > PREVIEW_BYTES else ''}"


def _bytes_previewed(message: Message, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (the message as JSON) with every bytes field (keys, values) shown by :func:`preview`, not base64."""
    for field, value in message.ListFields():
        if field.full_name in PAYLOAD_TEXT:
            body[field.name] = preview(value.encode())
        elif field.type == field.TYPE_BYTES:
            body[field.name] = [preview(v) for v in value] if field.is_repeated else preview(value)
        elif field.message_type is not None and not field.message_type.GetOptions().map_entry:
            shown = body.get(field.name)
            if field.is_repeated and isinstance(shown, list):
                body[field.name] = [_bytes_previewed(m, b) for m, b in zip(value, shown, strict=True)]
            elif isinstance(shown, dict):
                body[field.name] = _bytes_previewed(value, shown)
    return body


def _shorten(value: Any) -> Any:
    """Cap long strings and lists, so that a few huge requests cannot make the journal unreadable."""
    if isinstance(value, str) and len(value) > 256:
        return f"{value[:64]}…[{len(value)} chars]"
    if isinstance(value, list):
        kept = [_shorten(v) for v in value[:20]]
        return kept + [f"…[{len(value) - 20} more]"] if len(value) > 20 else kept
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    return value
