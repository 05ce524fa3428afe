"""Benchmarks of the emulator beside the bare ``grpc.aio`` stack it is built on (``make bench``).

Measures RPC throughput and latency against a bare echo server (the ceiling), start-up (in
process, reset, CLI cold start beside a bare server process) and memory per key, then prints a
Markdown table and writes ``benchmarks/results/latest.json`` and ``latest.md``. Every figure is
the median of several runs with their min and max. ``--smoke`` runs everything tiny, to keep the
script working; nothing here asserts a time, and targets are reported, never enforced.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benchmarks.loadclient import DATA_RPCS, PATHS, STAND_IN_GET, WEB_GET, disposable_token_request
from emulator.control import local_control, remote_control
from emulator.core.config import Settings
from emulator.server import ThreadedEmulatorServer
from tests.builders import START

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
EMULATOR_RPCS = (
    "GenerateDisposableToken",
    "GenerateApiToken",
    "RefreshApiToken",
    "Get",
    "Set",
    "DictionarySet",
    "Publish",
)
CEILING = "Echo"
DISPOSABLE_PATH = PATHS["GenerateDisposableToken"]
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Plan:
    """How much to measure."""

    smoke: bool
    repeats: int
    duration: float
    warmup: float
    concurrency: tuple[int, ...]
    startup_runs: int
    cold_runs: int
    memory_keys: int
    churn_rounds: int
    churn_per_round: int
    plugin_tests: int
    # --pin: the RPC servers held to the first of these CPUs and the load client to the second, so
    # that the scheduler does not move them onto each other (None: wherever it likes).
    pinned: tuple[int, int] | None = None


FULL = Plan(False, 3, 2.0, 0.5, (1, 16, 64), 20, 10, 100_000, 30, 5000, 1000)
SMOKE = Plan(True, 1, 0.2, 0.1, (4,), 2, 1, 2000, 4, 200, 3)

# name -> (what is measured, the limit, whether the measure must reach it (>=) rather than stay under it (<=))
TARGETS = {
    "rpc_ratio_c16_data": (
        "emulator/ceiling calls/s at concurrency 16, Get, Set and DictionarySet (the worst)",
        0.85,
        True,
    ),
    "rpc_ratio_c16_publish": ("emulator/ceiling calls/s at concurrency 16, Publish (no subscribers)", 0.80, True),
    "rpc_ratio_c16_mint": ("emulator/ceiling calls/s at concurrency 16, the three mint RPCs (the worst)", 0.75, True),
    "in_process_start_rpc_stop_ms": ("in-process start + first RPC + stop, ms", 15, False),
    "reset_ms": ("reset, ms", 1, False),
    "cli_cold_start_ratio": ("CLI cold start / the bare server process", 1.3, False),
    "bytes_per_live_key": ("RSS per live key, bytes", 2048, False),
    "churn_flat": ("RSS growth after pruning settles, % of settled RSS", 2, False),
    "bytes_per_item": ("RSS per cached 1 KiB item, bytes", 1536, False),
    "item_churn_flat": ("RSS growth under item TTL churn after it settles, % of settled RSS", 2, False),
    "plugin_cost_ratio": ("N fixture tests (mint + get) / the same calls N times in one test, wall time", 1.5, False),
    "web_get_ratio_c16": ("gRPC-Web Get / gRPC Get calls/s at concurrency 16, the same server", 0.7, True),
}
TOPIC_RPCS = ("Publish",)


# --- statistics ----------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of the runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def timed_ms(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


# --- processes -----------------------------------------------------------------------------------


@dataclass
class Served:
    """A server subprocess and what its ready file said."""

    process: subprocess.Popen[bytes]
    ready: dict[str, Any]
    seconds_to_serving: float

    @property
    def target(self) -> str:
        return str(self.ready["target"])


def server_command(kind: str, ready_file: Path, extra: Sequence[str] = ()) -> list[str]:
    if kind == "emulator":
        return [sys.executable, "-m", "emulator", "serve", "--port", "0", "--ready-file", str(ready_file), *extra]
    return [sys.executable, "-m", "benchmarks.bare_server", "--port", "0", "--ready-file", str(ready_file), *extra]


def health_check(target: str) -> None:
    """Block until ``target`` answers SERVING."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        answer = stub.Check(health_pb2.HealthCheckRequest(service=""), wait_for_ready=True, timeout=STARTUP_TIMEOUT)
        if answer.status != health_pb2.HealthCheckResponse.SERVING:
            raise RuntimeError(f"{target} is not SERVING: {answer.status}")


