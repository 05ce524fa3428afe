// The browser path in drop-in mode: the page builds its credential provider as production code does,
// CredentialProvider.fromDisposableToken({apiKey}) with no endpoint overrides, so @gomomento/sdk-web
// dials https://web.cache.E (E: the endpoint inside the token). The emulator serves its gRPC-Web
// listener over HTTPS with its generated certificate; Chromium resolves Momento's names to it
// (--host-resolver-rules, nothing on the machine changes) and trusts exactly the key the emulator
// serves (--ignore-certificate-errors-spki-list), which Node first checks against the emulator's CA.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {chromium} from 'playwright-core';
import {EXAMPLE, assertTheFlow, chromiumPath, screenshotOnFailure, servedSpki, start} from './harness.mjs';

const ENDPOINT = 'momento.test';
let emulator, backend, browser, page, info, scratch;

async function launch(args) {
  return chromium.launch({executablePath: chromiumPath(), args: ['--no-sandbox', ...args]});
}

before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'browser-dropin-'));
  emulator = await start('emulator', [
    '-m', 'emulator', 'serve', '--port', '0', '--tls-port', '0', '--web-port', '0', '--endpoint', ENDPOINT,
    '--ca-file', path.join(scratch, 'ca.pem'), '--start-time', '2030-01-01T00:00:00Z',
  ]);
  info = JSON.parse(emulator.ready);
  assert.match(info.web_url, /^https:\/\/127\.0\.0\.1:\d+$/, 'with TLS, the gRPC-Web listener serves HTTPS');
  backend = await start('backend', [path.join(EXAMPLE, 'backend.py'), '--port', '0'], {
    MOMENTO_API_KEY: info.api_key,
    EMULATOR_TARGET: info.target,
    EMULATOR_WEB_URL: '', // none: the page dials Momento's own names
  });
});

after(async () => {
  await browser?.close();
  await backend?.stop();
  await emulator?.stop();
  if (scratch) rmSync(scratch, {recursive: true, force: true});
});

function webPort() {
  return Number(new URL(info.web_url).port);
}

test('the certificate served over HTTPS chains to the CA file and names web.cache.E', async () => {
  await assert.doesNotReject(servedSpki(webPort(), info.ca_file, `web.cache.${ENDPOINT}`));
  await assert.rejects(servedSpki(webPort(), info.ca_file, 'web.cache.elsewhere.test'), /altnames|Hostname/);
});

test('unmodified browser code: get allowed, set refused, messages received, then expiry', async () => {
  const spki = await servedSpki(webPort(), info.ca_file, `web.cache.${ENDPOINT}`);
  browser = await launch([
    `--host-resolver-rules=MAP web.*.${ENDPOINT} 127.0.0.1:${webPort()}`,
    `--ignore-certificate-errors-spki-list=${spki}`,
  ]);
  page = await browser.newPage();
  await screenshotOnFailure(page, 'browser-dropin', {emulator, backend}, () =>
    assertTheFlow(page, backend.ready.trim(), info.target)
  );
});

test('a browser that does not trust the emulator refuses it', async () => {
  const untrusting = await launch([`--host-resolver-rules=MAP web.*.${ENDPOINT} 127.0.0.1:${webPort()}`]);
  try {
    const other = await untrusting.newPage();
    await other.goto(backend.ready.trim());
    await other.waitForFunction(() => window.results?.subscribe !== undefined || window.results?.failure, null, {
      timeout: 30_000,
    });
    const results = await other.evaluate(() => window.results);
    // sdk-web reports a failed connection (here: the certificate) as UNKNOWN_SERVICE_ERROR.
    assert.deepEqual(
      [results.get, results.set, results.subscribe],
      ['UNKNOWN_SERVICE_ERROR', 'UNKNOWN_SERVICE_ERROR', 'UNKNOWN_SERVICE_ERROR']
    );
  } finally {
    await untrusting.close();
  }
});
