// Scenario 4: who may mint what (spec section 5, credential table).
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {SuperUser, assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {
  AllDataReadWrite, DisposableTokenScopes, ExpiresIn, GenerateApiKey, GenerateDisposableToken,
  MomentoErrorCode, PermissionScopes,
} = sdk;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 4: a super-user key minting a super-user key is PERMISSION_ERROR "Insufficient permissions"', async () => {
  const resp = assertError(
    await emu.authClient().generateApiKey(SuperUser, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'super-user mints super-user');
  // The SDK's own wrapper text also says "Insufficient permissions", so check the server's details.
  assert.match(resp.innerException().message, /PERMISSION_DENIED: .*Insufficient permissions/);
});

test('scenario 4: a super-user key mints AllDataReadWrite (with its function permission)', async () => {
  assert.ok(AllDataReadWrite.permissions.some(p => 'func' in p), 'SDK AllDataReadWrite includes a function permission');
  const resp = assertSuccess(
    await emu.authClient().generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey);
  assert.ok(resp.refreshToken);
});

test('scenario 4: a super-user key mints narrower explicit keys', async () => {
  const client = emu.authClient();
  for (const scope of [
    PermissionScopes.cacheReadOnly('c1'),
    PermissionScopes.topicPublishOnly({name: 'c1'}, {name: 't1'}),
    PermissionScopes.functionInvoke('c1', 'fn'),
  ]) {
    assertSuccess(await client.generateApiKey(scope, ExpiresIn.minutes(5)), GenerateApiKey,
      JSON.stringify(scope));
  }
});

test('scenario 4: an AllDataReadWrite key minting anything is PERMISSION_ERROR', async () => {
  const minted = assertSuccess(
    await emu.authClient().generateApiKey(AllDataReadWrite, ExpiresIn.seconds(600)), GenerateApiKey);
  const explicit = emu.authClient(minted.apiKey);
  assertError(await explicit.generateApiKey(SuperUser, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'explicit key mints super-user');
  assertError(await explicit.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'explicit key mints AllDataReadWrite');
  assertError(await explicit.generateApiKey(PermissionScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'explicit key mints cacheReadOnly');
  assertError(
    await explicit.generateDisposableToken(DisposableTokenScopes.cacheKeyReadOnly('c1', 'k'), ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'explicit key mints a disposable token');
});

test('scenario 4: a disposable token minting anything is PERMISSION_ERROR', async () => {
  const token = assertSuccess(
    await emu.authClient().generateDisposableToken(DisposableTokenScopes.cacheReadWrite('c1'), ExpiresIn.seconds(600)),
    GenerateDisposableToken);
  const disposable = emu.authClient(token.authToken);
  assertError(await disposable.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'disposable token mints AllDataReadWrite');
  assertError(
    await disposable.generateDisposableToken(DisposableTokenScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)),
    MomentoErrorCode.PERMISSION_ERROR, 'disposable token mints a disposable token');
});

test('scenario 4: a session token mints explicit keys and disposable tokens too', async () => {
  const session = emu.authClient(emu.info.session_token);
  assertSuccess(await session.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey);
  assertSuccess(
    await session.generateDisposableToken(DisposableTokenScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)),
    GenerateDisposableToken);
});

test('scenario 4: a forged key is AUTHENTICATION_ERROR', async () => {
  const forged = Buffer.from(JSON.stringify({endpoint: emu.info.endpoint, api_key: 'not-a-real-key'})).toString('base64');
  assertError(await emu.authClient(forged).generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'forged key');
});
