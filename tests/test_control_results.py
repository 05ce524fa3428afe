"""Typed results from ``Control``: in-process and over a real gRPC channel they are equal values.

Also the reset overrides, through the admin API's wire fields and through ``Control.reset``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import (
    AuthorizationDecision,
    Bootstrap,
    ClockMode,
    ClockState,
    Control,
    ControlError,
    FaultRule,
    JournalEntry,
    KeyInfo,
    Settings,
    ThreadedEmulatorServer,
    local_control,
    remote_control,
)
from emulator._generated import admin_pb2, admin_pb2_grpc
from tests.builders import START, START_DT, cache_grant, topic_grant
from tests.helpers import mint_api_key, mint_disposable, status_of

SETTINGS = Settings(start_time=START, seed="typed", endpoint="emulator.example:443")  # same keys on any port


@pytest.fixture
def server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(SETTINGS) as running:
        yield running


@pytest.fixture
def both(server: ThreadedEmulatorServer) -> Iterator[tuple[Control, Control]]:
    """The same emulator through both transports: in-process, and over its admin API."""
    assert server.emulator is not None
    with remote_control(server.target) as remote:
        yield local_control(server.emulator), remote


def busy(server: ThreadedEmulatorServer, control: Control) -> dict[str, str]:
    """Keys of every kind and state, fault rules, and journaled calls that succeeded and failed."""
    boot = control.bootstrap()
    with grpc.insecure_channel(server.target) as channel:
        auth, token = auth_pb2_grpc.AuthStub(channel), token_pb2_grpc.TokenStub(channel)
        refreshable = mint_api_key(auth, boot.raw_session_token, ttl=3600, token_id="typed-1").api_key
        grants = (cache_grant(pm.CacheReadOnly, "orders"), topic_grant(pm.TopicReadWrite, "chat"))
        scoped = mint_disposable(token, boot.raw_api_key, *grants, ttl=600, token_id="typed-2").api_key
        doomed = mint_disposable(token, boot.raw_api_key, ttl=60).api_key
        control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1, message="injected")
        with pytest.raises(grpc.RpcError):
            mint_disposable(token, boot.raw_api_key)
    holder = control.describe_key(refreshable).key_id
    control.add_fault(["Login", "RefreshApiToken"], "OK", delay=0.5, key_id=holder, token_id="t")
    control.set_time(START + 30.25)
    control.revoke_key(doomed)
    return {"refreshable": refreshable, "scoped": scoped, "doomed": doomed}


def every_reading(control: Control, keys: dict[str, str]) -> dict[str, Any]:
    return {
        "now": control.now(),
        "clock": control.clock(),
        "mode": control.clock_mode(),
        "bootstrap": control.bootstrap(),
        "active": control.keys(),
        "held": control.keys(include_inactive=True),
        "described": [control.describe_key(key) for key in keys.values()],
        "decisions": [
            control.authorize(keys["scoped"], "get", "orders", item="k"),
            control.authorize(keys["scoped"], "set", "orders", item=b"k"),
            control.authorize(keys["scoped"], "publish", "chat", topic="news"),
            control.authorize(keys["doomed"], "get", "orders"),
            control.authorize(keys["refreshable"], "invoke-function", "c", function="f"),
        ],
        "faults": control.faults(),
        "journal": control.journal(),
        "newest": control.journal("GenerateDisposableToken", limit=1),
        "document": control.export_state(),
    }


def test_both_transports_return_equal_typed_values_for_the_same_state(
    server: ThreadedEmulatorServer, both: tuple[Control, Control]
) -> None:
    local, remote = both
    keys = busy(server, local)
    here, there = every_reading(local, keys), every_reading(remote, keys)
    assert here == there
    assert here["clock"] == ClockState(START_DT + timedelta(seconds=30.25), ClockMode.MANUAL)
    assert here["mode"] == "manual" and isinstance(here["bootstrap"], Bootstrap)
    assert [type(k) for k in here["held"]] == [KeyInfo] * 5 and len(here["active"]) == 4
    refreshable, scoped, doomed = here["described"]
    assert (refreshable.kind, refreshable.refreshable, refreshable.token_id) == ("api_key", True, "typed-1")
    assert refreshable.valid_until == START_DT + timedelta(hours=1) and refreshable.valid_for_seconds == 3600
    assert scoped.permissions == [
        {"role": "cache-read-only", "cache": "orders", "target": None},
        {"role": "topic-publish-subscribe", "cache": "chat", "target": None},
    ]
    assert (doomed.status, doomed.revoked_at) == ("revoked", START_DT + timedelta(seconds=30.25))
    assert here["described"][0].issued_at == START_DT and here["described"][0].issued_at.tzinfo is UTC
    assert [d.allowed for d in here["decisions"]] == [True, False, True, False, True]
    assert all(isinstance(d, AuthorizationDecision) for d in here["decisions"])
    assert here["decisions"][0].matched_index == 0 and here["decisions"][1].matched_index is None
    (second,) = here["faults"]  # the counted rule was spent by the failed call, and went
    assert isinstance(second, FaultRule) and second.hits == 0
    assert (second.methods, second.code, second.delay_seconds) == (
        ("/auth.Auth/Login", "/auth.Auth/RefreshApiToken"),
        "OK",
        0.5,
    )
    assert (second.count, second.key_id, second.token_id, second.rule_id) == (None, refreshable.key_id, "t", "f2")
    journal = here["journal"]
    assert [type(e) for e in journal] == [JournalEntry] * 4
    assert [(e.seq, e.code, e.details) for e in journal][-1] == (4, "UNAVAILABLE", "injected")
    assert journal[1].request["token_id"] == "typed-2" and journal[1].emulator_time == START_DT
    assert here["newest"] == journal[-1:]


def test_the_only_fault_left_is_the_one_not_yet_hit(both: tuple[Control, Control]) -> None:
    """A counted rule disappears when spent: both transports agree on what is left and its hits."""
    local, remote = both
    local.add_fault("Login", count=2)
    assert (
        local.faults()
        == remote.faults()
        == [FaultRule("f1", ("/auth.Auth/Login",), "UNAVAILABLE", "", 2, 0.0, "", "", 0)]
    )


def test_changes_through_either_transport_return_equal_values(server: ThreadedEmulatorServer) -> None:
    """The same calls on two seeded emulators, one per transport, give equal results."""
    with ThreadedEmulatorServer(SETTINGS) as twin:
        assert twin.emulator is not None
        with remote_control(server.target) as remote:
            local = local_control(twin.emulator)
            calls = [
                lambda c: c.set_time("2030-01-01T00:00:10.5Z"),
                lambda c: c.advance(timedelta(minutes=1)),
                lambda c: c.set_clock_mode(ClockMode.MANUAL),
                lambda c: c.add_fault(count=3),
                lambda c: c.clear_faults("f1"),
                lambda c: c.clear_journal(),
                lambda c: c.reset(start_time=START_DT + timedelta(days=1), seed="other", max_disposable_ttl=60),
                lambda c: c.clock(),
                lambda c: c.import_state(c.export_state()),
                lambda c: c.reset(),
                lambda c: c.clock(),
            ]
            for call in calls:
                assert call(local) == call(remote)


def test_reset_overrides_apply_to_the_fresh_state_only(both: tuple[Control, Control]) -> None:
    for control in both:
        plain = control.reset()
        seeded = control.reset(start_time="2029-06-01T00:00:00Z", clock_mode="System", seed="x", max_disposable_ttl=5)
        assert control.clock_mode() == "system" and control.now() >= datetime(2029, 6, 1, tzinfo=UTC)
        assert seeded != plain
        assert control.reset(seed="x", start_time=datetime(2029, 6, 1, tzinfo=UTC)) == seeded  # same seed, start
        assert control.clock_mode() == "manual"  # the override was for that one reset
        assert control.reset() == plain  # the started seed and start again
        assert control.clock() == ClockState(START_DT, ClockMode.MANUAL)
        control.reset(start_time=0)
        assert control.now() == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_time": "yesterday"}, "start_time: 'yesterday' is not an ISO 8601 instant"),
        ({"start_time": [1]}, "start_time: [1] is not epoch seconds, ISO 8601 text or a datetime"),
        ({"start_time": math.inf}, "start_time: inf is not epoch seconds, ISO 8601 text or a datetime"),
        ({"start_time": -1}, "start_time: -1.0 is outside the range the emulator supports"),
        ({"clock_mode": "sundial"}, "clock_mode: 'sundial' is not one of manual, system"),
        ({"clock_mode": 1}, "clock_mode: 1 is not a string"),
        ({"seed": b"x"}, "seed: b'x' is not a string"),
        ({"max_disposable_ttl": 0}, "max_disposable_ttl: 0 is not a whole number from 1 to 4294967295"),
        ({"max_disposable_ttl": 2**32}, "max_disposable_ttl: 4294967296 is not a whole number from 1 to"),
        ({"max_disposable_ttl": 1.5}, "max_disposable_ttl: 1.5 is not a whole number from 1 to"),
    ],
)
def test_a_refused_reset_override_is_named_and_changes_nothing(
    both: tuple[Control, Control], overrides: dict[str, Any], message: str
) -> None:
    for control in both:
        before = (control.bootstrap(), control.keys(), control.clock())
        with pytest.raises(ControlError) as raised:
            control.reset(**overrides)
        assert raised.value.code == "INVALID_ARGUMENT" and raised.value.message.startswith(message)
        assert (control.bootstrap(), control.keys(), control.clock()) == before


def test_reset_overrides_on_the_wire(server: ThreadedEmulatorServer) -> None:
    """Any gRPC client may send the ResetRequest fields; a request without them is the old reset."""
    with grpc.insecure_channel(server.target) as channel:
        admin = admin_pb2_grpc.AdminStub(channel)
        first = admin.Reset(admin_pb2.ResetRequest(start_epoch_seconds=START + 60, max_disposable_ttl=30))
        assert admin.GetClock(admin_pb2.GetClockRequest()).now == "2030-01-01T00:01:00Z"
        token = token_pb2_grpc.TokenStub(channel)
        code, details = status_of(lambda: mint_disposable(token, first.raw_api_key, ttl=31))
        assert code is grpc.StatusCode.INVALID_ARGUMENT and "30" in details
        assert admin.Reset(admin_pb2.ResetRequest()).api_key == server.control.bootstrap().api_key
        assert admin.GetClock(admin_pb2.GetClockRequest()).now == "2030-01-01T00:00:00Z"
        for request, field in [
            (admin_pb2.ResetRequest(start_epoch_seconds=math.nan), "start_epoch_seconds: nan is not a finite number"),
            (admin_pb2.ResetRequest(start_time="soon"), "start_time: 'soon' is not an ISO 8601 instant"),
            (admin_pb2.ResetRequest(clock_mode=""), "clock_mode: '' is not one of manual, system"),
            (admin_pb2.ResetRequest(max_disposable_ttl=0), "max_disposable_ttl: 0 is not a whole number"),
        ]:
            code, details = status_of(lambda request=request: admin.Reset(request))  # type: ignore[misc]
            assert code is grpc.StatusCode.INVALID_ARGUMENT and details.startswith(field), details


def test_to_json_is_the_form_the_cli_prints(both: tuple[Control, Control]) -> None:
    """Instants as ISO 8601, empty fields last (the admin API's JSON order), None where the CLI prints null."""
    local, _ = both
    local.set_time(START + 0.5)
    assert local.clock().to_json() == {"now": "2030-01-01T00:00:00.500000Z", "mode": "manual"}
    rule = local.add_fault("Login", count=2, message="m")
    assert list(rule.to_json().items()) == [
        ("methods", ["/auth.Auth/Login"]), ("code", "UNAVAILABLE"), ("message", "m"), ("count", 2),
        ("rule_id", "f1"), ("delay_seconds", 0.0), ("key_id", ""), ("token_id", ""), ("hits", 0),
    ]  # fmt: skip
    session = local.describe_key(local.bootstrap().raw_session_token).to_json()
    assert session["valid_until"] is None and list(session)[-1] == "permissions"


@pytest.mark.parametrize(
    ("path", "value"), [(("clock", "now"), datetime(2031, 1, 1, tzinfo=UTC)), (("faults",), {1, 2})]
)
def test_a_document_with_values_json_cannot_hold_is_refused_by_both(
    both: tuple[Control, Control], path: tuple[str, ...], value: object
) -> None:
    for control in both:
        before = control.export_state()
        document = control.export_state()
        *parents, name = path
        holder = document
        for parent in parents:
            holder = holder[parent]
        holder[name] = value
        with pytest.raises(ControlError) as raised:
            control.import_state(document)
        assert raised.value.code == "INVALID_ARGUMENT"  # not a TypeError from either transport
        assert control.export_state() == before
