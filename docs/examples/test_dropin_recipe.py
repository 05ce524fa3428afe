"""Drop-in mode under pytest: the application keeps its production code, the fixture gives the environment.

Make Momento's names resolve to the emulator before pytest starts (they depend only on the endpoint), e.g.:

    echo "127.0.0.1 control.momento.test cache.momento.test token.momento.test token.cache.momento.test momento.test" \\
        | sudo tee -a /etc/hosts

The ``momento_dropin`` fixture (installed with the package) serves TLS on port 443; as a non-root user, override
``momento_dropin_endpoint`` to ``"momento.test:8443"`` and ``momento_dropin_port`` to 8443.
"""

from __future__ import annotations

import os

import pytest
from momento import AuthClient, CredentialProvider
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import GenerateDisposableToken
from momento.utilities import ExpiresIn

from emulator.pytest_dropin import DropIn

# --- the application, unchanged ----------------------------------------------------------------


def momento_credentials() -> CredentialProvider:
    if os.environ.get("MOMENTO_ENDPOINT"):
        return CredentialProvider.from_environment_variables_v2()
    return CredentialProvider.from_environment_variable("MOMENTO_API_KEY")


def mint_browser_token(cache: str) -> str:
    """Vend a 15-minute read-only token for the browser."""
    with AuthClient(AuthConfigurations.Laptop.latest(), momento_credentials()) as client:
        response = client.generate_disposable_token(DisposableTokenScopes.cache_read_only(cache), ExpiresIn.minutes(15))
    if isinstance(response, GenerateDisposableToken.Error):
        raise RuntimeError(f"could not mint a token: {response.message}")
    assert isinstance(response, GenerateDisposableToken.Success)
    return response.auth_token


# --- the tests -----------------------------------------------------------------------------------


@pytest.fixture(params=["v1", "v2"])
def momento_env(request: pytest.FixtureRequest, momento_dropin: DropIn, monkeypatch: pytest.MonkeyPatch) -> DropIn:
    """The environment production would give the application: a v1 key, or a v2 key with MOMENTO_ENDPOINT."""
    environment = momento_dropin.environment if request.param == "v1" else momento_dropin.environment_v2
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return momento_dropin


def test_the_app_vends_a_read_only_token(momento_env: DropIn) -> None:
    token = mint_browser_token("orders")
    authorize = momento_env.control.authorize
    assert authorize(token, "get", "orders", item="order-42").allowed
    assert not authorize(token, "set", "orders", item="order-42").allowed
    assert momento_env.control.describe_key(token).valid_for_seconds == 15 * 60


def test_the_app_reports_a_failure_to_mint(momento_env: DropIn) -> None:
    momento_env.control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1)
    with pytest.raises(RuntimeError, match="could not mint"):
        mint_browser_token("orders")
