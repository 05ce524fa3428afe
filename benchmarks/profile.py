"""Where an emulator process spends its time under load (``make profile``).

Starts the emulator as ``make bench`` does, drives one RPC with the benchmark's load client and
samples the server with py-spy meanwhile. Writes the collapsed stacks (for speedscope or
flamegraph.pl) to ``benchmarks/results/profile-<rpc>.txt`` and prints the functions with the
most samples, by their own time and including what they call.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks.run import EMULATOR_RPCS, RESULTS, LoadClient, running
from emulator.control import remote_control

SAMPLES_PER_SECOND = 500
SHOWN = 20


def hottest(collapsed: str) -> tuple[int, Counter[str], Counter[str]]:
    """Samples in all, and per frame: samples where it is the innermost frame, and where it is on the stack."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames, samples = stack.split(";"), int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            anywhere[frame] += samples
    return total, own, anywhere


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc", choices=EMULATOR_RPCS, default=EMULATOR_RPCS[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to sample (default 5)")
    parser.add_argument("--log-level", default="info", help="the emulator's --log-level (default info)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: run `make profile`, which installs it", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    collapsed = args.out / f"profile-{args.rpc}.txt"
    with tempfile.TemporaryDirectory(prefix="emulator-profile-") as scratch, contextlib.ExitStack() as stack:
        workdir = Path(scratch)
        served = stack.enter_context(running("emulator", workdir, subprocess.DEVNULL, ("--log-level", args.log_level)))
        fresh = stack.enter_context(remote_control(served.target)).reset()
        client = LoadClient()
        stack.callback(client.close)
        sampler = subprocess.Popen(
            [spy, "record", "--pid", str(served.process.pid), "--duration", str(int(args.seconds)),
             "--rate", str(SAMPLES_PER_SECOND), "--function", "--nonblocking", "--format", "raw",
             "--output", str(collapsed)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        result = client.measure(
            {
                "rpc": args.rpc,
                "concurrency": args.concurrency,
                "duration": args.seconds,
                "warmup": 0.5,
                "target": served.target,
                "server_pid": served.process.pid,
                "session_token": fresh.raw_session_token,
                "super_user_key": fresh.raw_api_key,
            }  # fmt: skip
        )
        _, errors = sampler.communicate()
    if sampler.returncode != 0 or not collapsed.exists():
        print(f"py-spy could not sample the emulator (ptrace not permitted?): {errors.strip()}", file=sys.stderr)
        return 1
    total, own, anywhere = hottest(collapsed.read_text())
    print(
        f"{args.rpc} at concurrency {args.concurrency}: {result['calls_per_s']:.0f} calls/s, "
        f"{result['server_cpu_us_per_call']:.0f} µs of server CPU per call; {total} samples"
    )
    ours = Counter({frame: samples for frame, samples in anywhere.items() if "(emulator/" in frame})
    for title, counts in (("own time, every function", own), ("including callees, the emulator's functions", ours)):
        print(f"\n{title}:")
        for frame, samples in counts.most_common(SHOWN):
            print(f"  {samples / total:6.1%}  {frame}")
    print(f"\ncollapsed stacks: {collapsed} (open in https://www.speedscope.app or flamegraph.pl)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
