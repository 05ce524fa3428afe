"""The emulator's own Admin service (protos/admin.proto): thin translations onto the core."""

from __future__ import annotations

import json
import math
from typing import Any

from google.protobuf.message import Message

from emulator._generated import admin_pb2 as pb
from emulator.core.clock import ClockMode, parse_instant, to_iso
from emulator.core.credentials import Credential
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.core.faults import FaultRule, resolve_method, rule_from_json
from emulator.core.journal import Entry
from emulator.core.keys import fingerprint
from emulator.core.permissions import to_json
from emulator.core.state import State
from emulator.services.rpc import Method

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

    body = MessageToDict(request, preserving_proto_field_name=True)
    return {k: redact(v) if k in SECRET_FIELDS and isinstance(v, str) else _shorten(v) for k, v in body.items()}


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


class AdminService:
    """Serves ``momento_emulator.admin.v1.Admin`` for one :class:`Emulator`."""

    SERVICE = "momento_emulator.admin.v1.Admin"

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def methods(self) -> list[Method]:
        table: list[tuple[str, type[Message], Any]] = [
            ("GetClock", pb.GetClockRequest, lambda s, r: _clock(s)),
            ("SetClock", pb.SetClockRequest, self.set_clock),
            ("AdvanceClock", pb.AdvanceClockRequest, self.advance_clock),
            ("SetClockMode", pb.SetClockModeRequest, self.set_clock_mode),
            ("Reset", pb.ResetRequest, lambda s, r: _bootstrap(self._emulator.reset())),
            ("GetBootstrap", pb.GetBootstrapRequest, lambda s, r: _bootstrap(s)),
            ("ExportState", pb.ExportStateRequest, self.export_state),
            ("ImportState", pb.StateDocument, self.import_state),
            ("ListKeys", pb.ListKeysRequest, self.list_keys),
            ("DescribeKey", pb.KeyRequest, lambda s, r: _key_info(s.find(_required(r.key, "key")), s)),
            ("RevokeKey", pb.KeyRequest, lambda s, r: _key_info(s.revoke(_required(r.key, "key")), s)),
            ("Authorize", pb.AuthorizeRequest, self.authorize),
            ("AddFault", pb.FaultRule, self.add_fault),
            ("ListFaults", pb.ListFaultsRequest, lambda s, r: pb.ListFaultsResponse(rules=_rules(s))),
            ("ClearFaults", pb.ClearFaultsRequest, self.clear_faults),
            ("GetJournal", pb.GetJournalRequest, self.get_journal),
            ("ClearJournal", pb.ClearJournalRequest, self.clear_journal),
        ]  # fmt: skip
        return [Method(f"/{self.SERVICE}/{name}", kind, handle, momento=False) for name, kind, handle in table]

    def set_clock(self, state: State, request: pb.SetClockRequest) -> pb.ClockState:
        which = request.WhichOneof("instant")
        if which is None:
            raise InvalidArgument("instant: set one of time or epoch_seconds")
        instant = parse_instant(request.time) if which == "time" else _finite(request.epoch_seconds, "epoch_seconds")
        state.clock.set(instant)
        return _clock(state)

    def advance_clock(self, state: State, request: pb.AdvanceClockRequest) -> pb.ClockState:
        state.clock.advance(_finite(request.seconds, "seconds"))
        return _clock(state)

    def set_clock_mode(self, state: State, request: pb.SetClockModeRequest) -> pb.ClockState:
        try:
            mode = ClockMode(request.mode.strip().lower())
        except ValueError:
            raise InvalidArgument(f"mode: {request.mode!r} is not one of manual, system") from None
        state.clock.set_mode(mode)
        return _clock(state)

    def export_state(self, state: State, request: pb.ExportStateRequest) -> pb.StateDocument:
        return pb.StateDocument(json=json.dumps(self._emulator.export(), indent=2))

    def import_state(self, state: State, request: pb.StateDocument) -> pb.Bootstrap:
        try:
            document = json.loads(request.json)
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
            raise InvalidArgument(f"json: not a JSON document ({error})") from None
        return _bootstrap(self._emulator.load(document))

    def list_keys(self, state: State, request: pb.ListKeysRequest) -> pb.ListKeysResponse:
        now = state.clock.now()
        keys = [c for c in state.credentials() if request.include_inactive or c.status(now) == "active"]
        return pb.ListKeysResponse(keys=[_key_info(c, state) for c in keys])

    def authorize(self, state: State, request: pb.AuthorizeRequest) -> pb.AuthorizeResponse:
        credential, decision = state.authorize(
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

    def add_fault(self, state: State, request: pb.FaultRule) -> pb.FaultRule:
        from google.protobuf.json_format import MessageToDict

        data = MessageToDict(request, preserving_proto_field_name=True)
        data["count"] = request.count or None
        data["delay_seconds"] = _finite(request.delay_seconds, "delay_seconds")
        data.pop("rule_id", None)
        data.pop("hits", None)
        return _rule(state.add_fault(rule_from_json(data)))

    def clear_journal(self, state: State, request: pb.ClearJournalRequest) -> pb.ClearJournalResponse:
        return pb.ClearJournalResponse(removed=state.journal.clear(request.through_seq))

    def clear_faults(self, state: State, request: pb.ClearFaultsRequest) -> pb.ClearFaultsResponse:
        return pb.ClearFaultsResponse(removed=state.faults.clear(request.rule_id))

    def get_journal(self, state: State, request: pb.GetJournalRequest) -> pb.GetJournalResponse:
        method = resolve_method(request.method) if request.method.strip() else ""
        entries = state.journal.entries(method, request.limit)
        return pb.GetJournalResponse(entries=[_entry(e) for e in entries])


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


def _rules(state: State) -> list[pb.FaultRule]:
    return [_rule(r) for r in state.faults.rules()]


def _entry(entry: Entry) -> pb.JournalEntry:
    return pb.JournalEntry(
        seq=entry.seq, method=entry.method, emulator_time=to_iso(entry.emulator_time),
        wall_time=to_iso(entry.wall_time), caller_kind=entry.caller_kind, key_id=entry.key_id,
        request_json=json.dumps(redacted_request(entry.request)), code=entry.code, details=entry.details,
        latency_ms=entry.latency_ms,
    )  # fmt: skip