def spawn(command: Sequence[str], cpu: int | None, **options: Any) -> subprocess.Popen[Any]:
    """Start ``command`` in the checkout, kept to ``cpu`` if one is given.

    The process is pinned as soon as it has started, while its one thread is still starting Python,
    so that every thread it starts later keeps to ``cpu`` too. Not with ``preexec_fn``: that forks
    this process, grpc's threads and all, and runs their fork handlers, which can block the fork for
    good (on Python 3.12 they did).
    """
    process = subprocess.Popen(command, cwd=ROOT, **options)
    if cpu is not None:
        os.sched_setaffinity(process.pid, {cpu})
    return process


def start_server(
    kind: str, workdir: Path, log: IO[bytes] | int, extra: Sequence[str] = (), cpu: int | None = None
) -> Served:
    """Start a server process (kept to ``cpu``, if given); wait for its ready file and first SERVING health check."""
    ready_file = workdir / f"{kind}-{time.monotonic_ns()}.json"
    began = time.perf_counter()
    process = spawn(
        server_command(kind, ready_file, extra), cpu, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log
    )
    deadline = began + STARTUP_TIMEOUT
    while not ready_file.exists():
        if process.poll() is not None or time.perf_counter() > deadline:
            stop_server(process)
            raise RuntimeError(f"the {kind} server did not start (exit code {process.returncode})")
        time.sleep(0.001)
    ready = json.loads(ready_file.read_text())
    health_check(str(ready["target"]))
    return Served(process, ready, time.perf_counter() - began)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(
    kind: str, workdir: Path, log: IO[bytes] | int, extra: Sequence[str] = (), cpu: int | None = None
) -> Iterator[Served]:
    served = start_server(kind, workdir, log, extra, cpu)
    try:
        yield served
    finally:
        stop_server(served.process)


