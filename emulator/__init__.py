"""momento-auth-emulator: a local emulator of Momento's Auth gRPC service.

The public API is small: run an emulator (:class:`EmulatorServer` on your event loop,
:class:`ThreadedEmulatorServer` on its own thread), control it (:class:`Control`),
read what it returns (:class:`KeyInfo`, :class:`FaultRule`, :class:`JournalEntry`, ...),
configure it (:class:`Settings`), and point the Momento SDKs at it
(:func:`credential_provider`, :func:`node_settings`).

Names are imported on first use: the pytest plugin lives in this package and is loaded by
every pytest run in the environment, so importing the package must not pull in gRPC.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.control import Bootstrap, Control, ControlError, local_control, remote_control
    from emulator.core.clock import ClockMode
    from emulator.core.config import Settings
    from emulator.results import (
        AuthorizationDecision,
        CacheInfo,
        ClockState,
        FaultRule,
        ItemEntry,
        ItemInfo,
        JournalEntry,
        KeyInfo,
    )
    from emulator.sdk import credential_provider, node_settings
    from emulator.server import EmulatorServer, ThreadedEmulatorServer

_HOMES = {
    "AuthorizationDecision": "emulator.results",
    "Bootstrap": "emulator.results",
    "CacheInfo": "emulator.results",
    "ClockMode": "emulator.core.clock",
    "ClockState": "emulator.results",
    "Control": "emulator.control",
    "ControlError": "emulator.results",
    "FaultRule": "emulator.results",
    "ItemEntry": "emulator.results",
    "ItemInfo": "emulator.results",
    "JournalEntry": "emulator.results",
    "KeyInfo": "emulator.results",
    "EmulatorServer": "emulator.server",
    "Settings": "emulator.core.config",
    "ThreadedEmulatorServer": "emulator.server",
    "credential_provider": "emulator.sdk",
    "local_control": "emulator.control",
    "node_settings": "emulator.sdk",
    "remote_control": "emulator.control",
}

__all__ = [
    "AuthorizationDecision",
    "Bootstrap",
    "CacheInfo",
    "ClockMode",
    "ClockState",
    "Control",
    "ControlError",
    "FaultRule",
    "ItemEntry",
    "ItemInfo",
    "JournalEntry",
    "KeyInfo",
    "EmulatorServer",
    "Settings",
    "ThreadedEmulatorServer",
    "credential_provider",
    "local_control",
    "node_settings",
    "remote_control",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
