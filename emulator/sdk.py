"""Point the Momento SDKs at an emulator: every endpoint at its ``host:port``, over plaintext.

``emulator`` is anything with a ``target`` and a ``control`` (:class:`~emulator.server.EmulatorServer`,
:class:`~emulator.server.ThreadedEmulatorServer`, the pytest fixture's handle), or a ``"host:port"``
string together with an explicit key. ``key`` is raw or in its base64 form; by default the
emulator's super-user key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core.keys import unwrap, wrap
from emulator.reachable import Reachable

if TYPE_CHECKING:
    import momento


def credential_provider(emulator: Reachable | str, key: str | None = None) -> momento.CredentialProvider:
    """A ``momento.CredentialProvider`` that sends ``key`` to the emulator (plaintext: port is not 443)."""
    try:
        from momento import CredentialProvider
    except ImportError:
        raise ImportError(
            "the momento SDK is not installed: pip install 'momento-auth-emulator[sdk]' (or momento)"
        ) from None
    target, raw = _target(emulator), unwrap(_key(emulator, key))
    host, port = _split(target)
    return CredentialProvider(
        auth_token=raw, control_endpoint=host, cache_endpoint=host, token_endpoint=host, port=port
    )


def node_settings(emulator: Reachable | str, key: str | None = None) -> dict[str, Any]:
    """The argument of the Node SDK's ``CredentialProvider.fromString`` (JSON-serialisable)."""
    target, given = _target(emulator), _key(emulator, key)
    raw = unwrap(given)
    return {
        "authToken": given if raw != given else wrap(raw, target),  # Node parses only the base64 form
        "endpointOverrides": {
            "controlEndpoint": target,
            "cacheEndpoint": target,
            "tokenEndpoint": target,
            "secureConnection": False,
        },
    }


def _target(emulator: Reachable | str) -> str:
    return emulator if isinstance(emulator, str) else emulator.target


def _key(emulator: Reachable | str, key: str | None) -> str:
    if key is not None:
        return key
    if isinstance(emulator, str):
        raise ValueError("pass key= when the emulator is given as a 'host:port' string")
    return emulator.control.bootstrap().api_key


def split_target(target: str) -> tuple[str, int]:
    """``"host:port"`` (an IPv6 host in brackets) -> ``(host, port)``."""
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{target!r} is not host:port")
    return host, int(port)


def _split(target: str) -> tuple[str, int]:
    host, port = split_target(target)
    if port == 443:
        raise ValueError("port 443 makes the Python SDK use TLS; the emulator serves plaintext")
    return host, port
