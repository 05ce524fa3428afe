"""Helpers for the robustness and security tests: raw wire calls and the request type of every method.

Request builders and START are in tests.builders; the ``serve`` subprocess harness (EmulatorProcess) is
in tests.helpers.
"""

from __future__ import annotations

from typing import Any

import grpc
from momento_wire_types import auth_pb2, token_pb2

from emulator._generated import admin_pb2

CALL_TIMEOUT = 10.0

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
