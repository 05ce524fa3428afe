"""Admin operations over a gRPC channel: each builds its request and maps the admin message it gets
back onto the same typed results the in-process operations return (:mod:`emulator.results`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from emulator import results as r
from emulator._generated import admin_pb2 as pb
from emulator.core.clock import from_epoch
from emulator.core.values import clock_mode
from emulator.results import ControlError
from emulator.services import admin
from emulator.services.admin_ops import NewFault, Question, ResetOverrides
from emulator.services.rpc import ADMIN_TOKEN_HEADER

Reply = TypeVar("Reply", bound=Message)


class RemoteAdmin:
    """The admin API of the emulator at ``target``, one unary call per operation."""

    def __init__(self, target: str, *, admin_token: str = "", timeout: float = 10.0) -> None:
        self.target = target
        self.closed = False
        # A full journal or a big state export can exceed grpc's default 4 MiB receive limit.
        self._channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", -1)])
        self._metadata = ((ADMIN_TOKEN_HEADER, admin_token),) if admin_token else ()
        self._timeout = timeout

    def close(self) -> None:
        self.closed = True
        self._channel.close()

    def admin_call(self, name: str, request: Message, reply: type[Reply]) -> Reply:
        if self.closed:
            raise RuntimeError(f"this control of {self.target} is closed")
        stub: grpc.UnaryUnaryMultiCallable[Message, Reply] = self._channel.unary_unary(
            f"/{admin.SERVICE}/{name}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reply.FromString,
        )
        try:
            return stub(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise ControlError(error.code().name, error.details() or "") from None

    # clock
    def clock(self) -> r.ClockState:
        return clock_state(self.admin_call("GetClock", pb.GetClockRequest(), pb.ClockState))

    def set_clock(self, instant: float | str) -> r.ClockState:
        request = (
            pb.SetClockRequest(time=instant) if isinstance(instant, str) else pb.SetClockRequest(epoch_seconds=instant)
        )
        return clock_state(self.admin_call("SetClock", request, pb.ClockState))

    def advance_clock(self, seconds: float) -> r.ClockState:
        return clock_state(self.admin_call("AdvanceClock", pb.AdvanceClockRequest(seconds=seconds), pb.ClockState))

    def set_clock_mode(self, mode: str) -> r.ClockState:
        return clock_state(self.admin_call("SetClockMode", pb.SetClockModeRequest(mode=mode), pb.ClockState))

    # state
    def reset(self, overrides: ResetOverrides) -> r.Bootstrap:
        o = overrides
        request = pb.ResetRequest(clock_mode=o.clock_mode, seed=o.seed, max_disposable_ttl=o.max_disposable_ttl)
        if isinstance(o.start_time, str):
            request.start_time = o.start_time
        elif o.start_time is not None:
            request.start_epoch_seconds = o.start_time
        return bootstrap(self.admin_call("Reset", request, pb.Bootstrap))

    def bootstrap(self) -> r.Bootstrap:
        return bootstrap(self.admin_call("GetBootstrap", pb.GetBootstrapRequest(), pb.Bootstrap))

    def export_state(self) -> dict[str, Any]:
        document = self.admin_call("ExportState", pb.ExportStateRequest(), pb.StateDocument)
        return json.loads(document.json)  # type: ignore[no-any-return]

    def import_state(self, document: str | dict[str, Any]) -> r.Bootstrap:
        try:
            text = document if isinstance(document, str) else json.dumps(document)
        except (TypeError, ValueError, RecursionError) as error:  # as in-process: refused, naming the document
            raise ControlError("INVALID_ARGUMENT", f"document: not a JSON document ({error})") from None
        return bootstrap(self.admin_call("ImportState", pb.StateDocument(json=text), pb.Bootstrap))

    # keys
    def keys(self, include_inactive: bool = False) -> list[r.KeyInfo]:
        response = self.admin_call(
            "ListKeys", pb.ListKeysRequest(include_inactive=include_inactive), pb.ListKeysResponse
        )
        return [key_info(k) for k in response.keys]

    def describe_key(self, key: str) -> r.KeyInfo:
        return key_info(self.admin_call("DescribeKey", pb.KeyRequest(key=key), pb.KeyInfo))

    def revoke_key(self, key: str) -> r.KeyInfo:
        return key_info(self.admin_call("RevokeKey", pb.KeyRequest(key=key), pb.KeyInfo))

    def authorize(self, question: Question) -> r.AuthorizationDecision:
        q = question
        request = pb.AuthorizeRequest(
            key=q.key, action=q.action, cache=q.cache, item=q.item, topic=q.topic, function=q.function
        )
        return authorization(self.admin_call("Authorize", request, pb.AuthorizeResponse))

    # faults
    def add_fault(self, fault: NewFault) -> r.FaultRule:
        f = fault
        rule = pb.FaultRule(
            methods=f.methods, code=f.code, message=f.message, count=f.count or 0, delay_seconds=f.delay_seconds,
            key_id=f.key_id, token_id=f.token_id,
        )  # fmt: skip
        return fault_rule(self.admin_call("AddFault", rule, pb.FaultRule))

    def faults(self) -> list[r.FaultRule]:
        return [
            fault_rule(r) for r in self.admin_call("ListFaults", pb.ListFaultsRequest(), pb.ListFaultsResponse).rules
        ]

    def clear_faults(self, rule_id: str = "") -> int:
        return self.admin_call("ClearFaults", pb.ClearFaultsRequest(rule_id=rule_id), pb.ClearFaultsResponse).removed

    # journal
    def journal(self, method: str = "", limit: int = 0) -> list[r.JournalEntry]:
        request = pb.GetJournalRequest(method=method, limit=limit)
        return [journal_entry(e) for e in self.admin_call("GetJournal", request, pb.GetJournalResponse).entries]

    def clear_journal(self, through_seq: int = 0) -> int:
        request = pb.ClearJournalRequest(through_seq=through_seq)
        return self.admin_call("ClearJournal", request, pb.ClearJournalResponse).removed


# --- admin messages -> results ------------------------------------------------------------------


def instant(text: str) -> datetime:
    """An ISO 8601 instant as the admin service writes it (UTC, ``Z``)."""
    return datetime.fromisoformat(text)


def clock_state(message: pb.ClockState) -> r.ClockState:
    return r.ClockState(now=from_epoch(message.now_epoch_seconds), mode=clock_mode(message.mode, "mode"))


def bootstrap(message: pb.Bootstrap) -> r.Bootstrap:
    return r.Bootstrap(
        api_key=message.api_key, session_token=message.session_token, raw_api_key=message.raw_api_key,
        raw_session_token=message.raw_session_token, endpoint=message.endpoint, api_key_v2=message.api_key_v2,
        web_url=message.web_url,
    )  # fmt: skip


def key_info(message: pb.KeyInfo) -> r.KeyInfo:
    return r.KeyInfo(
        key_id=message.key_id, kind=message.kind, status=message.status,
        permissions=json.loads(message.permissions_json or "null"), permissions_text=message.permissions_text,
        issued_at=instant(message.issued_at), valid_until=instant(message.valid_until) if message.valid_until else None,
        valid_for_seconds=message.valid_for_seconds or None, token_id=message.token_id,
        description=message.description, refreshable=message.refreshable, issued_by=message.issued_by,
        revoked_at=instant(message.revoked_at) if message.revoked_at else None,
    )  # fmt: skip


def authorization(message: pb.AuthorizeResponse) -> r.AuthorizationDecision:
    return r.AuthorizationDecision(
        allowed=message.allowed, reason=message.reason,
        matched_index=None if message.matched_index < 0 else message.matched_index,
        matched_permission=message.matched_permission, key_id=message.key_id,
    )  # fmt: skip


def fault_rule(message: pb.FaultRule) -> r.FaultRule:
    return r.FaultRule(
        rule_id=message.rule_id, methods=tuple(message.methods), code=message.code, message=message.message,
        count=message.count or None, delay_seconds=message.delay_seconds, key_id=message.key_id,
        token_id=message.token_id, hits=message.hits,
    )  # fmt: skip


def journal_entry(message: pb.JournalEntry) -> r.JournalEntry:
    return r.JournalEntry(
        seq=message.seq, method=message.method, emulator_time=instant(message.emulator_time),
        wall_time=instant(message.wall_time), caller_kind=message.caller_kind, key_id=message.key_id,
        code=message.code, details=message.details, latency_ms=message.latency_ms,
        request=json.loads(message.request_json or "{}"),
    )  # fmt: skip
