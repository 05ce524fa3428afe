"""The command line's caches and items: what an app wrote, seen by a person or a test; kept across a restart."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from momento import CacheClient, Configurations

from emulator.sdk import credential_provider
from tests.builders import START_ISO
from tests.helpers import EmulatorProcess, run_cli


def cli(target: str, *args: str, ok: bool = True) -> Any:
    done = run_cli(*args, "--target", target, "--json")
    assert (done.returncode == 0) is ok, done.stderr
    return json.loads(done.stdout) if ok else done.stderr


def app_writes(target: str, key: str) -> None:
    """What an app does: write two items through the SDK with the super-user key."""
    with CacheClient(Configurations.Laptop.latest(), credential_provider(target, key), timedelta(seconds=60)) as app:
        app.set("orders", "order-42", "shipped")
        app.set("orders", b"\xffbinary", b"\x00\x01", ttl=timedelta(seconds=30))


def test_caches_and_items_through_the_cli_and_a_restart_with_a_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with EmulatorProcess(tmp_path, "--port", "0", "--start-time", START_ISO, "--state-file", str(state_file)) as first:
        target = first.target
        assert cli(target, "caches", "create", "orders") == {"name": "orders", "items": 0}
        assert "ALREADY_EXISTS" in cli(target, "caches", "create", "orders", ok=False)
        app_writes(target, first.ready["api_key"])
        assert cli(target, "caches", "list") == [{"name": "orders", "items": 2}]
        listed = cli(target, "items", "list", "orders")
        assert [(i["key"], i["size"], i["remaining_ttl_ms"]) for i in listed] == [
            ("order-42", 7, 60_000),
            ("\\xffbinary", 2, 30_000),
        ]
        assert "value" not in listed[0]
        got = cli(target, "items", "get", "orders", "order-42")
        assert (got["value"], got["type"], got["expires_at"]) == ("shipped", "scalar", "2030-01-01T00:01:00Z")
        assert first.terminate() == 0

    with EmulatorProcess(tmp_path, "--port", "0", "--state-file", str(state_file), name="second") as second:
        assert cli(second.target, "items", "get", "orders", "order-42")["value"] == "shipped"
        cli(second.target, "clock", "advance", "30s")
        assert [i["key"] for i in cli(second.target, "items", "list", "orders")] == ["order-42"]
        assert "NOT_FOUND" in cli(second.target, "items", "get", "orders", "gone", ok=False)
        assert cli(second.target, "caches", "delete", "orders") == {"name": "orders", "items": 1}
        assert cli(second.target, "caches", "list") == []
