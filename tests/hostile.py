"""Helpers for the robustness and security tests: raw wire calls, valid requests, CLI processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from momento_wire_types import auth_pb2, token_pb2
from momento_wire_types import permissionmessages_pb2 as pm

from emulator._generated import admin_pb2

REPO = Path(__file__).resolve().parent.parent
START = 1893456000.0  # 2030-01-01T00:00:00Z
CALL_TIMEOUT = 10.0
PT = pm.PermissionsType

GENERATE_API_TOKEN = "/auth.Auth/GenerateApiToken"
REFRESH_API_TOKEN = "/auth.Auth/RefreshApiToken"
LOGIN = "/auth.Auth/Login"
GENERATE_DISPOSABLE_TOKEN = "/token.Token/GenerateDisposableToken"
MOMENTO_REQUESTS: dict[str, Any] = {
    GENERATE_API_TOKEN: auth_pb2._GenerateApiTokenRequest,
    REFRESH_API_TOKEN: auth_pb2._RefreshApiTokenRequest,
    LOGIN: auth_pb2._LoginRequest,
    GENERATE_DISPOSABLE_TOKEN: token_pb2._GenerateDisposableTokenRequest,
}
_ADMIN_SERVICE = admin_pb2.DESCRIPTOR.services_by_name["Admin"]
ADMIN_REQUESTS: dict[str, Any] = {
    f"/{_ADMIN_SERVICE.full_name}/{m.name}": m.input_type._concrete_class for m in _ADMIN_SERVICE.methods
}

# The statuses the emulator answers on purpose. INTERNAL and UNKNOWN mean a bug escaped.
DELIBERATE = frozenset(
    {
        grpc.StatusCode.OK,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


def raw_call(
    channel: grpc.Channel, path: str, body: bytes, *, metadata: Any = None, timeout: float = CALL_TIMEOUT
) -> tuple[grpc.StatusCode, str]:
    """Send ``body`` as is to ``path``; the status and details that came back."""
    try:
        if path == LOGIN:
            for _ in channel.unary_stream(path)(body, timeout=timeout, metadata=metadata):
                pass
        else:
            channel.unary_unary(path)(body, timeout=timeout, metadata=metadata)
    except grpc.RpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


def cache_grant(role: int = pm.CacheReadWrite, cache: str | None = None) -> Any:
    grant = PT.CachePermissions(role=role)
    if cache is None:
        grant.all_caches.SetInParent()
    else:
        grant.cache_selector.cache_name = cache
    return PT(cache_permissions=grant)


def explicit(*grants: Any) -> pm.Permissions:
    return pm.Permissions(explicit=pm.ExplicitPermissions(permissions=list(grants or (cache_grant(),))))


def api_key_request(auth_token: str, *, ttl: int | None = 3600, permissions: Any = None) -> Any:
    """A valid GenerateApiToken request but for, perhaps, its credential."""
    request = auth_pb2._GenerateApiTokenRequest(auth_token=auth_token, permissions=permissions or explicit())
    if ttl is None:
        request.never.SetInParent()
    else:
        request.expires.valid_for_seconds = ttl
    return request


def disposable_request(auth_token: str, *, ttl: int = 600) -> Any:
    """A valid GenerateDisposableToken request but for, perhaps, its credential."""
    return token_pb2._GenerateDisposableTokenRequest(
        auth_token=auth_token,
        permissions=explicit(),
        expires=token_pb2._GenerateDisposableTokenRequest.Expires(valid_for_seconds=ttl),
    )


def refresh_request(api_key: str, refresh_token: str) -> Any:
    return auth_pb2._RefreshApiTokenRequest(api_key=api_key, refresh_token=refresh_token)


@dataclass
class CliProcess:
    """``python -m emulator serve`` in a subprocess, with its ready file and captured output."""

    tmp: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    name: str = "emulator"
    process: subprocess.Popen[bytes] | None = None
    ready: dict[str, Any] = field(default_factory=dict)

    @property
    def ready_file(self) -> Path:
        return self.tmp / f"{self.name}.ready.json"

    def start(self, timeout: float = 30.0) -> CliProcess:
        self.ready_file.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOMENTO_EMULATOR_")} | self.env
        command = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--ready-file", str(self.ready_file)]
        # The child gets its own copies of the descriptors; ours close when Popen returns.
        with open(self.tmp / f"{self.name}.stdout", "wb") as out, open(self.tmp / f"{self.name}.stderr", "wb") as err:
            self.process = subprocess.Popen([*command, *self.args], cwd=REPO, env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while not self.ready_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited with {self.process.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"the emulator did not become ready within {timeout} s")
            time.sleep(0.02)
        self.ready = json.loads(self.ready_file.read_text())
        return self

    @property
    def target(self) -> str:
        return str(self.ready["target"])

    def terminate(self, timeout: float) -> tuple[int, float]:
        """SIGTERM, then wait at most ``timeout`` s: (exit code, seconds it took)."""
        assert self.process is not None
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return code, time.monotonic() - sent

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stdout(self) -> str:
        return (self.tmp / f"{self.name}.stdout").read_text(errors="replace")

    def stderr(self) -> str:
        return (self.tmp / f"{self.name}.stderr").read_text(errors="replace")

    def __enter__(self) -> CliProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
