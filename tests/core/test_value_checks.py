"""Errors as data, and the one check of each kind of value that every edge defers to (``emulator.core.values``)."""

from __future__ import annotations

import math

import pytest

from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.core.faults import MAX_COUNT, Catalog, rule_from_json
from emulator.core.values import clock_mode, finite_number, port_number, whole_number
from tests.builders import START

CATALOG = Catalog(methods=("/token.Token/GenerateDisposableToken",), codes=("OK", "UNAVAILABLE"))


def refusal(call: object, *args: object, **kwargs: object) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return raised.value


def test_an_invalid_argument_carries_its_field_and_problem_apart() -> None:
    error = InvalidArgument("permissions.explicit.permissions[2].cache_name", "must not be empty")
    assert error.field == "permissions.explicit.permissions[2].cache_name"
    assert error.problem == "must not be empty"
    assert error.message == str(error) == f"{error.field}: {error.problem}"


def test_a_problem_may_itself_hold_colons_without_confusing_the_field() -> None:
    error = refusal(Settings, start_time="12:00")
    assert (error.field, error.problem) == ("start_time", "'12:00' is not epoch seconds (a number) or None")


def test_a_refused_import_names_the_outer_field_and_keeps_the_inner_message_whole() -> None:
    document = Emulator(Settings(start_time=START)).export()
    document["credentials"][0]["issued_at"] = "soon"
    error = refusal(Emulator(Settings(start_time=START)).load, document)
    assert error.field == "credentials[0]"
    assert error.problem.startswith("issued_at: ")
    document = Emulator(Settings(start_time=START)).export()
    document["clock"]["now"] = "yesterday"
    error = refusal(Emulator(Settings(start_time=START)).load, document)
    assert (error.field, error.problem) == ("clock.now", "'yesterday' is not an ISO 8601 instant")


@pytest.mark.parametrize("value", [True, 0, MAX_COUNT + 1, 1.5, "3", None])
def test_whole_number_refuses_what_is_not_a_whole_number_in_range(value: object) -> None:
    error = refusal(whole_number, value, "count", 1, MAX_COUNT)
    assert (error.field, error.problem) == ("count", f"{value!r} is not a whole number from 1 to {MAX_COUNT}")


def test_whole_number_returns_a_value_in_range() -> None:
    assert whole_number(MAX_COUNT, "count", 1, MAX_COUNT) == MAX_COUNT


@pytest.mark.parametrize("value", [-1, 65536, True, "80", 80.0, None])
def test_port_number_refuses_what_is_not_a_port_number(value: object) -> None:
    error = refusal(port_number, value, "web_port", " (or None)")
    assert (error.field, error.problem) == ("web_port", f"{value!r} is not a port number from 0 to 65535 (or None)")


def test_a_port_number_refused_without_a_hint_ends_at_the_range() -> None:
    assert refusal(port_number, 65536, "port").problem == "65536 is not a port number from 0 to 65535"


@pytest.mark.parametrize("value", [0, 65535])
def test_port_number_accepts_both_ends_of_the_range(value: int) -> None:
    assert port_number(value, "port") == value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400, False, "1", None])
def test_finite_number_refuses_what_is_not_a_finite_number(value: object) -> None:
    error = refusal(finite_number, value, "seconds")
    assert (error.field, error.problem) == ("seconds", f"{value!r} is not a finite number")


def test_finite_number_returns_a_float() -> None:
    assert finite_number(3, "seconds") == 3.0 and isinstance(finite_number(3, "seconds"), float)


def test_clock_mode_takes_any_case_and_the_enum() -> None:
    assert clock_mode(" System ") is ClockMode.SYSTEM
    assert clock_mode(ClockMode.MANUAL) is ClockMode.MANUAL
    error = refusal(clock_mode, "lunar", "mode")
    assert (error.field, error.problem) == ("mode", "'lunar' is not one of manual, system")


def test_settings_fault_rules_and_imports_refuse_in_the_same_words() -> None:
    """Each edge defers to the one check: only the field differs."""
    problem = "'lunar' is not one of manual, system"
    assert refusal(Settings, clock_mode="lunar").problem == problem
    document = Emulator(Settings(start_time=START)).export()
    document["clock"]["mode"] = "lunar"
    assert refusal(Emulator(Settings()).load, document).message == f"clock.mode: {problem}"
    for count in (0, MAX_COUNT + 1):
        expected = f"{count!r} is not a whole number from 1 to {MAX_COUNT}"
        assert refusal(rule_from_json, {"count": count}, CATALOG).problem.startswith(expected)
    assert refusal(rule_from_json, {"delay_seconds": math.nan}, CATALOG).problem == "nan is not a finite number"
