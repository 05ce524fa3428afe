"""The emulator clock: frozen or following the host, never backwards."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from emulator.core import clock as clock_module
from emulator.core.clock import MAX_INSTANT, Clock, ClockMode, epoch_of, parse_instant, to_iso
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.core.errors import InvalidArgument
from tests.builders import START


def test_manual_clock_is_frozen_at_its_start() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    assert clock.now() == START
    assert clock.now() == START


def test_advance_moves_forward_by_exactly_the_duration() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    assert clock.advance(90) == START + 90
    assert clock.now() == START + 90


def test_set_moves_to_a_later_instant() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    clock.set(START + 3600)
    assert to_iso(clock.now()) == "2030-01-01T01:00:00Z"


def test_set_backwards_is_refused_and_changes_nothing() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    with pytest.raises(InvalidArgument, match="never goes backwards"):
        clock.set(START - 1)
    assert clock.now() == START


def test_negative_advance_is_refused() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    with pytest.raises(InvalidArgument, match="negative"):
        clock.advance(-1)
    assert clock.now() == START


def test_instants_beyond_the_supported_range_are_refused() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    with pytest.raises(InvalidArgument, match="outside the range"):
        clock.set(MAX_INSTANT + 1)
    assert clock.now() == START


def test_system_clock_follows_the_host_from_its_start() -> None:
    clock = Clock(ClockMode.SYSTEM, START)
    first = clock.now()
    assert START <= first < START + 60
    assert clock.now() >= first


def test_switching_modes_continues_from_the_current_instant() -> None:
    clock = Clock(ClockMode.MANUAL, START)
    clock.set_mode(ClockMode.SYSTEM)
    assert START <= clock.now() < START + 60
    clock.set_mode(ClockMode.MANUAL)
    frozen = clock.now()
    assert frozen >= START
    assert clock.now() == frozen


def test_parse_instant_accepts_z_offsets_and_naive_times_as_utc() -> None:
    assert parse_instant("2030-01-01T00:00:00Z") == START
    assert parse_instant("2030-01-01T01:00:00+01:00") == START
    assert parse_instant("2030-01-01T00:00:00") == START


def test_parse_instant_names_the_field_on_bad_input() -> None:
    with pytest.raises(InvalidArgument, match="start-time: 'yesterday'"):
        parse_instant("yesterday", "start-time")


def test_repr_shows_mode_and_time() -> None:
    assert repr(Clock(ClockMode.MANUAL, START)) == "Clock(mode=manual, now=2030-01-01T00:00:00Z)"


def test_a_system_clock_stops_at_the_latest_instant_instead_of_running_past_it(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(ClockMode.SYSTEM, MAX_INSTANT - 1)
    host = clock_module.wall_time()
    monkeypatch.setattr(clock_module, "wall_time", lambda: host + 10)
    assert clock.now() == MAX_INSTANT
    assert clock.advance(0) == MAX_INSTANT  # still usable: nothing is out of range
    clock.set_mode(ClockMode.MANUAL)
    assert clock.now() == MAX_INSTANT


def test_a_system_clock_without_a_start_is_the_hosts_clock_to_the_microsecond(monkeypatch: pytest.MonkeyPatch) -> None:
    host = [START + 0.987654]
    monkeypatch.setattr(clock_module, "wall_time", lambda: host[0])
    clock = Clock(ClockMode.SYSTEM)
    assert clock.now() == START + 0.987654  # not the start second with its fraction cut off
    host[0] += 12.000001
    assert clock.now() == START + 12.987655


def test_a_manual_clock_without_a_start_starts_at_the_hosts_whole_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock_module, "wall_time", lambda: START + 0.987654)
    assert Clock(ClockMode.MANUAL).now() == START


def test_an_emulator_on_the_system_clock_tracks_the_host_after_every_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    host = [START + 0.25]
    monkeypatch.setattr(clock_module, "wall_time", lambda: host[0])
    emulator = Emulator(Settings(clock_mode=ClockMode.SYSTEM))
    assert emulator.state.clock.now() == START + 0.25
    host[0] = START + 3600.5
    emulator.reset()
    assert emulator.state.clock.now() == START + 3600.5  # not back at the instant the emulator was built


def test_instants_are_written_in_whole_seconds_unless_they_have_a_fraction() -> None:
    assert to_iso(START) == "2030-01-01T00:00:00Z"
    assert to_iso(START + 0.25) == "2030-01-01T00:00:00.250000Z"
    assert to_iso(START + 0.000001) == "2030-01-01T00:00:00.000001Z"


def test_a_naive_instant_is_utc_whatever_the_hosts_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "EST+5")  # a POSIX zone: needs no time zone database
    time.tzset()
    try:
        assert epoch_of(datetime(2030, 1, 1)) == START
        assert parse_instant("2030-01-01T00:00:00") == START
        assert epoch_of(datetime(2030, 1, 1, tzinfo=UTC)) == START
    finally:
        monkeypatch.undo()
        time.tzset()
