"""SIGTERM under load: a clean, bounded exit; in-flight calls finish; nothing issued is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import remote_control
from emulator._generated import admin_pb2, admin_pb2_grpc
from emulator.server import DEFAULT_GRACE_SECONDS
from tests.builders import api_key_request, disposable_request, refresh_request
from tests.helpers import EmulatorProcess

CALL_DEADLINE = 30.0  # far longer than the grace period: a call that hits it was left hanging
SLOW_CALL = 3.0  # an injected delay (under the grace period), so calls are in flight when the signal lands
HANG = 120.0  # a guard against a hang while waiting for a condition, never a speed target


@dataclass
class Outcome:
    kind: str
    code: grpc.StatusCode
    key: str = ""
    refresh_token: str = ""


def load(target: str, session: str, kind: str, stop: threading.Event, outcomes: list[Outcome]) -> None:
    with grpc.insecure_channel(target) as channel:
        auth, token = auth_pb2_grpc.AuthStub(channel), token_pb2_grpc.TokenStub(channel)
        while not stop.is_set():
            try:
                if kind == "key":
                    response = auth.GenerateApiToken(api_key_request(session), timeout=CALL_DEADLINE)
                    outcome = Outcome(kind, grpc.StatusCode.OK, response.api_key)
                    outcome.refresh_token = response.refresh_token
                else:
                    response = token.GenerateDisposableToken(disposable_request(session), timeout=CALL_DEADLINE)
                    outcome = Outcome(kind, grpc.StatusCode.OK, response.api_key)
            except grpc.RpcError as error:
                outcome = Outcome(kind, error.code())
                time.sleep(0.01)  # the server is going away: do not spin
            outcomes.append(outcome)


def fault_hits(target: str) -> int:
    """How many calls the one fault rule has taken: calls that reached the server's handler."""
    with grpc.insecure_channel(target) as channel:
        (rule,) = admin_pb2_grpc.AdminStub(channel).ListFaults(admin_pb2.ListFaultsRequest(), timeout=HANG).rules
    return rule.hits


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def test_sigterm_under_load_exits_cleanly_and_keeps_every_issued_key(tmp_path: Path) -> None:
    """SIGTERM mid-load: exit 0 within the grace period, in-flight calls complete, the rest are
    UNAVAILABLE (none hang), and after a restart on the same --state-file every issued key works."""
    state_file = tmp_path / "state.json"
    emulator = EmulatorProcess(tmp_path, "--port", "0", "--state-file", str(state_file), name="first")
    try:
        emulator.wait_ready()
        session = emulator.ready["session_token"]
        with remote_control(emulator.target) as control:
            control.add_fault("GenerateDisposableToken", "OK", delay=SLOW_CALL)
        stop = threading.Event()
        outcomes: list[Outcome] = []
        kinds = ["key"] * 6 + ["disposable"] * 4
        threads = [threading.Thread(target=load, args=(emulator.target, session, k, stop, outcomes)) for k in kinds]
        for thread in threads:
            thread.start()

        def loaded() -> bool:
            # Twenty keys issued, and held disposable calls inside the server: taken by the delay
            # fault but not yet answered. The condition, not a sleep, so a slow host only waits longer.
            keys = sum(1 for o in list(outcomes) if o.kind == "key" and o.code == grpc.StatusCode.OK)
            answered = sum(1 for o in list(outcomes) if o.kind == "disposable")
            return keys >= 20 and fault_hits(emulator.target) > answered

        wait_for(loaded, "twenty keys issued and a held call in flight")
        reached = fault_hits(emulator.target)  # disposable calls that had reached the server by now
        signalled = time.monotonic()
        code = emulator.terminate(timeout=DEFAULT_GRACE_SECONDS + 10)
        took = time.monotonic() - signalled
        stop.set()
        for thread in threads:
            thread.join(CALL_DEADLINE + 5)
        assert not any(thread.is_alive() for thread in threads), "a load thread hung"
    finally:
        emulator.kill()

    assert code == 0, emulator.stderr()
    assert took < DEFAULT_GRACE_SECONDS + 20, f"took {took:.1f} s to exit"  # bounded: the grace period, not a hang
    assert "Traceback" not in emulator.stderr()
    codes = {o.code for o in outcomes}
    assert codes <= {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}, codes
    issued = [o for o in outcomes if o.code == grpc.StatusCode.OK]
    assert len([o for o in issued if o.kind == "key"]) >= 20
    # Every held call that had reached the server before the signal completed. (Calls sent in the
    # last instant may meet the closing server: UNAVAILABLE or CANCELLED.)
    assert len([o for o in issued if o.kind == "disposable"]) >= reached
    assert state_file.exists()

    with EmulatorProcess(tmp_path, "--port", "0", "--state-file", str(state_file), name="second") as restarted:
        with grpc.insecure_channel(restarted.target) as channel:
            auth = auth_pb2_grpc.AuthStub(channel)
            for outcome in issued:
                if outcome.kind == "key":  # refreshing proves the key and its refresh token survived
                    auth.RefreshApiToken(refresh_request(outcome.key, outcome.refresh_token), timeout=10)
        with remote_control(restarted.target) as control:
            for outcome in issued:
                if outcome.kind == "disposable":
                    assert control.authorize(outcome.key, "get", "any-cache").allowed is True


def test_sigterm_cuts_an_injected_delay_short_so_the_held_calls_answer(tmp_path: Path) -> None:
    """A delay fault longer than the grace period does not hold the exit: held calls answer at once."""
    with EmulatorProcess(tmp_path, "--port", "0", name="delayed") as emulator:
        session = emulator.ready["session_token"]
        with remote_control(emulator.target) as control:
            control.add_fault("GenerateApiToken", "UNAVAILABLE", delay=60, message="held")
        answers: list[grpc.StatusCode] = []

        def held_call() -> None:
            with grpc.insecure_channel(emulator.target) as channel:
                try:
                    auth_pb2_grpc.AuthStub(channel).GenerateApiToken(api_key_request(session), timeout=CALL_DEADLINE)
                except grpc.RpcError as error:
                    answers.append(error.code())

        caller = threading.Thread(target=held_call)
        caller.start()
        wait_for(lambda: fault_hits(emulator.target) == 1, "the call held by the delay")
        signalled = time.monotonic()
        assert emulator.terminate(timeout=DEFAULT_GRACE_SECONDS + 10) == 0
        took = time.monotonic() - signalled
        caller.join(CALL_DEADLINE)
    assert took < 30, f"took {took:.1f} s to exit"  # the 60 s delay did not hold the exit
    assert answers == [grpc.StatusCode.UNAVAILABLE]  # the fault's own answer, not a cancellation
    assert "Traceback" not in emulator.stderr()
