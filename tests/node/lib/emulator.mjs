// Starts and stops one emulator process, drives its control CLI, and points the
// official Momento Node.js SDK at it. Shared by every *.test.mjs file.
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const require = createRequire(import.meta.url);

export const sdk = require('@gomomento/sdk');

// The SDK exports no public super-user scope; its own integration tests use this
// class. Resolve it from the SDK's location so `instanceof` inside the SDK matches.
const {InternalSuperUserPermissions} = createRequire(
  require.resolve('@gomomento/sdk')
)('@gomomento/sdk-core/dist/src/internal/utils');
export const SuperUser = new InternalSuperUserPermissions();

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const PYTHON =
  process.env.EMULATOR_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
export const START_TIME = '2030-01-01T00:00:00Z';

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

const quietConfig = () =>
  sdk.AuthClientConfigurations.Default.latest(
    new sdk.DefaultMomentoLoggerFactory(sdk.DefaultMomentoLoggerLevel.WARN)
  );

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Decodes a user-facing key/token: base64(JSON{endpoint, api_key}). */
export function decodeKey(b64) {
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}

/**
 * Spawns `python -m emulator serve --port 0 --ready-file F` and waits for F.
 * The returned handle must be stopped (see stop()).
 */
export async function startEmulator() {
  const dir = mkdtempSync(path.join(tmpdir(), 'momento-auth-emu-'));
  const readyFile = path.join(dir, 'ready.json');
  const child = spawn(
    PYTHON,
    ['-m', 'emulator', 'serve', '--port', '0', '--ready-file', readyFile,
      '--start-time', START_TIME],
    {cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe']}
  );
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  let exit = null;
  const exited = new Promise(resolve =>
    child.on('exit', (code, signal) => resolve((exit = {code, signal})))
  );
  child.on('error', err => (output += `spawn error: ${err.message}\n`));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(readyFile)) {
    if (exit !== null || child.exitCode !== null) {
      rmSync(dir, {recursive: true, force: true});
      throw new Error(`emulator exited before it was ready (${JSON.stringify(exit)}):\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, {recursive: true, force: true});
      throw new Error(`emulator not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(50);
  }
  const info = JSON.parse(readFileSync(readyFile, 'utf8'));
  rmSync(dir, {recursive: true, force: true});
  return new Emulator(child, exited, info, () => output);
}

class Emulator {
  constructor(child, exited, info, output) {
    this.child = child;
    this.exited = exited;
    this.info = info;
    this.target = info.target;
    this.output = output;
    this.clients = [];
    this.cacheClients = [];
  }

  /** Runs `python -m emulator ARGS --target T`; returns stdout, throws with stderr. */
  cli(...args) {
    try {
      return execFileSync(
        PYTHON,
        ['-m', 'emulator', ...args, '--target', this.target],
        {cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe']}
      );
    } catch (err) {
      throw new Error(`emulator CLI ${args.join(' ')} failed (exit ${err.status}): ${err.stderr ?? err.message}`);
    }
  }

  cliJson(...args) {
    return JSON.parse(this.cli(...args, '--json'));
  }

  /** Emulator clock as epoch seconds. */
  now() {
    const ms = Date.parse(this.cliJson('clock', 'get').now);
    assert.ok(Number.isFinite(ms), 'clock get returned an unparseable time');
    return Math.floor(ms / 1000);
  }

  advance(duration) {
    this.cli('clock', 'advance', duration);
  }

  /**
   * Asks the emulator whether KEY may perform ACTION. opts: {cache, item, topic}.
   * Returns the parsed JSON answer ({allowed, reason, ...}).
   */
  authorize(key, action, {cache, item, topic} = {}) {
    const args = ['authorize', '--key', key, '--action', action, '--cache', cache];
    if (item !== undefined) args.push('--item', item);
    if (topic !== undefined) args.push('--topic', topic);
    return this.cliJson(...args);
  }

  /** A credential provider for a base64-JSON key, with every endpoint at the emulator. */
  credentials(b64Key) {
    return sdk.CredentialProvider.fromString({
      authToken: b64Key,
      endpointOverrides: {
        controlEndpoint: this.target,
        cacheEndpoint: this.target,
        tokenEndpoint: this.target,
        secureConnection: false,
      },
    });
  }

  /** An SDK AuthClient that presents b64Key (default: the super-user v1 key). */
  authClient(b64Key = this.info.api_key) {
    const client = new sdk.AuthClient({
      credentialProvider: this.credentials(b64Key),
      configuration: quietConfig(),
    });
    this.clients.push(client);
    return client;
  }

  /** An SDK CacheClient that presents b64Key (default: the super-user v1 key); closed by stop(). */
  cacheClient(b64Key = this.info.api_key) {
    const client = new sdk.CacheClient({
      credentialProvider: this.credentials(b64Key),
      configuration: sdk.Configurations.Laptop.v1(
        new sdk.DefaultMomentoLoggerFactory(sdk.DefaultMomentoLoggerLevel.WARN)
      ),
      defaultTtlSeconds: 60,
    });
    this.cacheClients.push(client);
    return client;
  }

  /** SIGTERM, then wait; resolves to the exit code (the suite asserts 0). */
  async stop() {
    for (const c of this.cacheClients) c.close();
    // AuthClient has no close(); close its gRPC clients so this process can exit promptly.
    for (const c of this.clients) {
      c.authClient?.authClient?.close?.();
      c.authClient?.tokenClient?.close?.();
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const {code, signal} = await this.exited;
    clearTimeout(timer);
    assert.equal(
      code, 0,
      `emulator should exit 0 on SIGTERM (code ${code}, signal ${signal}):\n${this.output()}`
    );
  }
}

/** Asserts resp is a Success of the given response namespace (e.g. sdk.GenerateApiKey). */
export function assertSuccess(resp, responseNs, what = 'call') {
  if (!(resp instanceof responseNs.Success)) {
    const detail = typeof resp?.errorCode === 'function'
      ? `${resp.errorCode()}: ${resp.message()}` : String(resp);
    assert.fail(`${what}: expected Success, got ${detail}`);
  }
  return resp;
}

/** Asserts resp is an Error with the given MomentoErrorCode; returns it. */
export function assertError(resp, code, what = 'call') {
  assert.ok(
    typeof resp?.errorCode === 'function',
    `${what}: expected ${code}, got success ${resp}`
  );
  assert.equal(resp.errorCode(), code, `${what}: ${resp.message()}`);
  return resp;
}
