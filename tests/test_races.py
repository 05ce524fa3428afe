"""Races: concurrent refreshes, mints, revocations and clock moves leave no double spend and lose nothing."""

from __future__ import annotations

import asyncio
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import ClockMode, Settings, ThreadedEmulatorServer, local_control
from emulator.core.clock import Clock
from emulator.core.emulator import Emulator
from emulator.core.errors import Unauthenticated
from emulator.core.permissions import Grant, Permissions, Role
from tests.builders import START, api_key_request, disposable_request, refresh_request

RACERS = 200


@pytest.fixture
def race_server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Settings(start_time=START)) as running:
        yield running


def test_200_concurrent_refreshes_over_grpc_give_exactly_one_success(race_server: ThreadedEmulatorServer) -> None:
    """200 in-flight RefreshApiToken calls with one refresh token: one new key, 199 UNAUTHENTICATED."""
    session = local_control(race_server.emulator).bootstrap().raw_session_token

    async def race() -> list[grpc.StatusCode]:
        async with grpc.aio.insecure_channel(race_server.target) as channel:
            stub = auth_pb2_grpc.AuthStub(channel)
            key = await stub.GenerateApiToken(api_key_request(session), timeout=10)

            async def refresh() -> grpc.StatusCode:
                try:
                    await stub.RefreshApiToken(refresh_request(key.api_key, key.refresh_token), timeout=20)
                except grpc.aio.AioRpcError as error:
                    return error.code()
                return grpc.StatusCode.OK

            return await asyncio.gather(*(refresh() for _ in range(RACERS)))

    codes = Counter(asyncio.run(race()))
    assert codes == {grpc.StatusCode.OK: 1, grpc.StatusCode.UNAUTHENTICATED: RACERS - 1}


def test_200_threads_refreshing_the_core_at_once_give_exactly_one_success() -> None:
    """The same race straight into the core from 200 threads released together by a barrier."""
    state = Emulator(Settings(start_time=START)).state
    issued = state.generate_api_key(state.session_token, Permissions(grants=(Grant(Role.CACHE_READ_ONLY),)), 60)
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def refresh() -> None:
        barrier.wait()
        try:
            new = state.refresh_api_key(issued.api_key, issued.refresh_token)
            outcomes.append(f"ok:{new.api_key}")
        except Unauthenticated:
            outcomes.append("unauthenticated")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible, to widen any race window
    try:
        threads = [threading.Thread(target=refresh) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(interval)
    assert len(outcomes) == RACERS
    assert Counter(o.split(":")[0] for o in outcomes) == {"ok": 1, "unauthenticated": RACERS - 1}


def test_concurrent_mints_revocations_and_clock_moves_lose_nothing(race_server: ThreadedEmulatorServer) -> None:
    """Mints and refreshes from 8 threads, revocations and clock advances from 2 more: the journal
    holds exactly the calls made, key ids are unique, and every minted key is listed as it should be."""
    control = local_control(race_server.emulator)
    session = control.bootstrap().raw_session_token
    calls: Counter[str] = Counter()
    minted: list[tuple[str, str]] = []  # (api key, refresh token or "")
    revoked: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    def minter(seed: int) -> None:
        rng = random.Random(seed)
        with grpc.insecure_channel(race_server.target) as channel:
            auth, token = auth_pb2_grpc.AuthStub(channel), token_pb2_grpc.TokenStub(channel)
            for _ in range(40):
                choice = rng.choice(["key", "key", "disposable", "refresh"])
                try:
                    if choice == "disposable":
                        with lock:
                            calls["GenerateDisposableToken"] += 1
                        response = token.GenerateDisposableToken(disposable_request(session), timeout=10)
                        new = (response.api_key, "")
                    elif choice == "refresh" and minted:
                        with lock:
                            key, refresh = rng.choice([m for m in minted if m[1]] or [("", "")])
                            calls["RefreshApiToken"] += 1
                        response = auth.RefreshApiToken(refresh_request(key, refresh), timeout=10)
                        new = (response.api_key, response.refresh_token)
                    else:
                        with lock:
                            calls["GenerateApiToken"] += 1
                        response = auth.GenerateApiToken(api_key_request(session, ttl=3600), timeout=10)
                        new = (response.api_key, response.refresh_token)
                except grpc.RpcError as error:
                    # A spent refresh token or a revoked key: deliberate, and still journaled.
                    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.details()
                    continue
                with lock:
                    minted.append(new)

    def revoker() -> None:
        rng = random.Random(99)
        while not (done.is_set() and revoked):  # at least one revocation, however slow the host
            with lock:
                victim = rng.choice(minted)[0] if minted else None
            if victim is not None:
                control.revoke_key(victim)
                with lock:
                    revoked.add(victim)
            time.sleep(0.001)

    def clock_mover() -> None:
        # At most 100 steps of 0.5 s: 50 s of emulator time whatever the host's speed, far from the
        # 600 s the shortest token lives and from any pruning. The first step is always taken.
        for _ in range(100):
            control.advance(0.5)
            if done.is_set():
                return
            time.sleep(0.001)

    background = [threading.Thread(target=revoker), threading.Thread(target=clock_mover)]
    for thread in background:
        thread.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(minter, range(8)))
    finally:
        done.set()
        for thread in background:
            thread.join(10)

    assert revoked and control.now().timestamp() > START, "the revoker and the clock mover both ran"
    journal = control.journal()
    assert len(journal) == sum(calls.values())
    assert Counter(entry.method.rsplit("/", 1)[1] for entry in journal) == calls
    assert sorted(entry.seq for entry in journal) == list(range(1, len(journal) + 1))

    listed = control.keys(include_inactive=True)
    ids = [key.key_id for key in listed]
    assert len(ids) == len(set(ids)), "a key id was listed twice"
    status = {key.key_id: key.status for key in listed}
    minted_ids = [control.describe_key(key).key_id for key, _ in minted]
    assert len(set(minted_ids)) == len(minted), "two mints produced the same key id"
    assert all(key_id in status for key_id in minted_ids), "a minted key is missing from the key list"
    revoked_ids = {control.describe_key(key).key_id for key in revoked}
    assert all(status[key_id] == "revoked" for key_id in revoked_ids)
    assert all(status[key_id] == "active" for key_id in set(minted_ids) - revoked_ids)


def test_the_clock_never_runs_backwards_while_its_mode_is_switched() -> None:
    """A reader never sees time go back while another thread toggles manual and system mode."""
    clock = Clock(ClockMode.MANUAL, START)
    stop = threading.Event()
    worst = [0.0]

    def reader() -> None:
        last = clock.now()
        while not stop.is_set():
            now = clock.now()
            worst[0] = max(worst[0], last - now)
            last = now

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(150):
            clock.set_mode(ClockMode.SYSTEM)
            time.sleep(0.002)  # frozen or following: the clock's two representations drift apart
            clock.set_mode(ClockMode.MANUAL)
            time.sleep(0.002)
    finally:
        stop.set()
        thread.join(10)
        sys.setswitchinterval(interval)
    assert worst[0] == 0.0, f"the clock went back by {worst[0]:.6f} s"
