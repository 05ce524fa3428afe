"""The emulator's own Admin service (protos/admin.proto): requests decoded onto :class:`AdminOperations`.

Each handler is one row of the RPC registry (``emulator.services.registry``): it reads its request
message, calls one operation and encodes the typed result it returns. The operations (and every
check on their arguments) are shared with in-process control.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf.message import Message

from emulator._generated import admin_pb2 as pb
from emulator.core.clock import iso
from emulator.core.errors import InvalidArgument
from emulator.results import AuthorizationDecision, Bootstrap, ClockState, FaultRule, JournalEntry, KeyInfo
from emulator.services.admin_ops import AdminOperations, NewFault, Question, ResetOverrides
from emulator.services.call import Call

SERVICE = "momento_emulator.admin.v1.Admin"


def get_clock(call: Call, request: pb.GetClockRequest) -> pb.ClockState:
    return clock_pb(AdminOperations(call).clock())


def set_clock(call: Call, request: pb.SetClockRequest) -> pb.ClockState:
    which = request.WhichOneof("instant")
    if which is None:
        raise InvalidArgument("instant", "set one of time or epoch_seconds")
    return clock_pb(AdminOperations(call).set_clock(request.time if which == "time" else request.epoch_seconds))


def advance_clock(call: Call, request: pb.AdvanceClockRequest) -> pb.ClockState:
    return clock_pb(AdminOperations(call).advance_clock(request.seconds))


def set_clock_mode(call: Call, request: pb.SetClockModeRequest) -> pb.ClockState:
    return clock_pb(AdminOperations(call).set_clock_mode(request.mode))


def reset(call: Call, request: pb.ResetRequest) -> pb.Bootstrap:
    which = request.WhichOneof("start")
    start = None if which is None else request.start_time if which == "start_time" else request.start_epoch_seconds
    mode, seed, ttl = (_given(request, f) for f in ("clock_mode", "seed", "max_disposable_ttl"))
    return bootstrap_pb(AdminOperations(call).reset(ResetOverrides(start, mode, seed, ttl)))


def get_bootstrap(call: Call, request: pb.GetBootstrapRequest) -> pb.Bootstrap:
    return bootstrap_pb(AdminOperations(call).bootstrap())


def export_state(call: Call, request: pb.ExportStateRequest) -> pb.StateDocument:
    return pb.StateDocument(json=json.dumps(AdminOperations(call).export_state(), indent=2))


def import_state(call: Call, request: pb.StateDocument) -> pb.Bootstrap:
    return bootstrap_pb(AdminOperations(call).import_state(request.json))


def list_keys(call: Call, request: pb.ListKeysRequest) -> pb.ListKeysResponse:
    return pb.ListKeysResponse(keys=[key_pb(k) for k in AdminOperations(call).keys(request.include_inactive)])


def describe_key(call: Call, request: pb.KeyRequest) -> pb.KeyInfo:
    return key_pb(AdminOperations(call).describe_key(request.key))


def revoke_key(call: Call, request: pb.KeyRequest) -> pb.KeyInfo:
    return key_pb(AdminOperations(call).revoke_key(request.key))


def authorize(call: Call, request: pb.AuthorizeRequest) -> pb.AuthorizeResponse:
    target = request.WhichOneof("target")
    given = {target: getattr(request, target)} if target else {}
    question = Question(request.key, request.action, request.cache, **given)
    return authorization_pb(AdminOperations(call).authorize(question))


def add_fault(call: Call, request: pb.FaultRule) -> pb.FaultRule:
    fault = NewFault(
        tuple(request.methods), request.code, request.message, request.count or None, request.delay_seconds,
        request.key_id, request.token_id,
    )  # fmt: skip
    return rule_pb(AdminOperations(call).add_fault(fault))


def list_faults(call: Call, request: pb.ListFaultsRequest) -> pb.ListFaultsResponse:
    return pb.ListFaultsResponse(rules=[rule_pb(r) for r in AdminOperations(call).faults()])


def clear_faults(call: Call, request: pb.ClearFaultsRequest) -> pb.ClearFaultsResponse:
    return pb.ClearFaultsResponse(removed=AdminOperations(call).clear_faults(request.rule_id))


def get_journal(call: Call, request: pb.GetJournalRequest) -> pb.GetJournalResponse:
    entries = AdminOperations(call).journal(request.method, request.limit)
    return pb.GetJournalResponse(entries=[entry_pb(e) for e in entries])


def clear_journal(call: Call, request: pb.ClearJournalRequest) -> pb.ClearJournalResponse:
    return pb.ClearJournalResponse(removed=AdminOperations(call).clear_journal(request.through_seq))


def _given(message: Message, field: str) -> Any:
    """An optional field's value, or ``None`` when it was not sent."""
    return getattr(message, field) if message.HasField(field) else None


# --- results -> admin messages (remote control decodes them in emulator.remote_admin) --------------


def clock_pb(clock: ClockState) -> pb.ClockState:
    return pb.ClockState(now=iso(clock.now), now_epoch_seconds=clock.now.timestamp(), mode=clock.mode.value)


def bootstrap_pb(bootstrap: Bootstrap) -> pb.Bootstrap:
    return pb.Bootstrap(
        api_key=bootstrap.api_key, session_token=bootstrap.session_token, raw_api_key=bootstrap.raw_api_key,
        raw_session_token=bootstrap.raw_session_token, endpoint=bootstrap.endpoint, api_key_v2=bootstrap.api_key_v2,
        web_url=bootstrap.web_url,
    )  # fmt: skip


def key_pb(info: KeyInfo) -> pb.KeyInfo:
    return pb.KeyInfo(
        key_id=info.key_id, kind=info.kind, status=info.status, permissions_json=json.dumps(info.permissions),
        permissions_text=info.permissions_text, issued_at=iso(info.issued_at),
        valid_until="" if info.valid_until is None else iso(info.valid_until),
        valid_for_seconds=info.valid_for_seconds or 0, token_id=info.token_id, description=info.description,
        refreshable=info.refreshable, issued_by=info.issued_by,
        revoked_at="" if info.revoked_at is None else iso(info.revoked_at),
    )  # fmt: skip


def authorization_pb(decision: AuthorizationDecision) -> pb.AuthorizeResponse:
    return pb.AuthorizeResponse(
        allowed=decision.allowed, reason=decision.reason,
        matched_index=-1 if decision.matched_index is None else decision.matched_index,
        matched_permission=decision.matched_permission, key_id=decision.key_id,
    )  # fmt: skip


def rule_pb(rule: FaultRule) -> pb.FaultRule:
    return pb.FaultRule(
        methods=list(rule.methods), code=rule.code, message=rule.message, count=rule.count or 0,
        delay_seconds=rule.delay_seconds, key_id=rule.key_id, token_id=rule.token_id, rule_id=rule.rule_id,
        hits=rule.hits,
    )  # fmt: skip


def entry_pb(entry: JournalEntry) -> pb.JournalEntry:
    return pb.JournalEntry(
        seq=entry.seq, method=entry.method, emulator_time=iso(entry.emulator_time), wall_time=iso(entry.wall_time),
        caller_kind=entry.caller_kind, key_id=entry.key_id, request_json=json.dumps(entry.request), code=entry.code,
        details=entry.details, latency_ms=entry.latency_ms,
    )  # fmt: skip
