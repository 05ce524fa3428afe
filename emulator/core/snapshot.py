"""State export and import as a versioned JSON document.

The document holds everything needed to answer identically after a restart: the clock,
the signing secret, the bootstrap credentials, every held credential with its refresh
token and revocation, and the fault rules. The journal is not included.
"""

from __future__ import annotations

import base64
from typing import Any

from emulator.core.clock import Clock, ClockMode, parse_instant, to_iso
from emulator.core.config import Settings
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import EmulatorError, InvalidArgument
from emulator.core.faults import rule_from_json
from emulator.core.permissions import from_json, to_json
from emulator.core.state import State

FORMAT = "momento-auth-emulator/state"
VERSION = 1


def export_state(state: State) -> dict[str, Any]:
    clock = state.clock
    return {
        "format": FORMAT,
        "version": VERSION,
        "clock": {"mode": clock.mode.value, "now": to_iso(clock.now())},
        "secret": base64.b64encode(state.codec.secret).decode("ascii"),
        "session_token": state.session_token,
        "super_user_key": state.super_user_key,
        "static_keys": state.static_keys(),
        "credentials": [_credential_to_json(c) for c in state.credentials()],
        "faults": [rule.to_json() for rule in state.faults.rules()],
    }


def import_state(document: object, settings: Settings) -> State:
    """Build a new state from ``document``; raise ``InvalidArgument`` naming the bad field."""
    if not isinstance(document, dict):
        raise InvalidArgument("document: must be a JSON object")
    if document.get("format") != FORMAT:
        raise InvalidArgument(f"format: expected {FORMAT!r}")
    if document.get("version") != VERSION:
        raise InvalidArgument(f"version: {document.get('version')!r} is not supported (expected {VERSION})")
    field = "clock"
    try:
        clock_doc = document["clock"]
        clock = Clock(ClockMode(clock_doc["mode"]), parse_instant(clock_doc["now"], "clock.now"))
        field = "secret"
        secret = base64.b64decode(document["secret"], validate=True)
        state = State(settings, secret=secret, clock=clock)
        field = "session_token"
        state.session_token = _text(document["session_token"])
        field = "super_user_key"
        state.super_user_key = _text(document["super_user_key"])
        for value, key_id in document.get("static_keys", {}).items():
            state.add_static(_text(value), _text(key_id))
        for index, item in enumerate(document["credentials"]):
            field = f"credentials[{index}]"
            state.add(_credential_from_json(item))
        for index, item in enumerate(document.get("faults", [])):
            field = f"faults[{index}]"
            state.faults.add(rule_from_json(item))
    except EmulatorError as error:
        raise InvalidArgument(f"{field}: {error.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidArgument(f"{field}: malformed ({error!r})") from None
    return state


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _credential_to_json(c: Credential) -> dict[str, Any]:
    return {
        "key_id": c.key_id, "kind": c.kind.value, "permissions": to_json(c.permissions),
        "issued_at": c.issued_at, "valid_until": c.valid_until, "valid_for": c.valid_for,
        "token_id": c.token_id, "description": c.description, "refresh_token": c.refresh_token,
        "issued_by": c.issued_by, "revoked_at": c.revoked_at,
    }  # fmt: skip


def _credential_from_json(item: dict[str, Any]) -> Credential:
    def optional_number(name: str) -> Any:
        value = item.get(name)
        if value is not None and not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number or null")
        return value

    refresh = item.get("refresh_token")
    return Credential(
        key_id=_text(item["key_id"]),
        kind=Kind(item["kind"]),
        permissions=from_json(item["permissions"]),
        issued_at=float(item["issued_at"]),
        valid_until=optional_number("valid_until"),
        valid_for=optional_number("valid_for"),
        token_id=_text(item.get("token_id", "")),
        description=_text(item.get("description", "")),
        refresh_token=None if refresh is None else _text(refresh),
        issued_by=_text(item.get("issued_by", "")),
        revoked_at=optional_number("revoked_at"),
    )
