"""The admin API (protos/admin.proto) through a real gRPC channel: every RPC, and bad input."""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from momento_wire_types import auth_pb2, auth_pb2_grpc, token_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import ControlError, ThreadedEmulatorServer, remote_control
from emulator._generated import admin_pb2, admin_pb2_grpc
from emulator.control import RemoteControl
from emulator.core.authorization import ACTIONS
from emulator.core.permissions import Grant, Permissions, Role, Selector
from tests.builders import START, START_DT, START_ISO, cache_grant, refresh_request, topic_grant
from tests.helpers import Factory, mint_api_key, mint_disposable, status_of


class Emu:
    """One running emulator with an admin client, its bootstrap credentials and Momento stubs."""

    def __init__(self, server: ThreadedEmulatorServer) -> None:
        self.server = server
        self.admin = remote_control(server.target)
        self.channel = grpc.insecure_channel(server.target)
        self.stub = admin_pb2_grpc.AdminStub(self.channel)
        self.auth = auth_pb2_grpc.AuthStub(self.channel)
        self.token = token_pb2_grpc.TokenStub(self.channel)
        self.boot = self.admin.bootstrap()

    def close(self) -> None:
        self.admin.close()
        self.channel.close()

    def snapshot(self) -> dict[str, Any]:
        """What a refused admin call must leave unchanged."""
        admin = self.admin
        return {
            "now": admin.now(),
            "mode": admin.clock_mode(),
            "bootstrap": admin.bootstrap(),
            "keys": admin.keys(include_inactive=True),
            "faults": admin.faults(),
        }


@pytest.fixture
def emu(make_server: Factory) -> Iterator[Emu]:
    handle = Emu(make_server())
    yield handle
    handle.close()


@pytest.fixture
def make_emu(make_server: Factory) -> Iterator[Callable[..., Emu]]:
    handles: list[Emu] = []

    def make(**settings: Any) -> Emu:
        handles.append(Emu(make_server(**settings)))
        return handles[-1]

    yield make
    for handle in handles:
        handle.close()


def refused(call: Callable[[], object], code: str, *fragments: str) -> str:
    """Assert that an admin call fails with ``code`` and details containing each fragment."""
    with pytest.raises(ControlError) as caught:
        call()
    assert caught.value.code == code, caught.value
    for fragment in fragments:
        assert fragment in caught.value.message, caught.value.message
    return caught.value.message


# --- clock ----------------------------------------------------------------------------------


def test_get_clock_reports_the_start_instant_in_manual_mode(emu: Emu) -> None:
    state = emu.stub.GetClock(admin_pb2.GetClockRequest())
    assert (state.now, state.now_epoch_seconds, state.mode) == (START_ISO, START, "manual")


def test_set_clock_accepts_iso_text_epoch_seconds_and_datetimes(emu: Emu) -> None:
    assert emu.stub.SetClock(admin_pb2.SetClockRequest(time="2030-01-02T00:00:00Z")).now == "2030-01-02T00:00:00Z"
    assert emu.stub.SetClock(admin_pb2.SetClockRequest(epoch_seconds=START + 2 * 86400)).now == "2030-01-03T00:00:00Z"
    moved = emu.admin.set_time(datetime(2030, 1, 4, tzinfo=UTC))
    assert moved == datetime(2030, 1, 4, tzinfo=UTC) == emu.admin.now()


def test_advance_clock_moves_forward_by_the_duration(emu: Emu) -> None:
    state = emu.stub.AdvanceClock(admin_pb2.AdvanceClockRequest(seconds=90.5))
    assert state.now_epoch_seconds == START + 90.5
    assert state.now == "2030-01-01T00:01:30.500000Z"


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda a: a.set_time("2029-12-31T23:59:59Z"), ("time:", "never goes backwards")),
        (lambda a: a.set_time(START - 1), ("time:", "never goes backwards")),
        (lambda a: a.set_time(-1e300), ("time:", "outside the range")),
        (lambda a: a.set_time(1e300), ("time:", "outside the range")),
        (lambda a: a.set_time("next tuesday"), ("time:", "not an ISO 8601 instant")),
        (lambda a: a.advance(-1), ("seconds:", "negative")),
        (lambda a: a.advance(1e300), ("outside the range",)),
        (lambda a: a.set_time(math.nan), ("instant:", "finite")),
        (lambda a: a.set_time(math.inf), ("instant:", "finite")),
        (lambda a: a.advance(math.nan), ("seconds:", "finite")),
        (lambda a: a.advance(math.inf), ("seconds:", "finite")),
        (lambda a: a.set_clock_mode("sundial"), ("mode:", "manual, system")),
    ],
    ids=[
        "backwards-iso", "backwards-epoch", "far-past", "far-future", "not-iso", "negative-advance",
        "huge-advance", "nan-set", "inf-set", "nan-advance", "inf-advance", "unknown-mode",
    ],
)  # fmt: skip
def test_bad_clock_requests_are_invalid_argument_and_change_nothing(
    emu: Emu, call: Callable[[RemoteControl], object], fragments: tuple[str, ...]
) -> None:
    before = emu.snapshot()
    refused(lambda: call(emu.admin), "INVALID_ARGUMENT", *fragments)
    assert emu.snapshot() == before


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf])
def test_set_clock_to_a_number_that_is_not_finite_is_refused_by_the_server_too(emu: Emu, seconds: float) -> None:
    code, details = status_of(lambda: emu.stub.SetClock(admin_pb2.SetClockRequest(epoch_seconds=seconds)))
    assert code is grpc.StatusCode.INVALID_ARGUMENT and details.startswith("epoch_seconds:") and "finite" in details


