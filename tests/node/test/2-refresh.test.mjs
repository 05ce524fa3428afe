// Scenario 2: refreshing a key after the emulator clock moves.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {SuperUser, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllDataReadWrite, ExpiresIn, GenerateApiKey, GenerateAuthToken, RefreshApiKey, RefreshAuthToken} = sdk;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 2: refreshApiKey after clock advance 2s gives a different key expiring 2 s later', async () => {
  const session = emu.authClient(emu.info.session_token);
  const now = emu.now();
  const original = assertSuccess(await session.generateApiKey(SuperUser, ExpiresIn.seconds(60)), GenerateApiKey);
  assert.equal(original.expiresAt.epoch(), now + 60);

  emu.advance('2s');
  assert.equal(emu.now(), now + 2, 'clock advance 2s moves the frozen clock by exactly 2 s');

  const refreshed = assertSuccess(
    await emu.authClient(original.apiKey).refreshApiKey(original.refreshToken), RefreshApiKey, 'refresh');
  assert.notEqual(refreshed.apiKey, original.apiKey, 'refresh returns a new key');
  assert.notEqual(refreshed.refreshToken, original.refreshToken, 'refresh returns a new refresh token');
  assert.ok(refreshed.refreshToken);
  assert.equal(refreshed.expiresAt.doesExpire(), true);
  assert.equal(refreshed.expiresAt.epoch(), original.expiresAt.epoch() + 2, 'same duration, counted from now');

  // The new key carries the same (super-user) permissions: it can mint an explicit key.
  assertSuccess(await emu.authClient(refreshed.apiKey).generateApiKey(AllDataReadWrite, ExpiresIn.seconds(30)),
    GenerateApiKey, 'refreshed key mints AllDataReadWrite');
  // The old key stays valid until its own expiry.
  assertSuccess(await emu.authClient(original.apiKey).generateApiKey(AllDataReadWrite, ExpiresIn.seconds(30)),
    GenerateApiKey, 'old key after refresh');
  // And the new refresh token works once more for the new key.
  emu.advance('2s');
  const again = assertSuccess(
    await emu.authClient(refreshed.apiKey).refreshApiKey(refreshed.refreshToken), RefreshApiKey, 'second refresh');
  assert.equal(again.expiresAt.epoch(), refreshed.expiresAt.epoch() + 2);
});

test('scenario 2: an explicit-permission key refreshes too', async () => {
  const session = emu.authClient(emu.info.session_token);
  const original = assertSuccess(await session.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(600)), GenerateApiKey);
  emu.advance('90');
  const refreshed = assertSuccess(
    await emu.authClient(original.apiKey).refreshApiKey(original.refreshToken), RefreshApiKey);
  assert.notEqual(refreshed.apiKey, original.apiKey);
  assert.equal(refreshed.expiresAt.epoch(), original.expiresAt.epoch() + 90);
});

test('scenario 2: deprecated generateAuthToken/refreshAuthToken behave like the new names', async () => {
  assert.equal(GenerateAuthToken, GenerateApiKey, 'GenerateAuthToken is an alias');
  assert.equal(RefreshAuthToken, RefreshApiKey, 'RefreshAuthToken is an alias');
  const session = emu.authClient(emu.info.session_token);
  const now = emu.now();
  const original = assertSuccess(await session.generateAuthToken(SuperUser, ExpiresIn.seconds(60)), GenerateAuthToken);
  assert.equal(original.expiresAt.epoch(), now + 60);
  assert.equal(original.authToken, original.apiKey, 'deprecated authToken getter');

  emu.advance('2s');
  const refreshed = assertSuccess(
    await emu.authClient(original.apiKey).refreshAuthToken(original.refreshToken), RefreshAuthToken);
  assert.notEqual(refreshed.apiKey, original.apiKey);
  assert.equal(refreshed.expiresAt.epoch(), original.expiresAt.epoch() + 2);
});
