"""The one table from domain errors to gRPC status codes."""

from __future__ import annotations

import grpc

from emulator.core import errors

# Most specific first; the first matching row wins.
STATUS_TABLE: tuple[tuple[type[errors.EmulatorError], grpc.StatusCode], ...] = (
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
)


def status_of(error: errors.EmulatorError) -> grpc.StatusCode:
    for kind, code in STATUS_TABLE:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


def code_named(name: str) -> grpc.StatusCode:
    return grpc.StatusCode[name]