def test_set_clock_without_an_instant_names_the_oneof(emu: Emu) -> None:
    code, details = status_of(lambda: emu.stub.SetClock(admin_pb2.SetClockRequest()))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("instant:")


def test_system_mode_continues_from_the_current_instant_without_a_jump(emu: Emu) -> None:
    emu.admin.advance(3600)
    state = emu.stub.SetClockMode(admin_pb2.SetClockModeRequest(mode="system"))
    assert state.mode == "system"
    assert START + 3600 <= state.now_epoch_seconds < START + 3600 + 5
    later = emu.admin.now().timestamp()
    assert state.now_epoch_seconds <= later < START + 3600 + 5
    emu.admin.advance(60)  # advancing still works in system mode
    assert emu.admin.now().timestamp() >= later + 60
    frozen = emu.admin.set_clock_mode("manual")
    assert emu.admin.now() == frozen == emu.admin.now()
    assert emu.admin.clock_mode() == "manual"


# --- reset and bootstrap --------------------------------------------------------------------


def test_bootstrap_holds_both_key_forms_and_the_endpoint(emu: Emu) -> None:
    boot = emu.boot
    assert json.loads(base64.b64decode(boot.api_key)) == {"endpoint": emu.server.target, "api_key": boot.raw_api_key}
    wrapped = json.loads(base64.b64decode(boot.session_token))
    assert wrapped == {"endpoint": emu.server.target, "api_key": boot.raw_session_token}
    assert boot.endpoint == emu.server.target


def test_reset_issues_new_bootstrap_credentials_and_empties_everything(emu: Emu) -> None:
    old = emu.boot
    mint_disposable(emu.token, old.raw_api_key)
    emu.admin.add_fault("GenerateApiToken", "UNAVAILABLE")
    emu.admin.advance(7200)
    assert emu.admin.journal()

    new = emu.admin.reset()

    assert new.raw_api_key != old.raw_api_key and new.raw_session_token != old.raw_session_token
    assert emu.admin.bootstrap() == new
    assert emu.admin.now().timestamp() == START
    assert emu.admin.faults() == [] and emu.admin.journal() == []
    assert sorted(k.kind for k in emu.admin.keys(include_inactive=True)) == ["api_key", "session_token"]
    code, details = status_of(lambda: mint_disposable(emu.token, old.raw_api_key))
    assert code is grpc.StatusCode.UNAUTHENTICATED and details.startswith("auth_token:")
    assert mint_disposable(emu.token, new.raw_api_key).api_key


