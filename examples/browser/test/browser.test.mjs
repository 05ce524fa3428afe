// The browser example, end to end in a real Chromium: the emulator (with gRPC-Web), the
// token-vending backend, and the page, which uses @gomomento/sdk-web with the token it is given
// and the emulator's plain-http gRPC-Web URL as its endpoints. Run by `make test` (browser-test).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {chromium} from 'playwright-core';
import {EXAMPLE, PYTHON, REPO_ROOT, assertTheFlow, chromiumPath, screenshotOnFailure, start} from './harness.mjs';

let emulator, backend, browser, page, info;

before(async () => {
  emulator = await start('emulator', [
    '-m', 'emulator', 'serve', '--port', '0', '--web-port', '0', '--start-time', '2030-01-01T00:00:00Z',
  ]);
  info = JSON.parse(emulator.ready);
  assert.match(info.web_url, /^http:\/\/127\.0\.0\.1:\d+$/, 'the ready file names the gRPC-Web URL');
  backend = await start('backend', [path.join(EXAMPLE, 'backend.py'), '--port', '0'], {
    MOMENTO_API_KEY: info.api_key,
    EMULATOR_TARGET: info.target,
    EMULATOR_WEB_URL: info.web_url,
  });
  browser = await chromium.launch({executablePath: chromiumPath(), args: ['--no-sandbox']});
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
  await emulator?.stop();
});

test('a page with a read-only disposable token: get allowed, set refused, messages received, then expiry', async () => {
  await screenshotOnFailure(page, 'browser-example', {emulator, backend}, () =>
    assertTheFlow(page, backend.ready.trim(), info.target)
  );
});

test('the journal shows the page\'s calls, made over gRPC-Web, like any other', async () => {
  const journal = JSON.parse(
    execFileSync(PYTHON, ['-m', 'emulator', 'journal', '--json', '--target', info.target], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
  );
  const denied = journal.filter(e => e.method === '/cache_client.Scs/Set' && e.code === 'PERMISSION_DENIED');
  assert.equal(denied.length, 1, 'the refused set is journaled once');
  const subscribes = journal.filter(e => e.method === '/cache_client.pubsub.Pubsub/Subscribe');
  assert.ok(subscribes.length >= 1, 'the subscription is journaled');
});