class LoadClient:
    """The load client process (benchmarks/loadclient.py), fed one job per line."""

    def __init__(self, cpu: int | None = None) -> None:
        self._process = spawn(
            [sys.executable, "-m", "benchmarks.loadclient"],
            cpu,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self._process.pid

    def measure(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the load client exited (code {self._process.wait()})")
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --- 1. RPC throughput and latency ---------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One server configuration under load."""

    label: str
    kind: str  # "bare" or "emulator"
    options: tuple[str, ...] = ()
    work_us: float = 0.0  # a bare server's busy time per call (calibration)


CEILING_SERVER = Variant("bare grpc.aio echo", "bare")
EMULATOR = Variant("emulator", "emulator")
# The same emulator with a log line for every call (successes are DEBUG lines), to show what it costs.
VERBOSE_EMULATOR = Variant("emulator, --log-level debug", "emulator", ("--log-level", "debug"))
# The same emulator with its gRPC-Web listener: the same Get over gRPC and over gRPC-Web (one more hop).
WEB_EMULATOR = Variant("emulator, --web-port 0", "emulator", ("--web-port", "0"))
# Calibration: the ceiling server with a fixed amount of Python work per call, to show what the
# ratio to the ceiling allows a handler to do on this stack and machine.
CALIBRATION = tuple(
    Variant(f"bare echo + {us} µs of Python per call", "bare", ("--work-us", str(us)), us) for us in (10, 25, 50)
)
# Calibration: what the shape of a data call costs on this stack without the emulator's work (headers
# read, request decoded, a 1 KiB protobuf answer serialized), next to the emulator's Get.
STAND_IN = Variant("bare stand-in Get (headers, decode, 1 KiB answer)", "bare", ("--answer-get",))


Runs = dict[tuple[Variant, str, int], list[dict[str, Any]]]


def measure_rpcs(plan: Plan, workdir: Path, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Every (server, RPC, concurrency), repeated; repeats interleave so drift hits all alike.

    Each run of a server other than the ceiling comes right after a run of the ceiling, and its
    ratio is taken against that run: on a shared host the load beside the benchmark changes within
    seconds, and a ratio to a ceiling measured a minute earlier measures that change as well.
    """
    verbose_at = 16 if 16 in plan.concurrency else plan.concurrency[-1]
    server_cpu, client_cpu = plan.pinned or (None, None)
    runs: Runs = {}
    paired: Runs = {}  # the ceiling run before each run
    with contextlib.ExitStack() as stack:
        servers = {
            variant: stack.enter_context(running("bare", workdir, subprocess.DEVNULL, variant.options, server_cpu))
            for variant in (CEILING_SERVER, *CALIBRATION, STAND_IN)
        }
        emulators = (EMULATOR, VERBOSE_EMULATOR, WEB_EMULATOR)
        for variant in emulators:
            stderr = stack.enter_context((workdir / f"stderr-{len(servers)}.log").open("wb"))
            servers[variant] = stack.enter_context(running("emulator", workdir, stderr, variant.options, server_cpu))
        admins = {v: stack.enter_context(remote_control(servers[v].target)) for v in emulators}
        client = LoadClient(client_cpu)
        stack.callback(client.close)

        def run(variant: Variant, rpc: str, concurrency: int, repeat: int) -> dict[str, Any]:
            served = servers[variant]
            job: dict[str, Any] = {
                "rpc": rpc, "concurrency": concurrency, "duration": plan.duration, "warmup": plan.warmup,
                "target": served.target, "server_pid": served.process.pid, "session_token": "x" * 180,
                "web_url": served.ready.get("web_url", ""),
            }  # fmt: skip
            if variant in admins:
                fresh = admins[variant].reset()  # each measurement starts from a fresh state
                job |= {"session_token": fresh.raw_session_token, "super_user_key": fresh.raw_api_key}
            result = client.measure(job)
            if variant in admins:  # the emulator's own time per call, as its journal saw it
                journaled = admins[variant].journal(method="Get" if rpc == WEB_GET else rpc)
                latencies = [entry.latency_ms * 1000 for entry in journaled]
                result["handler_us"] = statistics.median(latencies) if latencies else None
            else:
                result["handler_us"] = variant.work_us
            log(
                f"  run {repeat + 1}/{plan.repeats} c={concurrency:<3} {variant.label[:12]:<12} {rpc:<24}"
                f"{result['calls_per_s']:8.0f} calls/s  p50 {result['p50_ms']:.2f} ms  "
                f"p99 {result['p99_ms']:.2f} ms  errors {result['errors']}"
            )
            return result

        for repeat in range(plan.repeats):
            for concurrency in plan.concurrency:
                plan_runs = [(EMULATOR, rpc) for rpc in EMULATOR_RPCS]
                if concurrency == verbose_at:
                    plan_runs += [(VERBOSE_EMULATOR, rpc) for rpc in EMULATOR_RPCS]
                    plan_runs += [(variant, CEILING) for variant in CALIBRATION] + [(STAND_IN, STAND_IN_GET)]
                    plan_runs += [(WEB_EMULATOR, "Get"), (WEB_EMULATOR, WEB_GET)]
                for variant, rpc in plan_runs:
                    ceiling = run(CEILING_SERVER, CEILING, concurrency, repeat)
                    runs.setdefault((CEILING_SERVER, CEILING, concurrency), []).append(ceiling)
                    paired.setdefault((variant, rpc, concurrency), []).append(ceiling)
                    runs.setdefault((variant, rpc, concurrency), []).append(run(variant, rpc, concurrency, repeat))
    return summarize_rpcs(runs, paired)


def summarize_rpcs(runs: Runs, paired: Runs) -> list[dict[str, Any]]:
    rows = []
    for (variant, rpc, concurrency), results in runs.items():
        cpu = [r["server_cpu_us_per_call"] for r in results if r["server_cpu_us_per_call"] is not None]
        handler = [r["handler_us"] for r in results if r["handler_us"] is not None]
        ratio = None  # for the ceiling's own row
        if (variant, rpc, concurrency) in paired:
            before = paired[(variant, rpc, concurrency)]
            ratio = spread([r["calls_per_s"] / c["calls_per_s"] for r, c in zip(results, before, strict=True)])
        rows.append(
            {
                "server": variant.label,
                "default_configuration": variant in (CEILING_SERVER, EMULATOR),
                "rpc": rpc,
                "concurrency": concurrency,
                "calls_per_s": spread([r["calls_per_s"] for r in results]),
                "p50_ms": spread([r["p50_ms"] for r in results]),
                "p99_ms": spread([r["p99_ms"] for r in results]),
                "server_cpu_us_per_call": spread(cpu) if cpu else None,
                "handler_us": spread(handler) if handler and variant != CEILING_SERVER else None,
                "errors": sum(r["errors"] for r in results),
                # Paired: each run against the ceiling run just before it.
                "ratio": ratio,
            }
        )
    rows.sort(key=lambda row: (row["concurrency"], not row["default_configuration"]))
    return rows


# --- 2. start-up ---------------------------------------------------------------------------------


def in_process_cycle(settings: Settings) -> dict[str, float]:
    """Start a threaded emulator, make one Momento call through a fresh channel, stop it."""
    phases: dict[str, float] = {}
    began = time.perf_counter()
    server = ThreadedEmulatorServer(settings).start()
    phases["start_ms"] = (time.perf_counter() - began) * 1000
    mark = time.perf_counter()
    request = disposable_token_request(server.emulator.state.super_user_key)
    with grpc.insecure_channel(server.target) as channel:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(DISPOSABLE_PATH)
        call(request, timeout=10)
    phases["first_rpc_ms"] = (time.perf_counter() - mark) * 1000
    mark = time.perf_counter()
    server.stop()
    phases["stop_ms"] = (time.perf_counter() - mark) * 1000
    phases["total_ms"] = (time.perf_counter() - began) * 1000
    return phases


def measure_in_process(plan: Plan) -> dict[str, Any]:
    settings = Settings(start_time=START)
    in_process_cycle(settings)  # the first cycle pays for imports and grpc's one-time set-up
    cycles = [in_process_cycle(settings) for _ in range(plan.startup_runs)]
    result: dict[str, Any] = {name: spread([c[name] for c in cycles]) for name in cycles[0]}
    result["runs"] = plan.startup_runs
    return result


def measure_reset(plan: Plan) -> dict[str, Any]:
    """``local_control(emulator).reset()`` as a function-scoped fixture calls it, on a running server."""
    with ThreadedEmulatorServer(Settings(start_time=START)) as server:
        emulator = server.emulator
        with grpc.insecure_channel(server.target) as channel:
            call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(DISPOSABLE_PATH)
            times = []
            for _ in range(plan.startup_runs + 1):
                for _ in range(5):  # a test's worth of state for the reset to drop
                    call(disposable_token_request(emulator.state.super_user_key), timeout=10)
                times.append(timed_ms(lambda: local_control(emulator).reset()))
    return {"reset_ms": spread(times[1:]), "runs": plan.startup_runs}


def measure_cold_start(plan: Plan, workdir: Path) -> dict[str, Any]:
    """Process start to the first SERVING health check, the emulator's CLI beside a bare server."""
    seconds: dict[str, list[float]] = {"emulator": [], "bare": []}
    # An installed package carries its bytecode; a source checkout under PYTHONDONTWRITEBYTECODE
    # would otherwise compile every module at every start, which is not what users run.
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "emulator"), quiet=1)
    for _ in range(plan.cold_runs):
        for kind in ("bare", "emulator"):
            with running(kind, workdir, subprocess.DEVNULL) as served:
                seconds[kind].append(served.seconds_to_serving * 1000)
    ratios = [e / b for e, b in zip(seconds["emulator"], seconds["bare"], strict=True)]
    return {
        "cli_ms": spread(seconds["emulator"]),
        "bare_ms": spread(seconds["bare"]),
        "ratio": spread(ratios),
        "runs": plan.cold_runs,
    }


