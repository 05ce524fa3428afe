"""Shared test helpers: minting over raw stubs, SDK credentials, and emulator subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from momento import AuthClient, CredentialProvider
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.utilities import ExpiresIn
from momento_wire_types import auth_pb2_grpc, token_pb2_grpc

from emulator import ThreadedEmulatorServer
from emulator.core.keys import unwrap
from tests.builders import SUPER_USER, api_key_request, disposable_request

REPO = Path(__file__).resolve().parent.parent
# How long a subprocess may take to start or finish before it counts as hung: a guard, not a speed
# target (under `make coverage` on a loaded 2-core host an emulator took over 20 s to start).
DEADLINE_SECONDS = 60.0

# The conftest fixture ``make_server``: starts a ThreadedEmulatorServer from Settings keywords.
Factory = Callable[..., ThreadedEmulatorServer]


def with_caches(server: ThreadedEmulatorServer, *names: str) -> ThreadedEmulatorServer:
    """``server``, once its emulator holds the caches ``names``."""
    for name in names:
        server.emulator.state.caches.create(name)
    return server


def mint_disposable(
    stub: token_pb2_grpc.TokenStub, auth_token: str, *grants: Any, ttl: int = 60, token_id: str = ""
) -> Any:
    """A disposable token (read-write on every cache unless ``grants``), minted over the wire."""
    return stub.GenerateDisposableToken(disposable_request(auth_token, *grants, ttl=ttl, token_id=token_id), timeout=10)


def mint_api_key(
    stub: auth_pb2_grpc.AuthStub,
    auth_token: str,
    *,
    ttl: int | None = None,
    token_id: str = "",
    permissions: Any = None,
) -> Any:
    """A v1 API key (super-user unless ``permissions``); ``ttl=None`` never expires."""
    request = api_key_request(
        auth_token, ttl=ttl, token_id=token_id, permissions=permissions if permissions is not None else SUPER_USER
    )
    return stub.GenerateApiToken(request, timeout=10)


def sdk_credentials(key: str, port: int) -> CredentialProvider:
    """A Momento SDK credential provider for ``key`` (raw or base64 form) aimed at 127.0.0.1:``port``."""
    return CredentialProvider(
        auth_token=unwrap(key),
        control_endpoint="127.0.0.1",
        cache_endpoint="127.0.0.1",
        token_endpoint="127.0.0.1",
        port=port,
    )


def sdk_mint(key: str, port: int, minutes: int = 5) -> Any:
    """GenerateDisposableToken through the Python SDK; a Success or an Error response."""
    with AuthClient(AuthConfigurations.Laptop.latest(), sdk_credentials(key, port)) as client:
        return client.generate_disposable_token(DisposableTokenScopes.cache_read_write("c"), ExpiresIn.minutes(minutes))


# --- subprocesses -------------------------------------------------------------------------

Completed = subprocess.CompletedProcess[str]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any MOMENTO_EMULATOR_* variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOMENTO_EMULATOR_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = DEADLINE_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m emulator ARGS`` to completion (bounded by ``timeout``)."""
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=REPO,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class EmulatorProcess:
    """``python -m emulator serve ARGS`` in the background; its output goes to files in ``workdir``.

    Nothing is added to ``ARGS`` but ``--ready-file`` (when ``ready_file`` is not given), so pass
    ``--port 0`` unless the test means otherwise. As a context manager it waits until ready and
    kills the process on the way out.
    """

    def __init__(
        self,
        workdir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        name: str = "emulator",
        ready_file: Path | None = None,
    ) -> None:
        """``ready_file``: where the emulator was told (by ``args`` or ``env``) to write; else one is added."""
        self.ready_file = ready_file or workdir / f"{name}.ready.json"
        self.stdout_path = workdir / f"{name}.out"
        self.stderr_path = workdir / f"{name}.err"
        command = [sys.executable, "-m", "emulator", "serve", *args]
        if ready_file is None:
            self.ready_file.unlink(missing_ok=True)  # ours alone: a leftover must not pass for this run's
            command += ["--ready-file", str(self.ready_file)]
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(command, cwd=REPO, env=env or clean_env(), stdout=out, stderr=err)
        self.ready: dict[str, Any] = {}

    @property
    def target(self) -> str:
        return str(self.ready["target"])

    @property
    def port(self) -> int:
        return int(self.ready["port"])

    def wait_ready(self, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
        """Poll the ready file until it holds JSON; fail if the process exits or (killing it) the deadline passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_file.exists():
                self.ready = json.loads(self.ready_file.read_text())
                return self.ready
            if self.process.poll() is not None:
                raise AssertionError(f"the emulator exited with {self.process.returncode}: {self.stderr()}")
            time.sleep(0.02)
        self.kill()
        raise AssertionError(f"the emulator was not ready within {timeout} s: {self.stderr()}")

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait (bounded) for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def __enter__(self) -> EmulatorProcess:
        try:
            self.wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


Spawn = Callable[..., EmulatorProcess]  # the ``spawn`` fixture: serve ARGS on 127.0.0.1, killed after the test


def status_of(call: Callable[[], object]) -> tuple[grpc.StatusCode, str]:
    """The status code and details of the gRPC error that ``call`` must raise."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error: Any = raised.value
    return error.code(), error.details()