def test_a_seeded_emulator_resets_to_the_same_bootstrap_credentials(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(seed="ci")
    mint_disposable(emu.token, emu.boot.raw_api_key)
    assert emu.admin.reset() == emu.boot
    assert len(emu.admin.keys()) == 2


# --- keys -----------------------------------------------------------------------------------


def test_list_keys_shows_what_was_issued_without_secrets(emu: Emu) -> None:
    minted = mint_disposable(emu.token, emu.boot.raw_api_key, ttl=600, token_id="worker-7")
    keys = emu.admin.keys()
    assert [k.kind for k in keys] == ["session_token", "api_key", "disposable_token"]
    token = keys[2]
    assert token.token_id == "worker-7"
    assert token.status == "active"
    assert token.issued_at == START_DT
    assert token.valid_until == datetime(2030, 1, 1, 0, 10, tzinfo=UTC)
    assert token.valid_for_seconds == 600
    assert token.permissions == [{"role": "cache-read-write", "cache": None, "target": None}]
    assert token.permissions_text == "cache-read-write on all caches, all items"
    assert token.issued_by == keys[1].key_id
    listing = json.dumps([k.to_json() for k in keys])
    for secret in (minted.api_key, emu.boot.raw_api_key, emu.boot.raw_session_token):
        assert secret not in listing


def test_describe_key_accepts_a_key_id_a_raw_key_or_its_base64_form(emu: Emu) -> None:
    by_raw = emu.admin.describe_key(emu.boot.raw_api_key)
    assert by_raw.kind == "api_key" and by_raw.permissions == "super_user"
    assert emu.admin.describe_key(emu.boot.api_key) == by_raw
    assert emu.admin.describe_key(by_raw.key_id) == by_raw


@pytest.mark.parametrize(
    ("key", "code", "fragment"),
    [
        ("0123456789abcdef", "NOT_FOUND", "key:"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.forged", "NOT_FOUND", "key:"),
        ("   ", "INVALID_ARGUMENT", "key: required"),
    ],
)
@pytest.mark.parametrize("operation", ["describe_key", "revoke_key"])
def test_unknown_keys_are_refused_and_nothing_is_revoked(
    emu: Emu, operation: str, key: str, code: str, fragment: str
) -> None:
    before = emu.snapshot()
    refused(lambda: getattr(emu.admin, operation)(key), code, fragment)
    assert emu.snapshot() == before


def test_a_revoked_key_is_refused_unauthenticated_by_generate_disposable_token(emu: Emu) -> None:
    key = mint_api_key(emu.auth, emu.boot.raw_session_token).api_key
    assert mint_disposable(emu.token, key).api_key
    revoked = emu.admin.revoke_key(key)
    assert revoked.status == "revoked" and revoked.revoked_at == START_DT
    code, details = status_of(lambda: mint_disposable(emu.token, key))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in details
    active = emu.admin.keys()
    assert revoked.key_id not in [k.key_id for k in active]
    assert revoked.key_id in [k.key_id for k in emu.admin.keys(include_inactive=True)]


def test_a_revoked_key_is_no_longer_refreshable(emu: Emu) -> None:
    """Revocation spends the refresh token: the admin API says so, and RefreshApiToken refuses it."""
    issued = mint_api_key(emu.auth, emu.boot.raw_session_token, ttl=3600)
    request = admin_pb2.KeyRequest(key=issued.api_key)
    assert emu.stub.DescribeKey(request, timeout=10).refreshable is True
    revoked = emu.stub.RevokeKey(request, timeout=10)
    assert (revoked.status, revoked.refreshable) == ("revoked", False)
    assert emu.stub.DescribeKey(request, timeout=10).refreshable is False
    code, details = status_of(lambda: emu.auth.RefreshApiToken(refresh_request(issued.api_key, issued.refresh_token)))
    assert (code, details) == (grpc.StatusCode.UNAUTHENTICATED, "api_key: the credential was revoked")


def test_a_key_is_listed_as_expired_once_the_clock_reaches_its_expiry(emu: Emu) -> None:
    token = mint_disposable(emu.token, emu.boot.raw_api_key, ttl=60).api_key
    emu.admin.advance(59)
    assert emu.admin.describe_key(token).status == "active"
    emu.admin.advance(1)
    assert emu.admin.describe_key(token).status == "expired"
    assert len(emu.admin.keys()) == 2
    assert [k.status for k in emu.admin.keys(include_inactive=True)][-1] == "expired"


# --- authorize ------------------------------------------------------------------------------


def test_authorize_reports_the_matching_permission_for_cache_roles(emu: Emu) -> None:
    token = mint_disposable(
        emu.token,
        emu.boot.raw_api_key,
        cache_grant(pm.CacheReadOnly, "reports"),
        cache_grant(pm.CacheWriteOnly, "inbox"),
    ).api_key
    get = emu.admin.authorize(token, "get", "reports")
    assert get.allowed is True
    assert get.matched_index == 0
    assert get.matched_permission == "cache-read-only on cache 'reports', all items"
    assert get.key_id == emu.admin.describe_key(token).key_id
    denied = emu.admin.authorize(token, "set", "reports")
    assert (denied.allowed, denied.matched_index, denied.matched_permission) == (False, None, "")
    assert "permissions[0]" in denied.reason and "write" in denied.reason
    assert emu.admin.authorize(token, "set", "inbox").matched_index == 1
    for action in ("set-if-not-exists", "list-push-back", "get"):
        assert emu.admin.authorize(token, action, "inbox").allowed is False, action
    assert "no permission covers" in emu.admin.authorize(token, "get", "elsewhere").reason


def test_authorize_topic_roles(emu: Emu) -> None:
    token = mint_disposable(emu.token, emu.boot.raw_api_key, topic_grant(pm.TopicWriteOnly, "chat", "news")).api_key
    assert emu.admin.authorize(token, "publish", "chat", topic="news").allowed is True
    assert emu.admin.authorize(token, "subscribe", "chat", topic="news").allowed is False
    assert emu.admin.authorize(token, "publish", "chat", topic="sports").allowed is False
    assert emu.admin.authorize(token, "publish", "other", topic="news").allowed is False
    assert emu.admin.authorize(token, "get", "chat", item="k").allowed is False


def test_authorize_narrows_to_a_key_or_a_key_prefix(emu: Emu) -> None:
    token = mint_disposable(
        emu.token,
        emu.boot.raw_api_key,
        cache_grant(pm.CacheReadWrite, "c", key=b"k1"),
        cache_grant(pm.CacheReadOnly, "c", prefix=b"user-"),
    ).api_key
    assert emu.admin.authorize(token, "set", "c", item="k1").matched_index == 0
    assert emu.admin.authorize(token, "get", "c", item=b"user-42").matched_index == 1
    assert emu.admin.authorize(token, "set", "c", item="user-42").allowed is False
    assert emu.admin.authorize(token, "get", "c", item="k2").allowed is False
    assert emu.admin.authorize(token, "get", "c").allowed is False  # no item given


def test_authorize_super_user_keys_in_either_form_and_dead_keys(emu: Emu) -> None:
    for key in (emu.boot.api_key, emu.boot.raw_api_key, emu.boot.session_token):
        assert emu.admin.authorize(key, "set", "c", item="k").allowed is True, key
    token = mint_disposable(emu.token, emu.boot.raw_api_key, ttl=10).api_key
    emu.admin.advance(10)
    expired = emu.admin.authorize(token, "get", "c", item="k")
    assert expired.allowed is False and "expired" in expired.reason
    emu.admin.revoke_key(emu.boot.api_key)
    revoked = emu.admin.authorize(emu.boot.api_key, "get", "c", item="k")
    assert revoked.allowed is False and "revoked" in revoked.reason


def test_an_unknown_action_is_refused_with_the_whole_list_of_actions(emu: Emu) -> None:
    details = refused(lambda: emu.admin.authorize(emu.boot.raw_api_key, "teleport", "c"), "INVALID_ARGUMENT", "action:")
    assert not details.endswith("…")
    for action in ACTIONS:
        assert action in details, action


def test_authorize_takes_a_key_id_as_keys_list_prints_it(emu: Emu) -> None:
    token = mint_disposable(emu.token, emu.boot.raw_api_key, cache_grant(pm.CacheReadWrite, "c"), ttl=10).api_key
    key_id = emu.admin.describe_key(token).key_id
    assert emu.admin.authorize(key_id, "get", "c", item="k").allowed is True
    assert emu.admin.authorize(key_id, "get", "other", item="k").allowed is False
    emu.admin.advance(10)
    expired = emu.admin.authorize(key_id, "get", "c", item="k")
    assert expired.allowed is False and expired.reason == "key: the credential expired"


def test_authorize_with_a_static_super_user_key_in_base64_form(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(super_user_key="ci-fixed-key")
    assert emu.boot.raw_api_key == "ci-fixed-key"
    assert emu.admin.authorize(emu.boot.api_key, "get", "c", item="k").allowed is True


@pytest.mark.parametrize(
    ("arguments", "code", "fragment"),
    [
        ({"action": "teleport", "cache": "c"}, "INVALID_ARGUMENT", "action:"),
        ({"action": "", "cache": "c"}, "INVALID_ARGUMENT", "action: required"),
        ({"action": "get", "cache": ""}, "INVALID_ARGUMENT", "cache:"),
        ({"action": "publish", "cache": "c"}, "INVALID_ARGUMENT", "topic:"),
        ({"key": "not-a-key", "action": "get", "cache": "c"}, "NOT_FOUND", "key:"),
        ({"key": "", "action": "get", "cache": "c"}, "INVALID_ARGUMENT", "key: required"),
    ],
)
def test_bad_authorize_requests_name_the_field(emu: Emu, arguments: dict[str, str], code: str, fragment: str) -> None:
    arguments = {"key": emu.boot.raw_api_key, **arguments}
    refused(lambda: emu.admin.authorize(**arguments), code, fragment)


# --- faults ---------------------------------------------------------------------------------


def test_a_counted_fault_fails_the_next_matching_calls_then_stops(emu: Emu) -> None:
    rule = emu.admin.add_fault("GenerateDisposableToken", "RESOURCE_EXHAUSTED", count=2, message="slow down")
    assert rule.methods == ("/token.Token/GenerateDisposableToken",) and rule.rule_id
    assert mint_api_key(emu.auth, emu.boot.raw_session_token).api_key  # another method: unaffected
    for _ in range(2):
        assert status_of(lambda: mint_disposable(emu.token, emu.boot.raw_api_key)) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "slow down",
        )
    assert mint_disposable(emu.token, emu.boot.raw_api_key).api_key
    assert emu.admin.faults() == []


def test_a_fault_without_a_count_lasts_until_cleared_and_counts_hits(emu: Emu) -> None:
    rule = emu.admin.add_fault("/token.Token/GenerateDisposableToken", "unavailable")
    assert rule.count is None and rule.code == "UNAVAILABLE"
    for _ in range(3):
        code, details = status_of(lambda: mint_disposable(emu.token, emu.boot.raw_api_key))
        assert code is grpc.StatusCode.UNAVAILABLE and rule.rule_id in details
    assert [r.hits for r in emu.admin.faults()] == [3]
    assert emu.admin.clear_faults(rule.rule_id) == 1
    assert mint_disposable(emu.token, emu.boot.raw_api_key).api_key


def test_a_fault_with_no_method_applies_to_every_momento_method_but_not_to_admin_calls(emu: Emu) -> None:
    emu.admin.add_fault(code="INTERNAL")
    assert status_of(lambda: mint_disposable(emu.token, emu.boot.raw_api_key))[0] is grpc.StatusCode.INTERNAL
    assert status_of(lambda: mint_api_key(emu.auth, emu.boot.raw_session_token))[0] is grpc.StatusCode.INTERNAL
    assert status_of(lambda: list(emu.auth.Login(auth_pb2._LoginRequest(), timeout=10)))[0] is grpc.StatusCode.INTERNAL
    assert emu.admin.now().timestamp() == START
    assert emu.admin.clear_faults() == 1


def test_a_delay_slows_the_call_while_the_emulator_clock_stands_still(emu: Emu) -> None:
    emu.admin.add_fault("GenerateDisposableToken", "OK", delay=0.3, count=1)
    began = time.perf_counter()
    minted = mint_disposable(emu.token, emu.boot.raw_api_key, ttl=60)
    assert time.perf_counter() - began >= 0.29  # asyncio may wake a hair early
    assert minted.valid_until == START + 60
    assert emu.admin.now().timestamp() == START
    emu.admin.add_fault("GenerateDisposableToken", "ABORTED", delay=0.2, count=1)
    began = time.perf_counter()
    assert status_of(lambda: mint_disposable(emu.token, emu.boot.raw_api_key))[0] is grpc.StatusCode.ABORTED
    assert time.perf_counter() - began >= 0.19


def test_faults_can_match_on_the_callers_key_id_or_token_id(emu: Emu) -> None:
    bot = mint_api_key(emu.auth, emu.boot.raw_session_token, token_id="ci-bot").api_key
    bot_id = emu.admin.describe_key(bot).key_id
    emu.admin.add_fault("GenerateDisposableToken", "PERMISSION_DENIED", key_id=bot_id)
    assert status_of(lambda: mint_disposable(emu.token, bot))[0] is grpc.StatusCode.PERMISSION_DENIED
    assert mint_disposable(emu.token, emu.boot.raw_api_key).api_key
    emu.admin.clear_faults()
    emu.admin.add_fault("GenerateDisposableToken", "DEADLINE_EXCEEDED", token_id="ci-bot")
    assert status_of(lambda: mint_disposable(emu.token, bot))[0] is grpc.StatusCode.DEADLINE_EXCEEDED
    assert mint_disposable(emu.token, emu.boot.raw_api_key).api_key
    assert [r.hits for r in emu.admin.faults()] == [1]


@pytest.mark.parametrize(
    ("rule", "fragments"),
    [
        (admin_pb2.FaultRule(methods=["GenerateDisposableTokens"]), ("method:", "GenerateDisposableTokens")),
        (admin_pb2.FaultRule(methods=["/cache.Cache/Get"]), ("method:", "not a Momento method")),
        (admin_pb2.FaultRule(methods=["Login"], code="TEAPOT"), ("code:", "TEAPOT")),
        (admin_pb2.FaultRule(methods=["Login"], code="OK"), ("code:", "delay")),
        (admin_pb2.FaultRule(methods=["Login"], delay_seconds=61), ("delay_seconds:",)),
        (admin_pb2.FaultRule(methods=["Login"], delay_seconds=-1), ("delay_seconds:",)),
        (admin_pb2.FaultRule(methods=["Login"], delay_seconds=math.nan), ("delay_seconds:", "finite")),
        (admin_pb2.FaultRule(methods=["Login"], delay_seconds=math.inf), ("delay_seconds:", "finite")),
    ],
    ids=["unknown-method", "cache-method", "unknown-code", "ok-without-delay", "long-delay", "negative-delay",
         "nan-delay", "inf-delay"],
)  # fmt: skip
def test_bad_fault_rules_are_invalid_argument_and_add_nothing(
    emu: Emu, rule: admin_pb2.FaultRule, fragments: tuple[str, ...]
) -> None:
    before = emu.snapshot()
    code, details = status_of(lambda: emu.stub.AddFault(rule))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    for fragment in fragments:
        assert fragment in details, details
    assert emu.snapshot() == before


def test_a_fault_count_below_one_is_refused_by_the_client(emu: Emu) -> None:
    for count in (0, -1):
        refused(lambda c=count: emu.admin.add_fault("Login", count=c), "INVALID_ARGUMENT", "count:")  # type: ignore[misc]
    assert emu.admin.faults() == []


def test_clearing_an_unknown_rule_is_not_found(emu: Emu) -> None:
    emu.admin.add_fault("Login")
    before = emu.snapshot()
    refused(lambda: emu.admin.clear_faults("f999"), "NOT_FOUND", "rule_id:", "f999")
    assert emu.snapshot() == before


# --- journal --------------------------------------------------------------------------------


def test_the_journal_records_every_momento_call_with_secrets_redacted(emu: Emu) -> None:
    issued = mint_api_key(emu.auth, emu.boot.raw_session_token, ttl=3600)
    emu.auth.RefreshApiToken(refresh_request(issued.api_key, issued.refresh_token), timeout=10)
    list(emu.auth.Login(auth_pb2._LoginRequest(), timeout=10))
    status_of(lambda: mint_disposable(emu.token, "forged"))
    emu.admin.advance(5)
    emu.admin.keys()  # admin calls are not journaled

    entries = emu.admin.journal()

    assert [e.method for e in entries] == [
        "/auth.Auth/GenerateApiToken",
        "/auth.Auth/RefreshApiToken",
        "/auth.Auth/Login",
        "/token.Token/GenerateDisposableToken",
    ]
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.code for e in entries] == ["OK", "OK", "OK", "UNAUTHENTICATED"]
    assert entries[3].details.startswith("auth_token:")
    assert {e.emulator_time for e in entries} == {START_DT}
    for entry in entries:
        assert abs(entry.wall_time.timestamp() - time.time()) < 60
    session_id = emu.admin.describe_key(emu.boot.raw_session_token).key_id
    assert (entries[0].caller_kind, entries[0].key_id) == ("session_token", session_id)
    assert (entries[1].caller_kind, entries[1].key_id) == (
        "api_key",
        emu.admin.describe_key(issued.api_key).key_id,
    )
    assert (entries[2].caller_kind, entries[3].caller_kind) == ("", "")
    assert entries[0].request["auth_token"].startswith("[redacted")
    assert entries[0].request["permissions"] == {"super_user": "SuperUser"}
    assert entries[1].request["refresh_token"].startswith("[redacted")
    assert entries[0].request["auth_token"] != entries[1].request["api_key"]
    dumped = json.dumps([e.to_json() for e in entries])
    for secret in (emu.boot.raw_session_token, issued.api_key, issued.refresh_token):
        assert secret not in dumped


def test_the_journal_records_injected_faults(emu: Emu) -> None:
    emu.admin.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1, message="maintenance")
    status_of(lambda: mint_disposable(emu.token, emu.boot.raw_api_key))
    [entry] = emu.admin.journal()
    assert (entry.code, entry.details, entry.caller_kind) == ("UNAVAILABLE", "maintenance", "api_key")


