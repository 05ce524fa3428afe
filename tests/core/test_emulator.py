"""The emulator as a whole: settings that check themselves, and reset under new settings."""

from __future__ import annotations

import pytest

from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from emulator.core.state import State
from tests.builders import START


@pytest.mark.parametrize(
    "changes",
    [
        {"max_disposable_ttl": 0},
        {"max_disposable_ttl": -60},
        {"max_disposable_ttl": 1.5},
        {"login_ttl": 0},
        {"expired_retention": -1},
        {"journal_size": 0},
        {"journal_size": True},
    ],
)
def test_settings_refuse_numbers_no_emulator_could_work_with(changes: dict[str, object]) -> None:
    name = next(iter(changes))
    with pytest.raises(InvalidArgument, match=f"^{name}: "):
        Settings(**changes)  # type: ignore[arg-type]


def test_reset_overrides_last_until_the_next_reset_which_starts_from_the_initial_settings() -> None:
    emulator = Emulator(Settings(start_time=START, seed="s"))
    emulator.reset(start_time=START + 3600, clock_mode=ClockMode.SYSTEM, seed="other", max_disposable_ttl=60)
    assert emulator.state.clock.now() >= START + 3600 and emulator.state.clock.mode is ClockMode.SYSTEM
    assert (emulator.settings.seed, emulator.settings.max_disposable_ttl) == ("other", 60)
    assert emulator.settings.endpoint == "localhost"  # pinned like the first settings
    emulator.reset()
    assert emulator.settings == emulator.initial_settings
    assert emulator.state.clock.now() == START and emulator.state.clock.mode is ClockMode.MANUAL


def test_a_reset_refused_by_its_settings_changes_nothing() -> None:
    emulator = Emulator(Settings(start_time=START))
    state, settings = emulator.state, emulator.settings
    with pytest.raises(InvalidArgument, match="^max_disposable_ttl: "):
        emulator.reset(max_disposable_ttl=0)
    assert emulator.state is state and emulator.settings is settings


def test_a_reset_whose_new_state_cannot_be_built_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The overrides are valid; reset() fails later, while the new state is built."""
    emulator = Emulator(Settings(start_time=START))
    state, settings = emulator.state, emulator.settings

    def refuse(self: State) -> State:
        raise InvalidArgument("super_user_key", "refused while bootstrapping")

    monkeypatch.setattr(State, "bootstrap", refuse)
    with pytest.raises(InvalidArgument, match="refused while bootstrapping"):
        emulator.reset(start_time=START + 60, max_disposable_ttl=60)
    assert emulator.state is state and emulator.settings is settings


def test_settings_without_an_endpoint_or_a_start_are_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's time in whole seconds and "localhost", fixed once so that every reset starts alike."""
    monkeypatch.setattr("emulator.core.emulator.wall_time", lambda: START + 0.75)
    emulator = Emulator(Settings())
    assert (emulator.settings.start_time, emulator.settings.endpoint) == (START, "localhost")
    monkeypatch.setattr("emulator.core.emulator.wall_time", lambda: START + 99)
    emulator.state.clock.advance(5)
    assert emulator.reset().clock.now() == START
    given = Emulator(Settings(start_time=START + 1, endpoint="e.test")).settings
    assert (given.start_time, given.endpoint) == (START + 1, "e.test")


def test_export_then_load_restores_the_exported_state() -> None:
    emulator = Emulator(Settings(start_time=START))
    document = emulator.export()
    emulator.reset()
    loaded = emulator.load(document)
    assert emulator.state is loaded and emulator.export() == document


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"clock_mode": "bogus"}, "clock_mode: 'bogus' is not one of manual, system"),
        (
            {"start_time": "2030-01-01T00:00:00Z"},
            "start_time: '2030-01-01T00:00:00Z' is not epoch seconds (a number) or None",
        ),
        ({"start_time": True}, "start_time: True is not epoch seconds (a number) or None"),
        (
            {"start_time": -5},
            "start_time: -5 is outside the range the emulator supports (1970 to 9863-11-24T17:31:43Z)",
        ),
        ({"login_ttl": 2**32}, "login_ttl: 4294967296 is not a whole number from 1 to 4294967295"),
        ({"journal_size": 10**30}, f"journal_size: {10**30} is not a whole number from 1 to 10000000"),
        ({"seed": 42}, "seed: 42 is not a string or None"),
        ({"endpoint": None}, "endpoint: None is not a string"),
        ({"super_user_key": 5}, "super_user_key: 5 is not a string"),
    ],
)
def test_settings_of_the_wrong_type_or_range_are_refused_naming_them(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        Settings(**changes)  # type: ignore[arg-type]
    assert refused.value.message == message


def test_an_emulator_names_no_grpc_web_url_until_a_server_serves_one() -> None:
    assert Emulator(Settings(start_time=START)).web_url == ""


@pytest.mark.parametrize(("given", "mode"), [("manual", ClockMode.MANUAL), ("System", ClockMode.SYSTEM)])
def test_a_clock_mode_may_be_given_by_name(given: str, mode: ClockMode) -> None:
    assert Settings(clock_mode=given).clock_mode is mode  # type: ignore[arg-type]


def test_a_heartbeat_may_be_from_a_millisecond_to_an_hour() -> None:
    for seconds in (0.001, 3600, 3600.0):
        assert Settings(heartbeat_seconds=seconds).heartbeat_seconds == seconds
    for seconds in (0.0009, 3600.5):
        with pytest.raises(InvalidArgument) as refused:
            Settings(heartbeat_seconds=seconds)
        assert refused.value.message == f"heartbeat_seconds: {seconds!r} is not a number of seconds from 0.001 to 3600"


def test_an_unknown_clock_mode_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidArgument) as refused:
        Settings(clock_mode="frozen")  # type: ignore[arg-type]
    assert refused.value.message == "clock_mode: 'frozen' is not one of manual, system"


def test_loading_without_a_catalog_refuses_a_document_with_fault_rules() -> None:
    """Without the service layer's catalog no method is known, so no fault rule can be valid."""
    emulator = Emulator(Settings(start_time=START))
    document = emulator.export()
    document["faults"] = [{"methods": ["/auth.Auth/Login"], "code": "UNAVAILABLE", "rule_id": "f1"}]
    with pytest.raises(InvalidArgument, match=r"^faults\[0\]: code: 'UNAVAILABLE' is not a gRPC status name"):
        emulator.load(document)
    emulator.load(emulator.export())  # without fault rules it loads
