// Scenario 3: refresh fails with AUTHENTICATION_ERROR for expired keys and spent refresh tokens.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {SuperUser, assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllDataReadWrite, ExpiresIn, GenerateApiKey, MomentoErrorCode, RefreshApiKey} = sdk;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

async function mint(seconds) {
  const session = emu.authClient(emu.info.session_token);
  return assertSuccess(await session.generateApiKey(SuperUser, ExpiresIn.seconds(seconds)), GenerateApiKey);
}

test('scenario 3: a key one second before expiry still refreshes', async () => {
  const key = await mint(10);
  emu.advance('9s');
  assertSuccess(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken), RefreshApiKey,
    'refresh at valid_until - 1');
});

test('scenario 3: refresh of an expired key is AUTHENTICATION_ERROR (expired when now >= valid_until)', async () => {
  const key = await mint(10);
  emu.advance('10s');
  const client = emu.authClient(key.apiKey);
  assertError(await client.refreshApiKey(key.refreshToken), MomentoErrorCode.AUTHENTICATION_ERROR,
    'refresh at valid_until');
  assertError(await client.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'minting with an expired key');
});

test('scenario 3: refresh of a key long past expiry is AUTHENTICATION_ERROR', async () => {
  const key = await mint(10);
  emu.advance('1h');
  assertError(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'refresh 1 h after expiry');
});

test('scenario 3: reusing a spent refresh token is AUTHENTICATION_ERROR', async () => {
  const key = await mint(3600);
  const first = assertSuccess(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken), RefreshApiKey);
  assertError(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'old key + spent refresh token');
  assertError(await emu.authClient(first.apiKey).refreshApiKey(key.refreshToken),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'new key + spent refresh token');
  // The new pair is unaffected by the failed attempts.
  assertSuccess(await emu.authClient(first.apiKey).refreshApiKey(first.refreshToken), RefreshApiKey,
    'new key + its own refresh token');
});

test("scenario 3: a refresh token that belongs to another key is AUTHENTICATION_ERROR", async () => {
  const a = await mint(3600);
  const b = await mint(3600);
  assert.notEqual(a.refreshToken, b.refreshToken);
  assertError(await emu.authClient(a.apiKey).refreshApiKey(b.refreshToken),
    MomentoErrorCode.AUTHENTICATION_ERROR, "key A + key B's refresh token");
});