def test_the_journal_latency_is_the_wall_time_the_call_took_in_milliseconds(emu: Emu) -> None:
    delay = 0.25  # an injected delay is wall time; the emulator clock does not move
    emu.admin.add_fault("GenerateDisposableToken", "OK", count=1, delay=delay)
    sent = time.monotonic()
    mint_disposable(emu.token, emu.boot.raw_api_key)
    took_ms = (time.monotonic() - sent) * 1000
    [entry] = emu.admin.journal()
    assert delay * 1000 - 1 <= entry.latency_ms <= took_ms  # 1 ms for the timer's rounding


def test_the_journal_filters_by_method_and_keeps_the_newest_with_a_limit(emu: Emu) -> None:
    for ttl in (10, 20, 30):
        mint_disposable(emu.token, emu.boot.raw_api_key, ttl=ttl)
    mint_api_key(emu.auth, emu.boot.raw_session_token)
    assert len(emu.admin.journal("GenerateDisposableToken")) == 3
    assert len(emu.admin.journal("/token.Token/GenerateDisposableToken")) == 3
    assert [e.method for e in emu.admin.journal("GenerateApiToken")] == ["/auth.Auth/GenerateApiToken"]
    assert [e.seq for e in emu.admin.journal(limit=2)] == [3, 4]
    assert [e.seq for e in emu.admin.journal("GenerateDisposableToken", limit=1)] == [3]
    refused(lambda: emu.admin.journal("GenerateToken"), "INVALID_ARGUMENT", "method:", "GenerateToken")


