"""``emulator.sdk``: SDK settings that point every endpoint at the emulator over plaintext."""

from __future__ import annotations

import base64
import json
import sys

import pytest
from momento import AuthClient
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import GenerateDisposableToken, GenerateDisposableTokenResponse
from momento.utilities import ExpiresIn

from emulator import ThreadedEmulatorServer, credential_provider, node_settings


def mint(server: ThreadedEmulatorServer, key: str | None = None) -> GenerateDisposableTokenResponse:
    with AuthClient(AuthConfigurations.Laptop.latest(), credential_provider(server, key)) as client:
        return client.generate_disposable_token(DisposableTokenScopes.cache_read_only("c"), ExpiresIn.seconds(60))


def test_default_provider_sends_the_super_user_key_to_every_endpoint_at_the_emulator(
    server: ThreadedEmulatorServer,
) -> None:
    """With no key, the provider carries the emulator's raw super-user key and its host and port."""
    provider = credential_provider(server)
    host, port = server.target.rsplit(":", 1)
    assert provider.auth_token == server.bootstrap.raw_api_key
    assert (provider.control_endpoint, provider.cache_endpoint, provider.token_endpoint) == (host, host, host)
    assert provider.port == int(port)
    assert isinstance(mint(server), GenerateDisposableToken.Success)


def test_raw_and_base64_keys_give_the_same_provider(server: ThreadedEmulatorServer) -> None:
    """A base64 key is unwrapped; the SDK sends the inner key either way."""
    bootstrap = server.bootstrap
    assert credential_provider(server, bootstrap.api_key) == credential_provider(server, bootstrap.raw_api_key)


def test_the_provider_carries_the_given_key(server: ThreadedEmulatorServer) -> None:
    """A disposable token may not mint, so a provider holding one is refused where the default is not."""
    token = mint(server)
    assert isinstance(token, GenerateDisposableToken.Success)
    refused = mint(server, token.auth_token)
    assert isinstance(refused, GenerateDisposableToken.Error)
    assert refused.error_code.name == "PERMISSION_ERROR"


def test_a_target_string_needs_an_explicit_key() -> None:
    """``"host:port"`` alone cannot know the default key, so the helper says so."""
    with pytest.raises(ValueError, match="key="):
        credential_provider("127.0.0.1:9999")
    assert credential_provider("127.0.0.1:9999", "raw-key").auth_token == "raw-key"


def test_port_443_is_refused() -> None:
    """The Python SDK switches to TLS on port 443, which the emulator does not serve."""
    with pytest.raises(ValueError, match="TLS"):
        credential_provider("127.0.0.1:443", "raw-key")


def test_a_missing_sdk_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``momento`` installed the error names the extra to install."""
    monkeypatch.setitem(sys.modules, "momento", None)
    with pytest.raises(ImportError, match=r"momento-auth-emulator\[sdk\]"):
        credential_provider("127.0.0.1:9999", "raw-key")


def test_node_settings_wrap_a_raw_key_and_override_every_endpoint(server: ThreadedEmulatorServer) -> None:
    """Node parses only the base64 form, so a raw key is wrapped; every endpoint is the plaintext target."""
    settings = node_settings(server, server.bootstrap.raw_api_key)
    assert json.loads(base64.b64decode(settings["authToken"]))["api_key"] == server.bootstrap.raw_api_key
    assert settings["endpointOverrides"] == {
        "controlEndpoint": server.target,
        "cacheEndpoint": server.target,
        "tokenEndpoint": server.target,
        "secureConnection": False,
    }
    assert json.loads(json.dumps(settings)) == settings


def test_node_settings_keep_a_base64_key_as_given(server: ThreadedEmulatorServer) -> None:
    """The default (and any base64 key) is passed through unchanged."""
    assert node_settings(server)["authToken"] == server.bootstrap.api_key
