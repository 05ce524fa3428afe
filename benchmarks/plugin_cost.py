"""The pytest plugin's own cost: N generated tests against the same SDK calls made N times in one test.

Each generated test asks for the fixtures (``momento_emulator``, reset before it, and the ready
``momento_cache_client``), creates a cache, mints a read-only disposable token through the SDK,
builds a client for it and does a get. The single test does the same calls N times. The ratio of
the two pytest runs' wall times is the plugin's cost per test; prints one JSON document.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HEADER = """
from momento import AuthClient
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import CacheGet
from momento.utilities import ExpiresIn


def mint_and_get(emulator, cache_client, name):
    cache_client.create_cache(name)
    with AuthClient(AuthConfigurations.Laptop.latest(), emulator.credential_provider()) as auth:
        token = auth.generate_disposable_token(DisposableTokenScopes.cache_read_only(name), ExpiresIn.minutes(5))
    with emulator.cache_client(token.auth_token) as reader:
        assert isinstance(reader.get(name, "k"), CacheGet.Miss)
"""


def generated(count: int) -> str:
    body = "    mint_and_get(momento_emulator, momento_cache_client, 'c')\n"
    tests = [f"def test_{i}(momento_emulator, momento_cache_client):\n{body}" for i in range(count)]
    return HEADER + "\n\n" + "\n\n".join(tests)


def single(count: int) -> str:
    return (
        HEADER
        + f"""

def test_all(momento_emulator, momento_cache_client):
    for _ in range({count}):  # the same calls: after the first, CreateCache answers "already exists"
        mint_and_get(momento_emulator, momento_cache_client, "c")
"""
    )


def run(source: str, workdir: Path, name: str) -> float:
    path = workdir / f"test_{name}.py"
    path.write_text(source)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(path)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"the {name} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def measure(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        (workdir / "pytest.ini").write_text("[pytest]\n")  # keep the repository's configuration out
        one = run(single(count), workdir, "single")
        many = run(generated(count), workdir, "generated")
    return {"tests": count, "one_test_s": one, "generated_tests_s": many, "ratio": many / one}


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
