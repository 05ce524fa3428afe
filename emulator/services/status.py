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
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unimplemented, grpc.StatusCode.UNIMPLEMENTED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
)


def status_of(error: errors.EmulatorError) -> grpc.StatusCode:
    for kind, code in STATUS_TABLE:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


def trailers_of(error: errors.EmulatorError) -> tuple[tuple[str, str], ...]:
    """Trailing metadata an error travels with: the SDKs read ``err`` to tell one limit from another."""
    if isinstance(error, errors.LimitExceeded):
        return (("err", error.limit),)
    return ()


def code_named(name: str) -> grpc.StatusCode:
    return grpc.StatusCode[name]


# The status names a fault rule may answer with (OK means "delay only, then serve normally").
STATUS_NAMES = tuple(code.name for code in grpc.StatusCode)
