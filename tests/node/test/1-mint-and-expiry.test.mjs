// Scenario 1: a session token mints a super-user key; expiresAt follows the emulator clock.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {SuperUser, assertError, assertSuccess, decodeKey, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllDataReadWrite, ExpiresIn, GenerateApiKey, MomentoErrorCode} = sdk;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 1: the ready file describes a plaintext emulator on 127.0.0.1', () => {
  const {host, port, target, endpoint, api_key, session_token} = emu.info;
  assert.equal(host, '127.0.0.1');
  assert.equal(target, `127.0.0.1:${port}`);
  assert.ok(endpoint, 'endpoint must be non-empty');
  for (const [name, key] of Object.entries({api_key, session_token})) {
    const decoded = decodeKey(key);
    assert.ok(decoded.api_key, `${name} must wrap a non-empty api_key`);
    assert.ok(decoded.endpoint, `${name} must wrap a non-empty endpoint`);
  }
  assert.equal(emu.now(), Date.parse('2030-01-01T00:00:00Z') / 1000, '--start-time sets the frozen clock');
});

test('scenario 1: a session token mints a super-user key that can mint explicit keys', async () => {
  const session = emu.authClient(emu.info.session_token);
  const minted = assertSuccess(
    await session.generateApiKey(SuperUser, ExpiresIn.seconds(3600)), GenerateApiKey, 'session mints super-user');
  const decoded = decodeKey(minted.apiKey);
  assert.ok(decoded.api_key, 'the SDK-built key wraps a non-empty api_key');
  assert.equal(decoded.endpoint, minted.endpoint);
  assert.ok(minted.refreshToken, 'an expiring key comes with a refresh token');

  // Super-user: may mint an explicit key, may not mint another super-user key.
  const child = emu.authClient(minted.apiKey);
  assertSuccess(await child.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey,
    'minted super-user key mints AllDataReadWrite');
  assertError(await child.generateApiKey(SuperUser, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'minted super-user key mints super-user');
});

test('scenario 1: AllDataReadWrite is not super-user (a key minted with it cannot mint keys)', async () => {
  const session = emu.authClient(emu.info.session_token);
  const minted = assertSuccess(
    await session.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(3600)), GenerateApiKey);
  const child = emu.authClient(minted.apiKey);
  assertError(await child.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'AllDataReadWrite key mints AllDataReadWrite');
});

for (const [label, expiresIn, lifetime] of [
  ['ExpiresIn.seconds(10)', ExpiresIn.seconds(10), 10],
  ['ExpiresIn.days(1)', ExpiresIn.days(1), 86_400],
]) {
  test(`scenario 1: ${label} reports expiresAt = emulator now + ${lifetime} s`, async () => {
    const session = emu.authClient(emu.info.session_token);
    const now = emu.now();
    const resp = assertSuccess(await session.generateApiKey(SuperUser, expiresIn), GenerateApiKey);
    assert.equal(resp.expiresAt.doesExpire(), true);
    assert.equal(resp.expiresAt.epoch(), now + lifetime);
    assert.ok(resp.refreshToken, 'an expiring key has a refresh token');
  });
}

test('scenario 1: ExpiresIn.never() reports a key that does not expire and has no refresh token', async () => {
  const session = emu.authClient(emu.info.session_token);
  const resp = assertSuccess(await session.generateApiKey(SuperUser, ExpiresIn.never()), GenerateApiKey);
  assert.equal(resp.expiresAt.doesExpire(), false, 'valid_until must be 0 on the wire');
  assert.equal(resp.expiresAt.epoch(), Infinity);
  assert.equal(resp.refreshToken, '', 'a never-expiring key has no refresh token');
  // Still usable a long (emulated) time later.
  emu.advance('2d');
  const child = emu.authClient(resp.apiKey);
  assertSuccess(await child.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey,
    'never-expiring key after 2 days');
});