# --- 3. memory -----------------------------------------------------------------------------------


def measure_memory(plan: Plan) -> dict[str, Any]:
    def run(*args: object) -> dict[str, Any]:
        command = [sys.executable, "-m", "benchmarks.memory", *map(str, args)]
        output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
        return json.loads(output.stdout)  # type: ignore[no-any-return]

    def items(*args: object) -> dict[str, Any]:
        command = [sys.executable, "-m", "benchmarks.item_memory", *map(str, args)]
        output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
        return json.loads(output.stdout)  # type: ignore[no-any-return]

    return {
        "per_key": run("keys", plan.memory_keys),
        "churn": run("churn", plan.churn_rounds, plan.churn_per_round),
        "per_item": items("items", plan.memory_keys),
        "item_churn": items("churn", plan.churn_rounds, plan.churn_per_round),
    }


# --- 4. the pytest plugin's own cost -------------------------------------------------------------


def measure_plugin(plan: Plan) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.plugin_cost", str(plan.plugin_tests)]
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(output.stdout)  # type: ignore[no-any-return]


# --- targets and report --------------------------------------------------------------------------


def judge(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value; informative only, never enforced."""
    startup, memory = results["startup"], results["memory"]
    measured = {
        "in_process_start_rpc_stop_ms": startup["in_process"]["total_ms"]["median"],
        "reset_ms": startup["reset"]["reset_ms"]["median"],
        "cli_cold_start_ratio": startup["cold_start"]["ratio"]["median"],
        "bytes_per_live_key": memory["per_key"]["bytes_per_key"],
        "churn_flat": memory["churn"]["growth_after_settled_pct"],
        "bytes_per_item": memory["per_item"]["bytes_per_item"],
        "item_churn_flat": memory["item_churn"]["growth_after_settled_pct"],
        "plugin_cost_ratio": results["plugin"]["ratio"],
    }
    c16 = [r for r in results["rpc"] if r["concurrency"] == 16 and r["ratio"] and r["default_configuration"]]
    data = [r["ratio"]["median"] for r in c16 if r["rpc"] in DATA_RPCS and r["rpc"] not in TOPIC_RPCS]
    publish = [r["ratio"]["median"] for r in c16 if r["rpc"] in TOPIC_RPCS]
    mint = [r["ratio"]["median"] for r in c16 if r["rpc"] not in DATA_RPCS]
    if data:
        measured["rpc_ratio_c16_data"] = min(data)
    if publish:
        measured["rpc_ratio_c16_publish"] = min(publish)
    if mint:
        measured["rpc_ratio_c16_mint"] = min(mint)
    web = {r["rpc"]: r["calls_per_s"]["median"] for r in results["rpc"] if r["server"] == WEB_EMULATOR.label}
    if web.get(WEB_GET) and web.get("Get"):
        measured["web_get_ratio_c16"] = web[WEB_GET] / web["Get"]
    rows = []
    for name, (what, limit, at_least) in TARGETS.items():
        if name in measured:
            value = measured[name]
            met = value >= limit if at_least else value <= limit
            target = f"{what} {'>=' if at_least else '<='} {limit:g}"
            rows.append({"name": name, "target": target, "value": value, "met": met})
    return rows


def fmt(figure: dict[str, float] | None, digits: int = 2) -> str:
    if figure is None:
        return "n/a"
    return f"{figure['median']:.{digits}f} ({figure['min']:.{digits}f}–{figure['max']:.{digits}f})"


def pinning(pinned: dict[str, int] | None) -> str:
    if pinned is None:
        return ""
    return f" Servers kept to CPU {pinned['servers']} and the client to CPU {pinned['client']} (`--pin`)."


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"Measured {meta['date']} with `{meta['command']}` on {meta['machine']}; "
        f"Python {meta['python']}, grpcio {meta['grpcio']}. Each figure: median (min–max) of "
        f"{meta['repeats']} runs of {meta['duration_s']} s after {meta['warmup_s']} s of warm-up.",
        "",
        f"Emulator: `{meta['emulator_command']}`, default configuration ({meta['emulator_logging']}). "
        "Ceiling: a bare `grpc.aio` server, same options and process model, whose handler returns the "
        "request bytes; it runs just before every other run, and each ratio is to that run. Client: one "
        "`grpc.aio` process, one channel, N concurrent callers." + pinning(meta.get("pinned")),
        "",
        "| server | RPC | concurrency | calls/s | p50 ms | p99 ms | server CPU µs/call | handler µs | "
        "ratio to ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rpc"]:
        lines.append(
            f"| {row['server']} | {row['rpc']} | {row['concurrency']} | {fmt(row['calls_per_s'], 0)} | "
            f"{fmt(row['p50_ms'])} | {fmt(row['p99_ms'])} | {fmt(row['server_cpu_us_per_call'], 0)} | "
            f"{fmt(row['handler_us'], 0)} | {fmt(row['ratio'])} |"
        )
    startup, memory = results["startup"], results["memory"]
    in_process, cold = startup["in_process"], startup["cold_start"]
    churn, per_key = memory["churn"], memory["per_key"]
    per_item, item_churn = memory["per_item"], memory["item_churn"]
    plugin = results["plugin"]
    lines += [
        "",
        "| start-up and memory | median (min–max) |",
        "|---|---:|",
        f"| in-process start + first RPC + stop, ms ({in_process['runs']} runs) | {fmt(in_process['total_ms'])} |",
        f"| &nbsp;&nbsp;start / first RPC / stop, ms | {in_process['start_ms']['median']:.2f} / "
        f"{in_process['first_rpc_ms']['median']:.2f} / {in_process['stop_ms']['median']:.2f} |",
        f"| `local_control(emulator).reset()`, ms ({startup['reset']['runs']} runs) | "
        f"{fmt(startup['reset']['reset_ms'], 3)} |",
        f"| CLI cold start to first SERVING health check, ms ({cold['runs']} runs) | {fmt(cold['cli_ms'], 0)} |",
        f"| bare `grpc.aio` server process, same way, ms | {fmt(cold['bare_ms'], 0)} |",
        f"| CLI / bare, paired by run | {fmt(cold['ratio'])} |",
        f"| RSS per live key over {per_key['keys']:,} API keys, bytes | {per_key['bytes_per_key']:.0f} |",
        f"| churn: RSS after pruning settles / at the end, MB ({churn['keys_issued']:,} keys of 60 s, "
        f"clock +10 min per {churn['keys_per_round']:,}) | {churn['rss_settled_mb']:.1f} / "
        f"{churn['rss_final_mb']:.1f} ({churn['growth_after_settled_pct']:+.1f} %) |",
        f"| RSS per cached 1 KiB item over {per_item['items']:,} items, bytes | {per_item['bytes_per_item']:.0f} |",
        f"| item churn: RSS when settled / at the end, MB ({item_churn['items_written']:,} items of 60 s, "
        f"clock +60 s per {item_churn['items_per_round']:,}) | {item_churn['rss_settled_mb']:.1f} / "
        f"{item_churn['rss_final_mb']:.1f} ({item_churn['growth_after_settled_pct']:+.1f} %) |",
        f"| plugin: {plugin['tests']:,} tests (mint + get each) / the same calls in one test, s | "
        f"{plugin['generated_tests_s']:.1f} / {plugin['one_test_s']:.1f} ({plugin['ratio']:.2f}x) |",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
    ]
    for target in results["targets"]:
        lines.append(f"| {target['target']} | {target['value']:.3g} | {'yes' if target['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="everything tiny and fast (keeps the script working)")
    parser.add_argument("--repeats", type=int, help="runs per RPC figure (default 3)")
    parser.add_argument("--duration", type=float, help="seconds per RPC run (default 2)")
    parser.add_argument("--concurrency", help="comma-separated concurrency levels (default 1,16,64)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.md go")
    parser.add_argument(
        "--pin", action="store_true", help="RPC servers on one CPU, the load client on another (Linux, 2+ CPUs)"
    )
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if len(cpus) < 2:
            parser.error(f"--pin needs two CPUs this process may use; it may use {len(cpus) or 'an unknown number'}")
        plan = replace(plan, pinned=(cpus[0], cpus[1]))
    if args.repeats or args.duration:
        plan = replace(plan, repeats=args.repeats or plan.repeats, duration=args.duration or plan.duration)
    if args.concurrency:
        plan = replace(plan, concurrency=tuple(int(level) for level in args.concurrency.split(",")))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # The options this run was given that change what it measures, as a command that repeats it.
    shown = [flag for flag, given in (("--smoke", plan.smoke), ("--pin", plan.pinned is not None)) if given]
    shown += [f"--{name} {value}" for name, value in (("repeats", args.repeats), ("duration", args.duration)) if value]
    shown += [f"--concurrency {args.concurrency}"] if args.concurrency else []

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench" + (f" ARGS={shlex.quote(' '.join(shown))}" if shown else ""),
        "machine": machine(),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "smoke": plan.smoke,
        "repeats": plan.repeats,
        "duration_s": plan.duration,
        "warmup_s": plan.warmup,
        "concurrency": list(plan.concurrency),
        "pinned": None if plan.pinned is None else {"servers": plan.pinned[0], "client": plan.pinned[1]},
        "emulator_command": "python -m emulator serve --port 0 --ready-file F",
        "emulator_logging": "INFO: a log line per call that did not succeed, on stderr, written to a file; none here",
        "load_average_at_start": list(os.getloadavg()),
    }
    results: dict[str, Any] = {"meta": meta}
    with tempfile.TemporaryDirectory(prefix="emulator-bench-") as scratch:
        workdir = Path(scratch)
        log("start-up: in process")
        startup = {"in_process": measure_in_process(plan), "reset": measure_reset(plan)}
        log("start-up: CLI cold start beside a bare server process")
        startup["cold_start"] = measure_cold_start(plan, workdir)
        results["startup"] = startup
        log("memory: per key and under churn (fresh processes)")
        results["memory"] = measure_memory(plan)
        log("RPC throughput and latency")
        results["rpc"] = measure_rpcs(plan, workdir, log)
        log(f"the pytest plugin's cost: {plan.plugin_tests} generated tests against one test")
        results["plugin"] = measure_plugin(plan)
    meta["load_average_at_end"] = list(os.getloadavg())
    results["targets"] = judge(results)
    table = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "latest.md").write_text(table)
    print(table)
    log(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
