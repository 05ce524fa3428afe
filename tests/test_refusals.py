"""Refusals at the edges, in exact words: each value check at its boundaries, and errors named from their fields.

Counts, finite numbers and clock modes have one check each (``emulator.core.values``); these tests
pin what the admin API, ``Control`` and the command line say when a value sits just past a limit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from emulator import Control
from emulator._generated import admin_pb2 as pb
from emulator._generated import admin_pb2_grpc
from emulator.control import ControlError
from tests.helpers import clean_env, run_cli, status_of

WHOLE = "is not a whole number from 1 to 4294967295"
MODES = "is not one of manual, system"
BEFORE_1970 = "1969-12-31T23:59:59Z"
OUT_OF_RANGE = "is outside the range the emulator supports (1970 to 9863-11-24T17:31:43Z)"
AdminCall = Callable[[admin_pb2_grpc.AdminStub], object]


@pytest.fixture
def admin(channel: grpc.Channel) -> admin_pb2_grpc.AdminStub:
    return admin_pb2_grpc.AdminStub(channel)


def advance(seconds: float) -> AdminCall:
    return lambda a: a.AdvanceClock(pb.AdvanceClockRequest(seconds=seconds))


def set_epoch(seconds: float) -> AdminCall:
    return lambda a: a.SetClock(pb.SetClockRequest(epoch_seconds=seconds))


def set_mode(mode: str) -> AdminCall:
    return lambda a: a.SetClockMode(pb.SetClockModeRequest(mode=mode))


def add_fault(delay: float) -> AdminCall:
    return lambda a: a.AddFault(pb.FaultRule(methods=["Login"], delay_seconds=delay))


def reset(**fields: Any) -> AdminCall:
    return lambda a: a.Reset(pb.ResetRequest(**fields))


@pytest.mark.parametrize(
    ("call", "details"),
    [
        (advance(-1), "seconds: -1.0 is negative; the clock never goes backwards"),
        (advance(math.nan), "seconds: nan is not a finite number"),
        (advance(math.inf), "seconds: inf is not a finite number"),
        (set_epoch(-math.inf), "epoch_seconds: -inf is not a finite number"),
        (set_epoch(math.nan), "epoch_seconds: nan is not a finite number"),
        (set_mode("lunar"), f"mode: 'lunar' {MODES}"),
        (set_mode(""), f"mode: '' {MODES}"),
        (reset(clock_mode="lunar"), f"clock_mode: 'lunar' {MODES}"),
        (reset(start_epoch_seconds=math.inf), "start_epoch_seconds: inf is not a finite number"),
        (reset(max_disposable_ttl=0), f"max_disposable_ttl: 0 {WHOLE}"),
        (add_fault(-1), "delay_seconds: -1.0 is not between 0 and 60 seconds"),
        (add_fault(60.5), "delay_seconds: 60.5 is not between 0 and 60 seconds"),
        (add_fault(math.nan), "delay_seconds: nan is not a finite number"),
        (add_fault(math.inf), "delay_seconds: inf is not a finite number"),
    ],
    ids=["advance-negative", "advance-nan", "advance-inf", "set-minus-inf", "set-nan", "mode-unknown", "mode-empty",
         "reset-mode-unknown", "reset-start-inf", "reset-ttl-0", "delay-negative", "delay-over", "delay-nan",
         "delay-inf"],
)  # fmt: skip
def test_the_admin_api_refuses_a_value_past_its_limit_in_exact_words(
    admin: admin_pb2_grpc.AdminStub, call: AdminCall, details: str
) -> None:
    before = admin.GetClock(pb.GetClockRequest())
    assert status_of(lambda: call(admin)) == (grpc.StatusCode.INVALID_ARGUMENT, details)
    assert admin.GetClock(pb.GetClockRequest()) == before
    assert not admin.ListFaults(pb.ListFaultsRequest()).rules


def test_the_admin_api_takes_the_values_at_its_limits(admin: admin_pb2_grpc.AdminStub) -> None:
    before = admin.GetClock(pb.GetClockRequest())
    assert admin.AdvanceClock(pb.AdvanceClockRequest(seconds=0)) == before
    assert admin.SetClockMode(pb.SetClockModeRequest(mode=" Manual ")).mode == "manual"
    rule = admin.AddFault(pb.FaultRule(methods=["Login"], delay_seconds=60, count=4294967295))
    assert (rule.delay_seconds, rule.count) == (60, 4294967295)
    admin.Reset(pb.ResetRequest(max_disposable_ttl=1, start_epoch_seconds=0))
    assert admin.GetClock(pb.GetClockRequest()).now == "1970-01-01T00:00:00Z"


def add_rule(**rule: object) -> Callable[[dict[str, list[object]]], None]:
    return lambda document: document["faults"].append(rule)


@pytest.mark.parametrize(
    ("edit", "details"),
    [
        (add_rule(count=0), f"faults[0]: count: 0 {WHOLE} (leave it out for 'until cleared')"),
        (add_rule(count=-1), f"faults[0]: count: -1 {WHOLE} (leave it out for 'until cleared')"),
        (add_rule(delay_seconds="inf"), "faults[0]: delay_seconds: 'inf' is not a finite number"),
        (lambda d: d["clock"].update(mode="lunar"), f"clock.mode: 'lunar' {MODES}"),
        (lambda d: d["clock"].update(now="yesterday"), "clock.now: 'yesterday' is not an ISO 8601 instant"),
    ],
    ids=["fault-count-0", "fault-count-negative", "fault-delay-text", "clock-mode", "clock-now"],
)
def test_a_refused_import_names_the_field_once_and_the_inner_one_after_it(
    admin: admin_pb2_grpc.AdminStub, edit: Callable[[dict[str, object]], None], details: str
) -> None:
    """An inner refusal keeps its field after the outer one; one already about the outer field is named once."""
    document = json.loads(admin.ExportState(pb.ExportStateRequest()).json)
    edit(document)
    request = pb.StateDocument(json=json.dumps(document))
    assert status_of(lambda: admin.ImportState(request)) == (grpc.StatusCode.INVALID_ARGUMENT, details)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.advance(math.nan), "seconds: nan is not a finite number"),
        (lambda c: c.advance(-math.inf), "seconds: -inf is not a finite number"),
        (lambda c: c.set_time(math.inf), "instant: inf is not a finite number"),
        (lambda c: c.set_clock_mode("lunar"), f"mode: 'lunar' {MODES}"),
        (lambda c: c.add_fault("Login", count=0), f"count: 0 {WHOLE}"),
        (lambda c: c.add_fault("Login", count=-1), f"count: -1 {WHOLE}"),
        (lambda c: c.add_fault("Login", delay=math.nan), "delay: nan is not a finite number"),
        (lambda c: c.clear_journal(-1), "through_seq: -1 is not a whole number from 0 to 18446744073709551615"),
    ],
    ids=["advance-nan", "advance-minus-inf", "set-inf", "mode", "count-0", "count-negative", "delay-nan", "seq"],
)
def test_control_refuses_in_the_same_words(control: Control, call: Callable[[Control], object], message: str) -> None:
    with pytest.raises(ControlError) as raised:
        call(control)
    assert (raised.value.code, raised.value.message) == ("INVALID_ARGUMENT", message)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["faults", "add", "Login", "--count", "0"], f"faults add: argument --count: 0 {WHOLE}"),
        (["faults", "add", "Login", "--count", "-1"], f"faults add: argument --count: -1 {WHOLE}"),
        (["faults", "add", "Login", "--count", "1.5"], f"faults add: argument --count: '1.5' {WHOLE}"),
        (["clock", "mode", "lunar"], f"clock mode: argument {{manual,system}}: 'lunar' {MODES}"),
        (["serve", "--port", "0", "--clock", "lunar"], f"serve: argument --clock: 'lunar' {MODES}"),
    ],
    ids=["count-0", "count-negative", "count-fraction", "clock-mode", "serve-clock"],
)
def test_the_command_line_refuses_a_flag_in_the_checks_words(args: list[str], line: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    command = " ".join(args[:2] if args[0] != "serve" else args[:1])
    assert done.stderr.splitlines() == [f"momento-auth-emulator {line} (see 'momento-auth-emulator {command} --help')"]


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (["--start-time", BEFORE_1970], {}, f"--start-time: -1.0 {OUT_OF_RANGE}"),
        ([], {"MOMENTO_EMULATOR_START_TIME": BEFORE_1970}, f"MOMENTO_EMULATOR_START_TIME: -1.0 {OUT_OF_RANGE}"),
        ([], {"MOMENTO_EMULATOR_CLOCK": "lunar"}, f"MOMENTO_EMULATOR_CLOCK: 'lunar' {MODES}"),
    ],
    ids=["flag", "variable", "clock-variable"],
)
def test_serve_names_the_flag_or_variable_a_refused_setting_came_from(
    args: list[str], env: dict[str, str], line: str
) -> None:
    """The settings refuse ``start_time``; serve names what the user typed, from the error's field."""
    done = run_cli("serve", "--port", "0", *args, env=clean_env(**env))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"momento-auth-emulator: {line}"]
