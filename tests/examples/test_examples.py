"""The recipes of docs/pytest.md: the real ``momento`` SDK against the ``momento_emulator`` fixture.

Each test is a self-contained recipe; the fixture hands every test a freshly reset emulator.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from momento import AuthClient, AuthClientAsync
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.errors import MomentoErrorCode
from momento.responses import GenerateDisposableToken
from momento.utilities import ExpiresIn

from emulator.pytest_plugin import MomentoEmulator


def test_a_disposable_token_grants_exactly_its_scope(momento_emulator: MomentoEmulator) -> None:
    """A token for one key of one cache may read that key, and nothing else."""
    with AuthClient(AuthConfigurations.Laptop.latest(), momento_emulator.credential_provider()) as client:
        response = client.generate_disposable_token(
            DisposableTokenScopes.cache_key_read_only("orders", "order-42"), ExpiresIn.minutes(5)
        )
    assert isinstance(response, GenerateDisposableToken.Success)

    authorize = momento_emulator.control.authorize
    assert authorize(response.auth_token, "get", "orders", item="order-42").allowed
    assert not authorize(response.auth_token, "set", "orders", item="order-42").allowed
    assert not authorize(response.auth_token, "get", "orders", item="order-43").allowed
    assert not authorize(response.auth_token, "get", "invoices", item="order-42").allowed


@pytest.mark.momento_emulator(start_time="2030-01-01T00:00:00Z")
def test_a_token_expires_when_the_clock_is_advanced(momento_emulator: MomentoEmulator) -> None:
    """No sleeping: move the emulator's clock past the token's lifetime and it stops working."""
    control = momento_emulator.control
    with AuthClient(AuthConfigurations.Laptop.latest(), momento_emulator.credential_provider()) as client:
        response = client.generate_disposable_token(
            DisposableTokenScopes.cache_read_write("orders"), ExpiresIn.minutes(10)
        )
        assert isinstance(response, GenerateDisposableToken.Success)
        assert response.expires_at.epoch() == (control.now() + timedelta(minutes=10)).timestamp()

        control.advance(timedelta(minutes=10) - timedelta(seconds=1))
        assert control.authorize(response.auth_token, "set", "orders", item="k").allowed

        control.advance(1)
        assert not control.authorize(response.auth_token, "set", "orders", item="k").allowed
        assert control.describe_key(response.auth_token).status == "expired"

    # The SDK sees it too: the expired token is no longer a credential at all.
    with AuthClient(
        AuthConfigurations.Laptop.latest(), momento_emulator.credential_provider(response.auth_token)
    ) as expired:
        refused = expired.generate_disposable_token(
            DisposableTokenScopes.cache_read_only("orders"), ExpiresIn.minutes(1)
        )
    assert isinstance(refused, GenerateDisposableToken.Error)
    assert refused.error_code is MomentoErrorCode.AUTHENTICATION_ERROR


async def mint_for_browser(client: AuthClientAsync, cache: str) -> str:
    """App code under test: vend a short-lived token, retrying once when Momento is unavailable.

    The SDK never retries auth calls, so the app has to.
    """
    scope = DisposableTokenScopes.cache_read_only(cache)
    response = await client.generate_disposable_token(scope, ExpiresIn.minutes(15))
    if (
        isinstance(response, GenerateDisposableToken.Error)
        and response.error_code is MomentoErrorCode.SERVER_UNAVAILABLE
    ):
        response = await client.generate_disposable_token(scope, ExpiresIn.minutes(15))
    if isinstance(response, GenerateDisposableToken.Error):
        raise RuntimeError(f"could not mint a token: {response.message}")
    assert isinstance(response, GenerateDisposableToken.Success)
    return response.auth_token


@pytest.mark.asyncio
async def test_the_app_retries_once_when_minting_is_unavailable(momento_emulator: MomentoEmulator) -> None:
    """One injected UNAVAILABLE: the app's retry gets a token, and the journal shows both attempts."""
    control = momento_emulator.control
    control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1)

    async with AuthClientAsync(AuthConfigurations.Laptop.latest(), momento_emulator.credential_provider()) as client:
        token = await mint_for_browser(client, "orders")

    assert control.describe_key(token).kind == "disposable_token"
    assert [entry.code for entry in control.journal("GenerateDisposableToken")] == ["UNAVAILABLE", "OK"]


@pytest.mark.asyncio
async def test_the_app_gives_up_after_one_retry(momento_emulator: MomentoEmulator) -> None:
    """Two injected UNAVAILABLEs exhaust the single retry, and the app reports the failure."""
    momento_emulator.control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=2)

    async with AuthClientAsync(AuthConfigurations.Laptop.latest(), momento_emulator.credential_provider()) as client:
        with pytest.raises(RuntimeError, match="could not mint"):
            await mint_for_browser(client, "orders")

    assert len(momento_emulator.control.journal("GenerateDisposableToken")) == 2
