// Scenario 9: drop-in mode. An unmodified application (dropin/app.mjs: mint a token, create a cache,
// set and get an item, publish to a topic it subscribes to) builds its clients with
// CredentialProvider.fromEnvironmentVariable('MOMENTO_API_KEY') (or fromEnvVarV2) and reaches the
// emulator over TLS on Momento's names, with only what the documented CI recipe
// (docs/examples/dropin-ci.sh) gives it. Each run is in a sandbox (tests/sandbox.py: private mount
// and network namespaces), so port 443 and /etc/hosts are private copies; it needs root.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {promisify} from 'node:util';
import {PYTHON, REPO_ROOT} from '../lib/emulator.mjs';

const run = promisify(execFile);
const SANDBOX = path.join(REPO_ROOT, 'tests', 'sandbox.py');
const RECIPE = path.join(REPO_ROOT, 'docs', 'examples', 'dropin-ci.sh');
const APP = ['node', path.join(REPO_ROOT, 'tests', 'node', 'dropin', 'app.mjs')];

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = root ? false : '*** SKIPPED: drop-in runs need root (private namespaces) ***';
if (!root && process.env.CI === 'true') {
  throw new Error('CI=true requires the drop-in scenarios, and they need root (private namespaces)');
}
if (skip) console.error(skip);

const scratch = mkdtempSync(path.join(tmpdir(), 'momento-dropin-'));
after(() => rmSync(scratch, {recursive: true, force: true}));

/** `sh dropin-ci.sh COMMAND` in a sandbox; the application's JSON report (its last line). */
async function recipe(command, env = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MOMENTO_') && !k.startsWith('GRPC_')));
  const PATH = `${path.dirname(PYTHON)}${path.delimiter}${process.env.PATH}`;
  const {stdout} = await run(PYTHON, [SANDBOX, '--', 'sh', RECIPE, ...command],
    {cwd: REPO_ROOT, env: {...clean, PATH, ...env}, timeout: 120_000});
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

for (const [form, tokenHost] of [['v1', 'token.momento.test'], ['v2', 'token.momento.test'],
  ['legacy', 'cache.momento.test']]) {
  test(`the Node SDK mints over TLS with the ${form} key from the environment`, {skip}, async () => {
    const report = await recipe(APP, {KEY_FORM: form});
    assert.deepEqual(report.endpoints, ['control.momento.test', 'cache.momento.test', tokenHost]);
    assert.equal(report.secure, true);
    assert.equal(report.auth, 'ok');
    assert.deepEqual([report.create_cache, report.set, report.get], ['Success', 'Success', 'shipped']);
    assert.deepEqual([report.subscribe, report.publish, report.received],
      ['Subscription', 'Success', 'order-42 dispatched']);
  });
}

test('an endpoint naming its port works with the Node SDK, for v1 and v2 keys', {skip}, async () => {
  const ported = {MOMENTO_EMULATOR_ENDPOINT: 'momento.test:8443', MOMENTO_EMULATOR_TLS_PORT: '8443'};
  for (const form of ['v1', 'v2']) {
    const report = await recipe(APP, {KEY_FORM: form, ...ported});
    assert.equal(report.endpoints[0], 'control.momento.test:8443');
    assert.deepEqual([report.auth, report.get, report.received], ['ok', 'shipped', 'order-42 dispatched'], form);
  }
});

test('a CA the application does not trust is refused', {skip}, async () => {
  // A real CA, just not the one that signed the emulator's certificate.
  const stranger = path.join(scratch, 'stranger.pem');
  await run(PYTHON, ['-c', 'import sys, trustme; trustme.CA().cert_pem.write_to_path(sys.argv[1])', stranger]);
  const report = await recipe(['env', `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=${stranger}`, ...APP]);
  assert.match(report.auth, /^SERVER_UNAVAILABLE: .*unable to verify the first certificate/);
  assert.match(report.create_cache, /^Error: Unable to connect to Momento/);
});

test('a name the certificate does not cover is refused', {skip}, async () => {
  const rewrap = "import base64, json, os; d = json.loads(base64.b64decode(os.environ['MOMENTO_API_KEY']));" +
    " d['endpoint'] = 'other.test'; print(base64.b64encode(json.dumps(d).encode()).decode())";
  const script = 'echo "127.0.0.1 control.other.test cache.other.test token.other.test" >>/etc/hosts' +
    ` && MOMENTO_API_KEY=$("$0" -c "${rewrap}") exec "$1" "$2"`;
  const report = await recipe(['sh', '-c', script, PYTHON, ...APP]);
  assert.equal(report.endpoints[0], 'control.other.test');
  assert.match(report.auth, /^SERVER_UNAVAILABLE: .*ERR_TLS_CERT_ALTNAME_INVALID.*other\.test/);
  assert.match(report.create_cache, /^Error: Unable to connect to Momento/);
});
