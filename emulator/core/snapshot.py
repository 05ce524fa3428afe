"""State export and import as a versioned JSON document.

The document holds everything needed to answer identically after a restart: the clock,
the signing secret, the bootstrap credentials, every held credential with its refresh
token and revocation, the caches with their live items, and the fault rules. The journal
is not included.

Versions: 2 added ``caches``. A version 1 document (written before the data plane) still
imports, with no caches; any other version is refused, naming the versions this build reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from typing import Any

from emulator.core.caches import Item, ItemType
from emulator.core.clock import MAX_INSTANT, Clock, parse_instant, to_iso
from emulator.core.collections import COLLECTION_TYPES, collection_of
from emulator.core.config import Settings
from emulator.core.credentials import Credential, Kind
from emulator.core.errors import EmulatorError, InvalidArgument
from emulator.core.faults import Catalog, rule_from_json
from emulator.core.permissions import from_json, to_json, validate
from emulator.core.state import State
from emulator.core.values import clock_mode, whole_number

FORMAT = "momento-auth-emulator/state"
VERSION = 2
READABLE_VERSIONS = (1, 2)


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
        "caches": [
            {"name": name, "items": [_item_to_json(key, item) for key, item in state.items.listing(name)]}
            for name in state.caches.names()
        ],
        "faults": [rule.to_json() for rule in state.faults.rules()],
    }


def import_state(document: object, settings: Settings, catalog: Catalog) -> State:
    """Build a new state from ``document`` (its fault rules checked against ``catalog``);
    raise ``InvalidArgument`` naming the bad field."""
    if not isinstance(document, dict):
        raise InvalidArgument("document", "must be a JSON object")
    if document.get("format") != FORMAT:
        raise InvalidArgument("format", f"{document.get('format')!r} is not {FORMAT!r}")
    if type(document.get("version")) is not int or document["version"] not in READABLE_VERSIONS:
        readable = " or ".join(map(str, READABLE_VERSIONS))
        raise InvalidArgument("version", f"{document.get('version')!r} is not supported (expected {readable})")
    field = "clock"
    try:
        clock_doc = _object(document["clock"])
        field = "clock.mode"
        mode = clock_mode(clock_doc["mode"], "clock.mode")
        field = "clock.now"
        clock = Clock(mode, parse_instant(_text(clock_doc["now"]), "clock.now"))
        field = "secret"
        secret = base64.b64decode(_text(document["secret"]), validate=True)
        if len(secret) < 16:
            raise ValueError("a signing secret of at least 16 bytes is required")
        state = State(_import_settings(settings, document), secret=secret, clock=clock)
        field = "credentials"
        for index, item in enumerate(_list(document["credentials"])):
            field = f"credentials[{index}]"
            state.add(_credential_from_json(_object(item)))
        field = "static_keys"
        for value, key_id in _object(document.get("static_keys", {})).items():
            state.add_static(value, _text(key_id))
            state.find(key_id)
        for name in ("session_token", "super_user_key"):
            field = name
            setattr(state, name, _text(document[name]))
            state.find(getattr(state, name))
        for index, cache_doc in enumerate(_list(document.get("caches", []))):
            field = f"caches[{index}]"
            cache_doc = _object(cache_doc)
            cache = state.caches.create(_text(cache_doc["name"]))
            for position, item in enumerate(_list(cache_doc["items"])):
                field = f"caches[{index}].items[{position}]"
                cache.put(*_item_from_json(_object(item)), 0)
        field = "faults"
        for index, item in enumerate(_list(document.get("faults", []))):
            field = f"faults[{index}]"
            state.faults.add(rule_from_json(_object(item), catalog))
    except InvalidArgument as error:  # already about this field (clock.now), or about a field inside it
        raise (error if error.field.startswith(field) else InvalidArgument(field, error.message)) from None
    except EmulatorError as error:
        raise InvalidArgument(field, error.message) from None
    except KeyError as error:
        raise InvalidArgument(field, f"missing {error.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError, OverflowError) as error:
        raise InvalidArgument(field, str(error)) from None
    return state


def _import_settings(settings: Settings, document: dict[str, Any]) -> Settings:
    """A seeded emulator restarts its random stream from a seed derived from the document,
    so keys minted after an import never reuse the key ids of imported credentials."""
    if settings.seed is None:
        return settings
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return replace(settings, seed=f"{settings.seed}/import/{digest}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _number(item: dict[str, Any], name: str, *, optional: bool = True) -> Any:
    value = item.get(name) if optional else item[name]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= _LATEST[name]:
        raise ValueError(f"{name}: expected a number from 0 to {_LATEST[name]}{' or null' if optional else ''}")
    return value


# Bounds that keep every imported instant printable (year 9999) and every refresh in range.
_LATEST = {"issued_at": MAX_INSTANT, "revoked_at": MAX_INSTANT, "valid_until": MAX_INSTANT + 2**32, "valid_for": 2**32}


def _item_to_json(key: bytes, item: Item) -> dict[str, Any]:
    value = item.value
    data = _b64(value) if isinstance(value, bytes) else collection_of(value).to_json()
    return {"key": _b64(key), "type": item.item_type.value, "value": data, "expires_ms": item.expires_ms}


def _item_from_json(item: dict[str, Any]) -> tuple[bytes, Item]:
    kind = item.get("type", ItemType.SCALAR.value)
    collection = COLLECTION_TYPES.get(kind) if isinstance(kind, str) else None
    if kind != ItemType.SCALAR.value and collection is None:
        raise ValueError(f"type: {kind!r} is not an item type this build reads")
    expires_ms = item["expires_ms"]
    whole_number(expires_ms, "expires_ms", 0, _LATEST_MS)
    key = base64.b64decode(_text(item["key"]), validate=True)
    if not key:
        raise ValueError("key: must not be empty")
    if collection is None:
        return key, Item(base64.b64decode(_text(item["value"]), validate=True), expires_ms)
    value = collection.from_json(item["value"])
    if not value:
        raise ValueError(f"value: an empty {kind} is never stored")
    return key, Item(value, expires_ms)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_LATEST_MS = (MAX_INSTANT + 2**32) * 1000


def _credential_to_json(c: Credential) -> dict[str, Any]:
    return {
        "key_id": c.key_id, "kind": c.kind.value, "permissions": to_json(c.permissions),
        "issued_at": c.issued_at, "valid_until": c.valid_until, "valid_for": c.valid_for,
        "token_id": c.token_id, "description": c.description, "refresh_token": c.refresh_token,
        "issued_by": c.issued_by, "revoked_at": c.revoked_at, "signature": c.signature,
    }  # fmt: skip


def _credential_from_json(item: dict[str, Any]) -> Credential:
    refresh = item.get("refresh_token")
    valid_until = _number(item, "valid_until")
    valid_for = _number(item, "valid_for")
    kind = Kind(item["kind"])
    permissions = from_json(item["permissions"])
    validate(permissions, disposable=kind is Kind.DISPOSABLE)  # what no mint could have issued is refused
    return Credential(
        key_id=_text(item["key_id"]),
        kind=kind,
        permissions=permissions,
        issued_at=float(_number(item, "issued_at", optional=False)),
        valid_until=None if valid_until is None else int(valid_until),
        valid_for=None if valid_for is None else int(valid_for),
        token_id=_text(item.get("token_id", "")),
        description=_text(item.get("description", "")),
        refresh_token=None if refresh is None else _text(refresh),
        issued_by=_text(item.get("issued_by", "")),
        revoked_at=_number(item, "revoked_at"),
        signature=_text(item["signature"]),
    )
