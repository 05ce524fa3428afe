"""momento-auth-emulator: a local emulator of Momento's Auth gRPC service.

The public API is small: run an emulator (:class:`EmulatorServer` on your event loop,
:class:`ThreadedEmulatorServer` on its own thread), control it (:class:`Control`), and
configure it (:class:`Settings`).
"""

from emulator.control import Bootstrap, Control, ControlError, local_control, remote_control
from emulator.core.clock import ClockMode
from emulator.core.config import Settings
from emulator.server import EmulatorServer, ThreadedEmulatorServer

__all__ = [
    "Bootstrap",
    "ClockMode",
    "Control",
    "ControlError",
    "EmulatorServer",
    "Settings",
    "ThreadedEmulatorServer",
    "local_control",
    "remote_control",
]
