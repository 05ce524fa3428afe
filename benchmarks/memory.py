"""Memory of issued keys, measured as RSS in a fresh process and printed as one JSON document.

Keys are issued through the Auth service's own handler (``emulator.services.momento``) with a
freshly decoded request each time, so every credential holds its own permissions exactly as
one issued over gRPC does; only the transport is skipped.

``keys N``: RSS growth per live key over N API keys. ``churn ROUNDS PER_ROUND``: keys that live
60 s are issued while the clock moves 10 minutes per round; expired keys are pruned after the
retention period, so RSS should stop growing once issuance and pruning balance.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

from momento_wire_types import auth_pb2

from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from emulator.services.call import local_call
from emulator.services.momento import generate_api_token
from emulator.services.registry import CATALOG
from tests.builders import START, api_key_request

PAGE_BYTES = 4096


def rss_bytes() -> int:
    """Resident set size of this process, after a full collection."""
    gc.collect()
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_BYTES


def request_bytes(session_token: str, valid_for: int) -> bytes:
    return api_key_request(session_token, ttl=valid_for).SerializeToString()


def issue(emulator: Emulator, raw: bytes, count: int) -> None:
    decode = auth_pb2._GenerateApiTokenRequest.FromString
    for _ in range(count):
        generate_api_token(local_call(emulator, CATALOG), decode(raw))


def per_key(keys: int) -> dict[str, Any]:
    emulator = Emulator(Settings(start_time=START))
    state = emulator.state
    raw = request_bytes(state.session_token, 3600)
    issue(emulator, raw, 1000)  # warm every code path and allocator pool before the baseline
    before = rss_bytes()
    issue(emulator, raw, keys)
    after = rss_bytes()
    return {
        "keys": keys,
        "live_keys": len(state.credentials()),
        "rss_before_mb": before / 2**20,
        "rss_after_mb": after / 2**20,
        "bytes_per_key": (after - before) / keys,
    }


def churn(rounds: int, per_round: int) -> dict[str, Any]:
    emulator = Emulator(Settings(start_time=START))
    state = emulator.state
    raw = request_bytes(state.session_token, 60)
    rss: list[float] = []
    live: list[int] = []
    for _ in range(rounds):
        issue(emulator, raw, per_round)
        state.clock.advance(600)
        rss.append(rss_bytes() / 2**20)
        live.append(len(state.credentials()))
    # Keys live 60 s and are kept 3600 s more: after ~7 rounds issuance and pruning balance.
    settled = min(len(rss) - 1, max(1, rounds // 3))
    growth = rss[-1] - rss[settled]
    return {
        "rounds": rounds,
        "keys_per_round": per_round,
        "keys_issued": rounds * per_round,
        "advance_per_round_s": 600,
        "key_lifetime_s": 60,
        "expired_retention_s": state.settings.expired_retention,
        "settled_round": settled + 1,
        "rss_mb": [round(value, 2) for value in rss],
        "live_keys": live,
        "rss_settled_mb": rss[settled],
        "rss_final_mb": rss[-1],
        "growth_after_settled_mb": growth,
        "growth_after_settled_pct": growth / rss[settled] * 100,
        "keys_issued_after_settled": (rounds - 1 - settled) * per_round,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["keys"] and len(argv) == 2:
        print(json.dumps(per_key(int(argv[1]))))
        return 0
    if argv[:1] == ["churn"] and len(argv) == 3:
        print(json.dumps(churn(int(argv[1]), int(argv[2]))))
        return 0
    print("usage: memory.py keys N | churn ROUNDS PER_ROUND", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
