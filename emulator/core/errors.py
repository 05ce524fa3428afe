"""Domain errors: what went wrong, in the emulator's own words.

The hierarchy::

    EmulatorError                 base; never raised itself
    ├── InvalidArgument           the request is malformed or breaks a rule
    ├── Unauthenticated           no, bad, forged, revoked or expired credential
    ├── PermissionDenied          a valid credential that may not do this
    ├── NotFound                  a cache, or something an admin call named, does not exist
    ├── AlreadyExists             a cache of that name exists already
    ├── FailedPrecondition        the item is not in a state the operation needs (Increment on text)
    ├── LimitExceeded             a configured limit (item size, TTL, caches, subscriptions); carries its name
    ├── Unimplemented             an RPC the emulator does not serve
    └── Unavailable               try again: e.g. a subscription whose state a reset or import replaced

The service layer maps each kind to one gRPC status in a single table
(``emulator/services/status.py``); nothing in the core knows about gRPC.
"""

from __future__ import annotations


class EmulatorError(Exception):
    """An expected failure with a message safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(EmulatorError):
    """The request is malformed or breaks a rule: ``field`` names what, ``problem`` says why.

    ``message`` is ``"field: problem"``, as callers see it; code that needs either part reads the
    attribute, never the message.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class Unauthenticated(EmulatorError):
    """The credential is missing, malformed, forged, revoked or expired."""


class PermissionDenied(EmulatorError):
    """The credential is valid but does not allow the operation."""

    def __init__(self, message: str) -> None:
        # Momento's own tests match on this phrase.
        super().__init__(f"Insufficient permissions: {message}")


class NotFound(EmulatorError):
    """A cache, or something an admin call named, that the emulator does not hold."""


class AlreadyExists(EmulatorError):
    """A create named something that exists already."""


class FailedPrecondition(EmulatorError):
    """The item is not in a state the operation needs, e.g. Increment on a value that is not an integer."""


class LimitExceeded(EmulatorError):
    """A configured limit was reached. ``limit`` names it the way Momento's ``err`` trailer does."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class Unimplemented(EmulatorError):
    """An RPC the emulator does not serve; the message names it."""


class Unavailable(EmulatorError):
    """The call could not go on, but the same call made again may work."""
