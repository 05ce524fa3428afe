// The browser example, end to end in a real Chromium: the emulator (with gRPC-Web), the
// token-vending backend, and the page, which uses @gomomento/sdk-web with the token it is given.
// Run by `make test` (browser-test). CHROMIUM names the browser binary (default: chromium on the PATH).
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE = path.resolve(here, '..');
const REPO_ROOT = path.resolve(EXAMPLE, '..', '..');
const PYTHON = process.env.EMULATOR_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
const ARTEFACTS = process.env.BROWSER_ARTEFACTS ?? path.join(EXAMPLE, 'test-results');
const READY_TIMEOUT_MS = 30_000;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (existsSync(path.join(dir, name))) return path.join(dir, name);
    }
  }
  throw new Error('chromium is not on the PATH (make browser-test installs it under CI=true)');
}

/** Spawns a process that writes READY_FILE when it serves; resolves to {child, ready, output, stop}. */
async function start(label, args, env = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), `browser-example-${label}-`));
  const readyFile = path.join(dir, 'ready');
  const child = spawn(PYTHON, [...args, '--ready-file', readyFile], {
    cwd: REPO_ROOT,
    env: {...process.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  const exited = new Promise(resolve => child.on('exit', code => resolve(code)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not start:\n${output}`);
    }
    await sleep(50);
  }
  await sleep(20); // the ready file is written whole (emulator) or in one write (backend)
  const ready = readFileSync(readyFile, 'utf8');
  rmSync(dir, {recursive: true, force: true});
  return {
    child,
    ready,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

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

async function screenshotOnFailure(name, body) {
  try {
    await body();
  } catch (error) {
    mkdirSync(ARTEFACTS, {recursive: true});
    const file = path.join(ARTEFACTS, `${name}.png`);
    await page.screenshot({path: file, fullPage: true}).catch(() => {});
    error.message += `\n(screenshot: ${file})\nemulator log:\n${emulator.output()}\nbackend log:\n${backend.output()}`;
    throw error;
  }
}

test('a page with a read-only disposable token: get allowed, set refused, messages received, then expiry', async () => {
  await screenshotOnFailure('browser-example', async () => {
    await page.goto(backend.ready.trim());
    await page.waitForFunction(() => window.ready === true || window.results?.failure !== undefined, null, {
      timeout: 30_000,
    });
    const results = await page.evaluate(() => window.results);
    assert.equal(results.failure, undefined, `the page failed: ${results.failure}`);
    assert.equal(results.get, 'hit hello from the backend');
    assert.equal(results.set, 'PERMISSION_ERROR');
    assert.equal(results.subscribe, 'subscribed');
    assert.equal(results.message, 'hello, subscribers');

    // Past the token's two minutes on the emulator's clock, not the wall clock.
    execFileSync(PYTHON, ['-m', 'emulator', 'clock', 'advance', '3m', '--target', info.target], {cwd: REPO_ROOT});
    const late = await page.evaluate(() => window.afterExpiry());
    assert.equal(late, 'AUTHENTICATION_ERROR');
  });
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
