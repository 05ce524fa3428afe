"""Short builders for the core's unit tests: permission values and the catalog of fault-rule names."""

from __future__ import annotations

from emulator.core.faults import Catalog
from emulator.core.permissions import ALL, Grant, Permissions, Role, Selector

R = Role


def perms(*grants: Grant) -> Permissions:
    return Permissions(grants=grants)


def cache(role: Role, name: str | None = None, key: bytes | None = None, prefix: bool = False) -> Grant:
    return Grant(role, Selector(name), Selector(key, prefix) if key is not None else ALL)


def topic(role: Role, cache_name: str | None = None, name: str | None = None, prefix: bool = False) -> Grant:
    return Grant(role, Selector(cache_name), Selector(name, prefix) if name is not None else ALL)


# What the service layer hands the core: the Momento methods and the status names a rule may use.
CATALOG = Catalog(
    methods=(
        "/auth.Auth/GenerateApiToken",
        "/auth.Auth/RefreshApiToken",
        "/auth.Auth/Login",
        "/token.Token/GenerateDisposableToken",
    ),
    codes=("OK", "INTERNAL", "UNAVAILABLE"),
)
