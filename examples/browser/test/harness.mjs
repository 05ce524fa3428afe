// What the browser tests share: starting the emulator and the backend, finding chromium, and the
// page's whole flow asserted from its own results. Run by `make test` (browser-test).
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {X509Certificate, createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {connect} from 'node:tls';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const EXAMPLE = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(EXAMPLE, '..', '..');
export const PYTHON = process.env.EMULATOR_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
const ARTEFACTS = process.env.BROWSER_ARTEFACTS ?? path.join(EXAMPLE, 'test-results');
const READY_TIMEOUT_MS = 30_000;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** The browser binary: CHROMIUM, or chromium on the PATH. */
export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (existsSync(path.join(dir, name))) return path.join(dir, name);
    }
  }
  throw new Error('chromium is not on the PATH (make browser-test installs it under CI=true)');
}

/** Spawns a process that writes READY_FILE when it serves; resolves to {child, ready, output, stop}. */
export async function start(label, args, env = {}) {
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

/**
 * The base64 SHA-256 of the public key served at 127.0.0.1:port under `servername`, once Node has
 * checked that the certificate chains to `caFile` and is valid for that name.
 */
export function servedSpki(port, caFile, servername) {
  return new Promise((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port, ca: readFileSync(caFile), servername}, () => {
      const certificate = new X509Certificate(socket.getPeerCertificate().raw);
      const spki = certificate.publicKey.export({type: 'spki', format: 'der'});
      socket.end();
      resolve(createHash('sha256').update(spki).digest('base64'));
    });
    socket.on('error', reject);
  });
}

/** Runs `body`; on failure saves a screenshot of `page` and adds the processes' logs to the error. */
export async function screenshotOnFailure(page, name, processes, body) {
  try {
    await body();
  } catch (error) {
    mkdirSync(ARTEFACTS, {recursive: true});
    const file = path.join(ARTEFACTS, `${name}.png`);
    await page.screenshot({path: file, fullPage: true}).catch(() => {});
    error.message += `\n(screenshot: ${file})`;
    for (const [label, process] of Object.entries(processes)) error.message += `\n${label} log:\n${process?.output()}`;
    throw error;
  }
}

/**
 * The page's whole flow with a read-only disposable token: a get allowed, a set refused, a message
 * received; then the emulator's clock (at `target`) passes the token's expiry and the next get is refused.
 */
export async function assertTheFlow(page, pageUrl, target) {
  await page.goto(pageUrl);
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
  execFileSync(PYTHON, ['-m', 'emulator', 'clock', 'advance', '3m', '--target', target], {cwd: REPO_ROOT});
  const late = await page.evaluate(() => window.afterExpiry());
  assert.equal(late, 'AUTHENTICATION_ERROR');
}
