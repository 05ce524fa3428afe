"""A token-vending backend for the browser example: mints short-lived, narrowly scoped disposable tokens.

It is the server half of the flow disposable tokens exist for: the backend holds a long-lived key
(``MOMENTO_API_KEY``), and each page asks it for a token that may only read the ``demo`` cache and
subscribe to its ``news`` topic, for two minutes. Against the emulator it is run as::

    MOMENTO_API_KEY=... EMULATOR_TARGET=127.0.0.1:8090 EMULATOR_WEB_URL=http://127.0.0.1:8091 \\
        python examples/browser/backend.py --port 8000

(without ``EMULATOR_WEB_URL`` the page sets no endpoints and dials Momento's own names over HTTPS,
as production code does: docs/browser.md, "HTTPS, and drop-in browser code"), and serves the page
(``page/index.html`` and its bundle ``page/dist/app.js``, built by
``npm run build``) at http://127.0.0.1:8000/. The only emulator-specific part is where the SDK
connects (:func:`emulator.sdk.credential_provider`); the minting code is what production runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from momento import (
    AuthClientAsync,
    CacheClientAsync,
    Configurations,
    TopicClientAsync,
    TopicConfigurations,
)
from momento.auth.access_control.disposable_token_scope import DisposableTokenScope
from momento.auth.access_control.permission_scope import (
    CacheName,
    CachePermission,
    CacheRole,
    CacheSelector,
    Permissions,
    TopicName,
    TopicPermission,
    TopicRole,
    TopicSelector,
)
from momento.config.auth_configurations import AuthConfigurations
from momento.responses import CreateCache, GenerateDisposableToken, TopicPublish
from momento.utilities import ExpiresIn

from emulator.sdk import credential_provider

CACHE, TOPIC = "demo", "news"
TOKEN_LIFETIME = timedelta(minutes=2)
PAGE = Path(__file__).resolve().parent / "page"


def read_only_scope() -> DisposableTokenScope:
    """Read the demo cache, subscribe to its news topic: nothing else."""
    return DisposableTokenScope(
        Permissions(
            permissions=[
                CachePermission(CacheSelector(CacheName(CACHE)), CacheRole.READ_ONLY),
                TopicPermission(
                    TopicRole.SUBSCRIBE_ONLY, CacheSelector(CacheName(CACHE)), TopicSelector(TopicName(TOPIC))
                ),
            ]
        )
    )


class Backend:
    def __init__(self, target: str, web_url: str | None, api_key: str) -> None:
        self.web_url = web_url
        credentials = credential_provider(target, api_key)
        self.auth = AuthClientAsync(AuthConfigurations.Laptop.latest(), credentials)
        self.cache = CacheClientAsync.create(Configurations.Laptop.latest(), credentials, timedelta(minutes=10))
        self.topics = TopicClientAsync(TopicConfigurations.Default.latest(), credentials)

    async def prepare(self) -> None:
        cache = await self.cache
        self.cache_client = cache
        created = await cache.create_cache(CACHE)
        if isinstance(created, CreateCache.Error):
            raise RuntimeError(f"create_cache: {created.message}")
        await cache.set(CACHE, "greeting", "hello from the backend")

    async def token(self, request: web.Request) -> web.Response:
        lifetime = ExpiresIn.seconds(int(TOKEN_LIFETIME.total_seconds()))
        minted = await self.auth.generate_disposable_token(read_only_scope(), lifetime)
        if not isinstance(minted, GenerateDisposableToken.Success):
            return web.json_response({"error": str(minted)}, status=502)
        return web.json_response(
            {"apiKey": minted.auth_token, "webUrl": self.web_url, "cache": CACHE, "topic": TOPIC,
             "expiresAt": minted.expires_at.epoch()}
        )  # fmt: skip

    async def publish(self, request: web.Request) -> web.Response:
        text = await request.text()
        published = await self.topics.publish(CACHE, TOPIC, text)
        if not isinstance(published, TopicPublish.Success):
            return web.json_response({"error": str(published)}, status=502)
        return web.json_response({"published": text})


def app(backend: Backend) -> web.Application:
    application = web.Application()
    application.router.add_get("/token", backend.token)
    application.router.add_post("/publish", backend.publish)
    application.router.add_get("/", lambda _: web.FileResponse(PAGE / "index.html"))
    application.router.add_static("/dist", PAGE / "dist")
    return application


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ready-file", type=Path, help="write the page's URL here once serving")
    args = parser.parse_args()
    web_url = os.environ.get("EMULATOR_WEB_URL") or None  # None: the page dials Momento's own names (drop-in)
    backend = Backend(os.environ["EMULATOR_TARGET"], web_url, os.environ["MOMENTO_API_KEY"])
    await backend.prepare()
    runner = web.AppRunner(app(backend), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/"
    print(f"backend serving the page at {url}", flush=True)
    if args.ready_file is not None:
        args.ready_file.write_text(url)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
