"""What every client subcommand prints, pinned byte for byte (``--json`` and text) in tests/golden/.

The transcript runs the CLI's ``main`` against a seeded emulator with a fixed start and endpoint,
so keys, ids and instants repeat; only wall-clock stamps and latencies are masked. To pin a
deliberate change of output, regenerate the file from the repository root and review its diff:
``PYTHONPATH=. .venv/bin/python tests/test_cli_output.py "$(mktemp -d)" > tests/golden/cli-output.txt``
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import grpc
import pytest
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import Settings, ThreadedEmulatorServer
from emulator.cli import main
from emulator.core.collections import CollectionTtl
from tests.builders import START, cache_grant
from tests.helpers import mint_api_key, mint_disposable

GOLDEN = Path(__file__).parent / "golden" / "cli-output.txt"
API_KEY_ID = "37484716bf15df53"  # the bootstrap API key's id under seed "pin"


def run(target: str, *args: str, json_output: bool = True) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main([*args, "--target", target, *(["--json"] if json_output else [])])
    return f"$ {' '.join(args)}{' --json' if json_output else ''}  (exit {code})\n{out.getvalue()}"


def mint(target: str, api_key: str) -> str:
    """A disposable token, read-write on cache ``c``, for 10 minutes, with a token id."""
    with grpc.insecure_channel(target) as channel:
        stub = token_pb2_grpc.TokenStub(channel)
        return str(mint_disposable(stub, api_key, cache_grant(cache="c"), ttl=600, token_id="pin-1").api_key)


def calls(target: str, session_token: str, api_key: str) -> str:
    """A refreshable API key, then a call failed by an injected fault: both show in keys and journal."""
    with grpc.insecure_channel(target) as channel:
        mint_api_key(auth_pb2_grpc.AuthStub(channel), session_token, ttl=3600, token_id="pin-2")
        with pytest.raises(grpc.RpcError):
            mint_disposable(token_pb2_grpc.TokenStub(channel), api_key)
    return mint(target, api_key)


def app_writes(server: ThreadedEmulatorServer) -> None:
    """One item of each type in cache ``shop``, as an app would write them (through the core: no journal)."""
    assert server.emulator is not None
    state, ttl = server.emulator.state, CollectionTtl(60_000)
    state.caches.create("shop")
    state.items.set("shop", b"greeting", b"hello", 60_000)
    state.collections.dictionary_set("shop", b"profile", [(b"name", b"Ada"), (b"bio", b"b" * 40)], ttl)
    state.collections.list_concatenate_back("shop", b"queue", [b"job-%d" % n for n in range(1, 13)], ttl)
    state.collections.set_union("shop", b"tags", [b"new", b'say "hi"\n'], ttl)
    state.collections.sorted_set_put("shop", b"board", [(b"bo", 7.5), (b"al", 3.0), (b"\xff", 9.0)], ttl)
    server.control.advance(15)


def transcript(workdir: Path) -> str:
    settings = Settings(seed="pin", start_time=START, endpoint="emulator.example:443")
    with ThreadedEmulatorServer(settings, host="127.0.0.1", port=0) as server:
        target = server.target
        boot = server.bootstrap
        server.control.add_fault("GenerateDisposableToken", count=1, message="injected")
        token = calls(target, boot.raw_session_token, boot.raw_api_key)
        server.control.advance(30)
        commands: list[tuple[str, ...]] = [
            ("clock", "get"),
            ("keys", "list"),
            ("keys", "describe", token),
            ("authorize", "--key", token, "--action", "get", "--cache", "c", "--item", "k"),
            ("authorize", "--key", token, "--action", "set", "--cache", "other"),
            ("faults", "add", "--method", "GenerateDisposableToken", "--count", "2", "--message", "down"),
            ("faults", "add", "--code", "OK", "--delay", "0.25", "--key-id", API_KEY_ID, "--token-id", "t1"),
            ("faults", "list"),
            ("faults", "clear", "f1"),
            ("journal",),
            ("journal", "--method", "GenerateDisposableToken", "--limit", "1"),
            ("clock", "advance", "90"),
            ("clock", "set", "2030-01-01T12:00:00.5Z"),
            ("clock", "mode", "manual"),
            ("keys", "list", "--all"),
            ("keys", "revoke", token),
            ("keys", "list", "--all"),
            ("bootstrap",),
            ("export", str(workdir / "state.json")),
            ("import", str(workdir / "state.json")),
            ("faults", "clear"),
            ("faults", "list"),
            ("journal", "--clear"),
            ("journal",),
        ]
        item_commands: list[tuple[str, ...]] = [
            ("caches", "create", "empty"),
            ("caches", "list"),
            ("items", "list", "shop"),
            ("items", "get", "shop", "queue"),
            ("items", "get", "shop", "greeting"),
            ("items", "get", "shop", "gone"),
            ("caches", "delete", "empty"),
            ("reset",),
        ]
        parts = []
        for args in commands:
            for as_json in (True, False):
                parts.append(run(target, *args, json_output=as_json))
        app_writes(server)
        for args in item_commands:
            for as_json in (True, False):
                parts.append(run(target, *args, json_output=as_json))
    text = "".join(parts).replace(str(workdir), "<tmp>").replace(target, "<target>")
    text = re.sub(r'("wall_time": |wall_time=)"?[0-9T:.-]+Z"?', r"\1<wall>", text)
    return re.sub(r'("latency_ms": |latency_ms=)[0-9.e-]+', r"\1<ms>", text)


def test_every_client_subcommand_prints_exactly_the_pinned_output(tmp_path: Path) -> None:
    assert transcript(tmp_path) == GOLDEN.read_text()


if __name__ == "__main__":  # print the transcript, to pin a deliberate change of output
    sys.stdout.write(transcript(Path(sys.argv[1])))
