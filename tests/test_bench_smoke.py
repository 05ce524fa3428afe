"""The benchmark script keeps working: a tiny smoke run exits 0 and writes its JSON and Markdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_writes_well_formed_results(tmp_path: Path) -> None:
    """``python -m benchmarks.run --smoke --pin --repeats 2`` exits 0 and writes every section; no figure is judged."""
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--pin", "--repeats", "2", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a speed test: a loaded machine runs it far slower
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    assert set(results) == {"meta", "rpc", "startup", "memory", "plugin", "targets"}
    assert {"tests", "one_test_s", "generated_tests_s", "ratio"} <= set(results["plugin"])
    assert results["meta"]["smoke"] is True
    first, second = sorted(os.sched_getaffinity(0))[:2]
    assert results["meta"]["pinned"] == {"servers": first, "client": second}
    assert results["meta"]["command"] == "make bench ARGS='--smoke --pin --repeats 2'"
    assert results["meta"]["repeats"] == 2
    rows = {(row["server"], row["rpc"]) for row in results["rpc"]}
    for rpc in ("GenerateDisposableToken", "GenerateApiToken", "RefreshApiToken", "Get", "Set", "DictionarySet"):
        assert ("emulator", rpc) in rows
    assert ("bare grpc.aio echo", "Echo") in rows
    assert ("bare stand-in Get (headers, decode, 1 KiB answer)", "Get (stand-in)") in rows  # answered, no errors
    for row in results["rpc"]:
        assert row["errors"] == 0
        assert set(row["calls_per_s"]) == {"median", "min", "max"}
        assert {"p50_ms", "p99_ms", "ratio", "concurrency", "server_cpu_us_per_call"} <= set(row)
    assert set(results["startup"]) == {"in_process", "reset", "cold_start"}
    assert {"total_ms", "start_ms", "first_rpc_ms", "stop_ms"} <= set(results["startup"]["in_process"])
    assert {"cli_ms", "bare_ms", "ratio"} <= set(results["startup"]["cold_start"])
    assert {"bytes_per_key", "keys"} <= set(results["memory"]["per_key"])
    assert {"rss_mb", "live_keys", "growth_after_settled_pct"} <= set(results["memory"]["churn"])
    assert {"bytes_per_item", "items"} <= set(results["memory"]["per_item"])
    assert {"rss_mb", "live_items", "growth_after_settled_pct"} <= set(results["memory"]["item_churn"])
    assert {target["name"] for target in results["targets"]} >= {
        "reset_ms",
        "bytes_per_live_key",
        "bytes_per_item",
        "item_churn_flat",
    }
    assert all(isinstance(target["met"], bool) for target in results["targets"])
    table = (tmp_path / "latest.md").read_text()
    assert "| server | RPC |" in table
    assert f"Servers kept to CPU {first} and the client to CPU {second} (`--pin`)." in table


def test_pinned_servers_and_load_client_keep_to_their_cpus(tmp_path: Path) -> None:
    """What ``--pin`` asks for is what the processes get: each server and the load client on its one CPU,
    with every thread, also those grpc started after the process was pinned. The load client starts
    after a server has answered a health check, so this process has grpc's threads when it starts it."""
    first, second = sorted(os.sched_getaffinity(0))[:2]
    script = f"""
        import os, subprocess
        from pathlib import Path
        from benchmarks.run import LoadClient, running
        def cpus(pid):  # of all its threads
            return sorted(set().union(*(os.sched_getaffinity(int(t)) for t in os.listdir(f"/proc/{{pid}}/task"))))
        with running("bare", Path({str(tmp_path)!r}), subprocess.DEVNULL, (), {first}) as served:
            assert len(os.listdir(f"/proc/{{served.process.pid}}/task")) > 1  # grpc's threads have started
            print(cpus(served.process.pid))
            client = LoadClient({second})
            print(cpus(client.pid))
            client.close()
        with running("bare", Path({str(tmp_path)!r}), subprocess.DEVNULL) as served:  # not pinned: anywhere
            print(cpus(served.process.pid))
    """
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.splitlines() == [str([first]), str([second]), str(sorted(os.sched_getaffinity(0)))]


def test_pin_is_refused_with_one_cpu() -> None:
    """A process allowed one CPU cannot keep servers and client apart: ``--pin`` says so and measures nothing."""
    one = min(os.sched_getaffinity(0))
    script = (
        f"import os, sys; os.sched_setaffinity(0, {{{one}}}); import benchmarks.run as b; sys.exit(b.main(['--pin']))"
    )
    finished = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert "--pin needs two CPUs this process may use; it may use 1" in finished.stderr
