"""The emulator as a whole: settings that check themselves, and reset under new settings."""

from __future__ import annotations

import pytest

from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument

START = 1893456000.0  # 2030-01-01T00:00:00Z


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


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"clock_mode": "bogus"}, "clock_mode"),
        ({"start_time": "2030-01-01T00:00:00Z"}, "start_time"),
        ({"start_time": True}, "start_time"),
        ({"start_time": -5}, "start_time"),
        ({"login_ttl": 2**32}, "login_ttl"),
        ({"journal_size": 10**30}, "journal_size"),
        ({"seed": 42}, "seed"),
        ({"endpoint": None}, "endpoint"),
    ],
)
def test_settings_of_the_wrong_type_or_range_are_refused_naming_them(changes: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidArgument, match=f"^{named}: "):
        Settings(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("given", "mode"), [("manual", ClockMode.MANUAL), ("System", ClockMode.SYSTEM)])
def test_a_clock_mode_may_be_given_by_name(given: str, mode: ClockMode) -> None:
    assert Settings(clock_mode=given).clock_mode is mode  # type: ignore[arg-type]
