"""An application as it runs in production: it builds its Momento clients from the environment, one way only.

It knows nothing of the emulator. It prints a JSON report of what it did, for the drop-in tests to check.
"""

from __future__ import annotations

import json
import os
import warnings
from datetime import timedelta

from momento import AuthClient, CacheClient, Configurations, CredentialProvider, TopicClient, TopicConfigurations
from momento.auth.access_control.disposable_token_scopes import DisposableTokenScopes
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import CacheGet, GenerateDisposableToken, TopicSubscribe, TopicSubscriptionItem
from momento.utilities import ExpiresIn


def credentials() -> CredentialProvider:
    """The production choice: a v2 key when MOMENTO_ENDPOINT is set, else the key's own endpoint."""
    if os.environ.get("MOMENTO_ENDPOINT"):
        return CredentialProvider.from_environment_variables_v2()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return CredentialProvider.from_environment_variable("MOMENTO_API_KEY")


def main() -> None:
    provider = credentials()
    report: dict[str, object] = {
        "endpoints": [provider.control_endpoint, provider.cache_endpoint, provider.token_endpoint],
        "port": provider.port,
    }
    with AuthClient(AuthConfigurations.Laptop.latest(), provider) as auth:
        minted = auth.generate_disposable_token(DisposableTokenScopes.cache_read_write("orders"), ExpiresIn.minutes(5))
    if isinstance(minted, GenerateDisposableToken.Success):
        report["auth"] = "ok"
    else:
        report["auth"] = f"{minted.error_code.name}: {minted.message}"  # type: ignore[union-attr]
    report.update(use_the_cache(provider))
    report.update(use_a_topic(provider))
    print(json.dumps(report))


def use_the_cache(provider: CredentialProvider) -> dict[str, object]:
    """Create a cache (control plane), then set and get an item (data plane)."""
    with CacheClient.create(Configurations.Laptop.latest(), provider, timedelta(minutes=5)) as cache:
        created = cache.create_cache("orders")
        stored = cache.set("orders", "order-42", "shipped")
        found = cache.get("orders", "order-42")
    return {
        "create_cache": type(created).__name__,
        "set": type(stored).__name__,
        "get": found.value_string if isinstance(found, CacheGet.Hit) else repr(found),
    }


def use_a_topic(provider: CredentialProvider) -> dict[str, object]:
    """Subscribe to a topic of that cache, publish to it, and read the message back."""
    with TopicClient(TopicConfigurations.Default.latest(), provider) as topics:
        subscription = topics.subscribe("orders", "shipments")
        if not isinstance(subscription, TopicSubscribe.Subscription):
            return {"subscribe": repr(subscription)}
        published = topics.publish("orders", "shipments", "order-42 dispatched")
        item = next(subscription)
        subscription.unsubscribe()
    received = item.value if isinstance(item, TopicSubscriptionItem.Text) else repr(item)
    return {"subscribe": "Subscription", "publish": type(published).__name__, "received": received}


if __name__ == "__main__":
    main()
