"""Memory of cached items, measured as RSS in a fresh process and printed as one JSON document.

Items are stored through the core's ``Items.set`` (what the ``Set`` RPC calls), skipping only
the transport. ``items N``: RSS growth per live 1 KiB item over N items with distinct keys.
``churn ROUNDS PER_ROUND``: each round stores PER_ROUND items with fresh keys that live 60 s,
then the clock moves 60 s, so every round's items expire while the next round is written; RSS
should stay flat once expired items are reclaimed by the writes.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks.memory import rss_bytes
from emulator.core.config import Settings
from emulator.core.emulator import Emulator
from tests.builders import START

VALUE_BYTES = 1024


def value(serial: int) -> bytes:
    """A distinct 1 KiB value, as each Set request brings its own (a shared object would cost nothing)."""
    return b"%010d" % serial + b"v" * (VALUE_BYTES - 10)


CACHE = "bench"


def per_item(count: int) -> dict[str, Any]:
    state = Emulator(Settings(start_time=START)).state
    state.caches.create(CACHE)
    for index in range(1000):  # warm every code path and allocator pool before the baseline
        state.items.set(CACHE, b"warm-%d" % index, value(index), 3_600_000)
    before = rss_bytes()
    for index in range(count):
        state.items.set(CACHE, b"item-%09d" % index, value(index), 3_600_000)
    after = rss_bytes()
    return {
        "items": count,
        "value_bytes": VALUE_BYTES,
        "live_items": len(state.caches.cache(CACHE)),
        "rss_before_mb": before / 2**20,
        "rss_after_mb": after / 2**20,
        "bytes_per_item": (after - before) / count,
    }


def churn(rounds: int, per_round: int) -> dict[str, Any]:
    state = Emulator(Settings(start_time=START)).state
    state.caches.create(CACHE)
    rss: list[float] = []
    live: list[int] = []
    serial = 0
    for _ in range(rounds):
        for _ in range(per_round):
            state.items.set(CACHE, b"churn-%012d" % serial, value(serial), 60_000)
            serial += 1
        state.clock.advance(60)
        rss.append(rss_bytes() / 2**20)
        live.append(len(state.caches.cache(CACHE)))
    settled = min(len(rss) - 1, max(1, rounds // 3))
    growth = rss[-1] - rss[settled]
    return {
        "rounds": rounds,
        "items_per_round": per_round,
        "items_written": rounds * per_round,
        "item_ttl_s": 60,
        "advance_per_round_s": 60,
        "settled_round": settled + 1,
        "rss_mb": [round(value, 2) for value in rss],
        "live_items": live,
        "rss_settled_mb": rss[settled],
        "rss_final_mb": rss[-1],
        "growth_after_settled_mb": growth,
        "growth_after_settled_pct": growth / rss[settled] * 100,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["items"] and len(argv) == 2:
        print(json.dumps(per_item(int(argv[1]))))
        return 0
    if argv[:1] == ["churn"] and len(argv) == 3:
        print(json.dumps(churn(int(argv[1]), int(argv[2]))))
        return 0
    print("usage: item_memory.py items N | churn ROUNDS PER_ROUND", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