def test_clearing_the_journal_reports_how_many_entries_went(emu: Emu) -> None:
    mint_disposable(emu.token, emu.boot.raw_api_key)
    mint_disposable(emu.token, emu.boot.raw_api_key)
    assert emu.admin.clear_journal() == 2
    assert emu.admin.journal() == []
    mint_disposable(emu.token, emu.boot.raw_api_key)
    assert [e.seq for e in emu.admin.journal()] == [3]


def test_clearing_the_journal_through_a_seq_keeps_the_calls_that_came_after(emu: Emu) -> None:
    for _ in range(3):
        mint_disposable(emu.token, emu.boot.raw_api_key)
    read = emu.admin.journal()
    mint_disposable(emu.token, emu.boot.raw_api_key)  # arrives after the read
    assert emu.admin.clear_journal(read[-1].seq) == 3
    assert [entry.seq for entry in emu.admin.journal()] == [read[-1].seq + 1]


def test_the_journal_is_bounded(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(journal_size=3)
    for _ in range(5):
        mint_disposable(emu.token, emu.boot.raw_api_key)
    assert [e.seq for e in emu.admin.journal()] == [3, 4, 5]


# --- export and import ----------------------------------------------------------------------


def test_an_imported_emulator_accepts_old_keys_and_refresh_tokens_and_answers_identically(
    make_emu: Callable[..., Emu],
) -> None:
    first = make_emu()
    refreshable = mint_api_key(first.auth, first.boot.raw_session_token, ttl=3600, token_id="svc")
    token = mint_disposable(first.token, refreshable.api_key, cache_grant(pm.CacheReadOnly, "c"), ttl=600).api_key
    revoked = mint_api_key(first.auth, first.boot.raw_session_token).api_key
    first.admin.revoke_key(revoked)
    first.admin.add_fault("Login", "UNAVAILABLE", count=2)
    first.admin.advance(120)
    document = first.admin.export_state()
    assert document["format"] == "momento-auth-emulator/state" and document["version"] == 2

    second = make_emu(start_time=START + 10**6)  # a different clock and secret until the import
    imported = second.admin.import_state(document)

    assert imported == second.admin.bootstrap()
    assert (imported.raw_api_key, imported.raw_session_token) == (first.boot.raw_api_key, first.boot.raw_session_token)
    for emu in (first, second):
        assert emu.admin.now().timestamp() == START + 120
        assert emu.admin.authorize(token, "get", "c", item="k").allowed is True
        assert emu.admin.authorize(token, "set", "c", item="k").allowed is False
    assert second.admin.keys(include_inactive=True) == first.admin.keys(include_inactive=True)
    assert second.admin.faults() == first.admin.faults()
    assert mint_disposable(second.token, refreshable.api_key, ttl=60).valid_until == START + 180
    assert status_of(lambda: mint_disposable(second.token, revoked))[0] is grpc.StatusCode.UNAUTHENTICATED
    for emu in (first, second):
        refreshed = emu.auth.RefreshApiToken(
            refresh_request(refreshable.api_key, refreshable.refresh_token),
            timeout=10,
        )
        assert refreshed.valid_until == START + 120 + 3600
    assert second.admin.export_state()["faults"] == document["faults"]


def test_a_seeded_emulator_never_reuses_imported_key_ids(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(seed="s1")
    for _ in range(5):
        mint_disposable(emu.token, emu.boot.raw_api_key)
    listed = emu.admin.keys()
    held = {k.key_id for k in listed}
    emu.admin.import_state(emu.admin.export_state())
    fresh = [mint_disposable(emu.token, emu.boot.raw_api_key).api_key for _ in range(8)]
    assert not held & {emu.admin.describe_key(t).key_id for t in fresh}
    assert emu.admin.describe_key(emu.boot.raw_api_key).kind == "api_key"
    assert len(emu.admin.keys()) == 2 + 5 + 8


def test_rules_added_after_an_import_get_fresh_ids(emu: Emu) -> None:
    emu.admin.add_fault("Login")
    emu.admin.import_state(emu.admin.export_state())
    added = emu.admin.add_fault("GenerateApiToken")
    assert len({r.rule_id for r in emu.admin.faults()}) == 2
    assert emu.admin.clear_faults(added.rule_id) == 1
    assert [r.methods for r in emu.admin.faults()] == [("/auth.Auth/Login",)]


def _edit(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    """Set (or with ``...``, delete) the value at a dotted path of the exported document."""

    def apply(document: dict[str, Any]) -> Any:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return document

    return apply


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        (lambda d: "{not json", ("json:", "not a JSON document")),
        (lambda d: [], ("document:", "JSON object")),
        (_edit("format", "something-else"), ("format:",)),
        (_edit("version", 3), ("version:", "3")),
        (_edit("version", "1"), ("version:",)),
        (
            _edit("caches", [{"name": "c", "items": [{"key": "", "value": "", "expires_ms": 1}]}]),
            ("caches[0].items[0]",),
        ),
        (_edit("clock", ...), ("clock:", "missing")),
        (_edit("clock.mode", "lunar"), ("clock.mode:",)),
        (_edit("clock.now", "soon"), ("clock.now:",)),
        (_edit("secret", "***not base64***"), ("secret:",)),
        (_edit("secret", ""), ("secret:",)),
        (_edit("credentials", {}), ("credentials", "list")),
        (_edit("credentials.0.issued_at", "NaN"), ("credentials[0]:", "issued_at")),
        (_edit("credentials.0.kind", "root"), ("credentials[0]:",)),
        (_edit("credentials.0.key_id", ...), ("credentials[0]:", "missing", "key_id")),
        (_edit("credentials.0.permissions", 42), ("credentials[0]:", "permissions")),
        (_edit("static_keys", []), ("static_keys:",)),
        (_edit("session_token", "unknown-token"), ("session_token:",)),
        (_edit("super_user_key", 7), ("super_user_key:",)),
        (_edit("faults", [{"methods": ["Nope"]}]), ("faults[0]:", "method:")),
        (_edit("faults", [{"code": "TEAPOT"}]), ("faults[0]:", "code:")),
        (_edit("faults", "all"), ("faults:",)),
        (_edit("faults", [{"methods": ["Login"], "count": 2**32}]), ("faults[0]:", "count:", "4294967295")),
        (_edit("faults", [{"methods": ["Login"], "hits": 2**32}]), ("faults[0]:", "hits:", "4294967295")),
        (
            _edit(
                "credentials.0.permissions",
                [{"role": "cache-read-only", "cache": "c", "target": {"value": "k", "prefix": True}}],
            ),
            ("credentials[0]:", "permissions", "item selector's 'bytes'"),
        ),
        (
            _edit("credentials.0.permissions", [{"role": "cache-read-only", "cache": "", "target": None}]),
            ("credentials[0]:", "cache_name: must not be empty"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_malformed_import_documents_are_refused_naming_the_field_and_change_nothing(
    emu: Emu, edit: Callable[[dict[str, Any]], Any], fragments: tuple[str, ...]
) -> None:
    mint_disposable(emu.token, emu.boot.raw_api_key)
    emu.admin.add_fault("Login")
    document = edit(emu.admin.export_state())
    text = document if isinstance(document, str) else json.dumps(document)
    before = emu.snapshot()
    journal = emu.admin.journal()
    code, details = status_of(lambda: emu.stub.ImportState(admin_pb2.StateDocument(json=text)))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    for fragment in fragments:
        assert fragment in details, details
    assert emu.snapshot() == before
    assert emu.admin.journal() == journal
    assert mint_disposable(emu.token, emu.boot.raw_api_key).api_key


def test_an_import_with_non_finite_numbers_is_refused(emu: Emu) -> None:
    text = json.dumps(emu.admin.export_state()).replace('"valid_until": null', '"valid_until": Infinity', 1)
    assert "Infinity" in text
    before = emu.snapshot()
    refused(lambda: emu.admin.import_state(text), "INVALID_ARGUMENT", "credentials[0]:", "valid_until")
    assert emu.snapshot() == before


# --- admin token and transport --------------------------------------------------------------


def test_an_admin_token_guards_admin_calls_but_not_momento_calls(make_server: Factory) -> None:
    server = make_server(admin_token="s3cret")
    with remote_control(server.target, admin_token="s3cret") as allowed:
        boot = allowed.bootstrap()
        for token in ("", "wrong"):
            with remote_control(server.target, admin_token=token) as stranger:
                refused(stranger.now, "UNAUTHENTICATED", "admin token")
                refused(lambda s=stranger: s.advance(3600), "UNAUTHENTICATED")  # type: ignore[misc]
                refused(stranger.reset, "UNAUTHENTICATED")
        assert allowed.now().timestamp() == START
        assert allowed.bootstrap() == boot
    with grpc.insecure_channel(server.target) as channel:
        assert mint_disposable(token_pb2_grpc.TokenStub(channel), boot.raw_api_key).api_key


def test_an_admin_body_that_does_not_decode_is_invalid_argument(emu: Emu) -> None:
    call = emu.channel.unary_unary("/momento_emulator.admin.v1.Admin/AdvanceClock")
    code, details = status_of(lambda: call(b"\xff\xff\xff", timeout=10))
    assert code is grpc.StatusCode.INVALID_ARGUMENT and details.startswith("request:")
    assert emu.admin.now().timestamp() == START


def test_authorize_checks_function_invocation(server: ThreadedEmulatorServer) -> None:
    """A function permission narrows invoke-function to the named functions of the selected cache."""
    with remote_control(server.target) as control:
        state = server.emulator.state
        grant = Grant(Role.FUNCTION_INVOKE, Selector("c"), Selector("resize-", prefix=True))
        token = state.generate_disposable_token(state.session_token, Permissions(grants=(grant,)), 60).api_key
        assert control.authorize(token, "invoke-function", "c", function="resize-thumb").allowed
        assert not control.authorize(token, "invoke-function", "c", function="delete-all").allowed
        session = control.bootstrap().session_token
        with pytest.raises(ControlError) as raised:
            control.authorize(session, "fly", "c")
        assert raised.value.code == "INVALID_ARGUMENT"
