"""The emulator's own Admin service (protos/admin.proto): thin translations onto the core.

Each handler is one row of the RPC registry (``emulator.services.registry``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from google.protobuf.message import Message

from emulator._generated import admin_pb2 as pb
from emulator.core.clock import ClockMode, parse_instant, to_iso
from emulator.core.credentials import Credential
from emulator.core.errors import InvalidArgument
from emulator.core.faults import FaultRule, rule_from_json
from emulator.core.journal import Entry
from emulator.core.keys import fingerprint
from emulator.core.permissions import to_json
from emulator.core.state import State
from emulator.services.call import Call

SECRET_FIELDS = frozenset({"auth_token", "api_key", "refresh_token", "session_token"})


def redact(value: str) -> str:
    """A fingerprint that tells two secrets apart in a journal, never the secret itself."""
    return f"[redacted {len(value)} chars, sha256:{fingerprint(value)}]" if value else ""


def redacted_request(request: object) -> dict[str, Any]:
    if isinstance(request, dict):
        return request  # already a summary (see MAX_JOURNALED_REQUEST_BYTES)
    if not isinstance(request, Message):
        return {}
    from google.protobuf.json_format import MessageToDict  # only when the journal is read

    body = _bytes_previewed(request, MessageToDict(request, preserving_proto_field_name=True))
    return {k: redact(v) if k in SECRET_FIELDS and isinstance(v, str) else _shorten(v) for k, v in body.items()}


PREVIEW_BYTES = 32


def preview(data: bytes) -> str:
    """How a key or value appears in the journal: its size and its first bytes, as text where it is text."""
    shown = data[:PREVIEW_BYTES].decode("utf-8", "backslashreplace")
    return f"[{len(data)} bytes] {shown}{'…' if len(data) > PREVIEW_BYTES else ''}"


def _bytes_previewed(message: Message, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (the message as JSON) with every bytes field (keys, values) shown by :func:`preview`, not base64."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_BYTES:
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


SERVICE = "momento_emulator.admin.v1.Admin"


def get_clock(call: Call, request: pb.GetClockRequest) -> pb.ClockState:
    return _clock(call.state)


def set_clock(call: Call, request: pb.SetClockRequest) -> pb.ClockState:
    which = request.WhichOneof("instant")
    if which is None:
        raise InvalidArgument("instant: set one of time or epoch_seconds")
    instant = parse_instant(request.time) if which == "time" else _finite(request.epoch_seconds, "epoch_seconds")
    call.state.clock.set(instant)
    return _clock(call.state)


def advance_clock(call: Call, request: pb.AdvanceClockRequest) -> pb.ClockState:
    call.state.clock.advance(_finite(request.seconds, "seconds"))
    return _clock(call.state)


def set_clock_mode(call: Call, request: pb.SetClockModeRequest) -> pb.ClockState:
    try:
        mode = ClockMode(request.mode.strip().lower())
    except ValueError:
        raise InvalidArgument(f"mode: {request.mode!r} is not one of manual, system") from None
    call.state.clock.set_mode(mode)
    return _clock(call.state)


def reset(call: Call, request: pb.ResetRequest) -> pb.Bootstrap:
    return _bootstrap(call.emulator.reset())


def get_bootstrap(call: Call, request: pb.GetBootstrapRequest) -> pb.Bootstrap:
    return _bootstrap(call.state)


def export_state(call: Call, request: pb.ExportStateRequest) -> pb.StateDocument:
    return pb.StateDocument(json=json.dumps(call.emulator.export(), indent=2))


def import_state(call: Call, request: pb.StateDocument) -> pb.Bootstrap:
    try:
        document = json.loads(request.json)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        raise InvalidArgument(f"json: not a JSON document ({error})") from None
    return _bootstrap(call.emulator.load(document, call.catalog))


def list_keys(call: Call, request: pb.ListKeysRequest) -> pb.ListKeysResponse:
    state, now = call.state, call.now
    keys = [c for c in state.credentials() if request.include_inactive or c.status(now) == "active"]
    return pb.ListKeysResponse(keys=[_key_info(c, state) for c in keys])


def describe_key(call: Call, request: pb.KeyRequest) -> pb.KeyInfo:
    return _key_info(call.state.find(_required(request.key, "key")), call.state)


def revoke_key(call: Call, request: pb.KeyRequest) -> pb.KeyInfo:
    return _key_info(call.state.revoke(_required(request.key, "key")), call.state)


def authorize(call: Call, request: pb.AuthorizeRequest) -> pb.AuthorizeResponse:
    credential, decision = call.state.authorize(
        _required(request.key, "key"),
        _required(request.action, "action"),
        request.cache,
        item=request.item if request.HasField("item") else None,
        topic=request.topic if request.HasField("topic") else None,
        function=request.function if request.HasField("function") else None,
    )
    return pb.AuthorizeResponse(
        allowed=decision.allowed,
        reason=decision.reason,
        matched_index=-1 if decision.grant_index is None else decision.grant_index,
        matched_permission=decision.grant.describe() if decision.grant else "",
        key_id=credential.key_id,
    )


def add_fault(call: Call, request: pb.FaultRule) -> pb.FaultRule:
    from google.protobuf.json_format import MessageToDict

    data = MessageToDict(request, preserving_proto_field_name=True)
    data["count"] = request.count or None
    data["delay_seconds"] = _finite(request.delay_seconds, "delay_seconds")
    data.pop("rule_id", None)
    data.pop("hits", None)
    return _rule(call.state.add_fault(rule_from_json(data, call.catalog)))


def list_faults(call: Call, request: pb.ListFaultsRequest) -> pb.ListFaultsResponse:
    return pb.ListFaultsResponse(rules=[_rule(r) for r in call.state.faults.rules()])


def clear_faults(call: Call, request: pb.ClearFaultsRequest) -> pb.ClearFaultsResponse:
    return pb.ClearFaultsResponse(removed=call.state.faults.clear(request.rule_id))


def get_journal(call: Call, request: pb.GetJournalRequest) -> pb.GetJournalResponse:
    method = call.catalog.resolve(request.method) if request.method.strip() else ""
    entries = call.state.journal.entries(method, request.limit)
    return pb.GetJournalResponse(entries=[_entry(e) for e in entries])


def clear_journal(call: Call, request: pb.ClearJournalRequest) -> pb.ClearJournalResponse:
    return pb.ClearJournalResponse(removed=call.state.journal.clear(request.through_seq))


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument(f"{field}: required")
    return value


def _finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidArgument(f"{field}: must be a finite number")
    return value


def _clock(state: State) -> pb.ClockState:
    now = state.clock.now()
    return pb.ClockState(now=to_iso(now), now_epoch_seconds=now, mode=state.clock.mode.value)


def _bootstrap(state: State) -> pb.Bootstrap:
    return pb.Bootstrap(
        api_key=state.wrap(state.super_user_key),
        session_token=state.wrap(state.session_token),
        raw_api_key=state.super_user_key,
        raw_session_token=state.session_token,
        endpoint=state.settings.endpoint,
    )


def _key_info(credential: Credential, state: State) -> pb.KeyInfo:
    """What an admin sees of a credential: everything but its secrets."""
    return pb.KeyInfo(
        key_id=credential.key_id,
        kind=credential.kind.value,
        status=credential.status(state.clock.now()),
        permissions_json=json.dumps(to_json(credential.permissions)),
        permissions_text=credential.permissions.describe(),
        issued_at=to_iso(credential.issued_at),
        valid_until="" if credential.valid_until is None else to_iso(credential.valid_until),
        valid_for_seconds=credential.valid_for or 0,
        token_id=credential.token_id,
        description=credential.description,
        refreshable=credential.refresh_token is not None,
        issued_by=credential.issued_by,
        revoked_at="" if credential.revoked_at is None else to_iso(credential.revoked_at),
    )


def _rule(rule: FaultRule) -> pb.FaultRule:
    return pb.FaultRule(
        methods=list(rule.methods), code=rule.code, message=rule.message, count=rule.count or 0,
        delay_seconds=rule.delay, key_id=rule.key_id, token_id=rule.token_id, rule_id=rule.rule_id, hits=rule.hits,
    )  # fmt: skip


def _entry(entry: Entry) -> pb.JournalEntry:
    return pb.JournalEntry(
        seq=entry.seq, method=entry.method, emulator_time=to_iso(entry.emulator_time),
        wall_time=to_iso(entry.wall_time), caller_kind=entry.caller_kind, key_id=entry.key_id,
        request_json=json.dumps(redacted_request(entry.request)), code=entry.code, details=entry.details,
        latency_ms=entry.latency_ms,
    )  # fmt: skip
