// Scenario 7: revoked keys and injected faults.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {SuperUser, assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllDataReadWrite, DisposableTokenScopes, ExpiresIn, GenerateApiKey, GenerateDisposableToken,
  MomentoErrorCode} = sdk;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 7: a key used after `keys revoke` is AUTHENTICATION_ERROR', async () => {
  const session = emu.authClient(emu.info.session_token);
  const key = assertSuccess(await session.generateApiKey(SuperUser, ExpiresIn.hours(1)), GenerateApiKey);
  const client = emu.authClient(key.apiKey);
  assertSuccess(await client.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey, 'before revoke');

  emu.cli('keys', 'revoke', key.apiKey);

  assertError(await client.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'generateApiKey after revoke');
  assertError(await client.generateDisposableToken(DisposableTokenScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'generateDisposableToken after revoke');
  assertError(await client.refreshApiKey(key.refreshToken),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'refresh after revoke');
  // Revoking one key leaves the others alone.
  assertSuccess(await session.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey, 'session key');
});

test('scenario 7: a revoked disposable token is denied by authorize', async () => {
  const token = assertSuccess(await emu.authClient().generateDisposableToken(
    DisposableTokenScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)), GenerateDisposableToken);
  assert.equal(emu.authorize(token.authToken, 'get', {cache: 'c1', item: 'x'}).allowed, true);
  emu.cli('keys', 'revoke', token.authToken);
  assert.equal(emu.authorize(token.authToken, 'get', {cache: 'c1', item: 'x'}).allowed, false);
});

test('scenario 7: fault UNAVAILABLE count 1 on GenerateApiToken gives SERVER_UNAVAILABLE once, then success', async () => {
  const client = emu.authClient();
  emu.cli('faults', 'add', '--method', 'GenerateApiToken', '--code', 'UNAVAILABLE', '--count', '1');
  // Other methods are not affected, and do not spend the rule.
  assertSuccess(await client.generateDisposableToken(DisposableTokenScopes.cacheReadOnly('c1'), ExpiresIn.seconds(60)),
    GenerateDisposableToken, 'GenerateDisposableToken while the rule is armed');
  assertError(await client.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)),
    MomentoErrorCode.SERVER_UNAVAILABLE, 'first GenerateApiToken');
  assertSuccess(await client.generateApiKey(AllDataReadWrite, ExpiresIn.seconds(60)), GenerateApiKey,
    'GenerateApiToken once the rule is spent');
});

test('scenario 7: faults on RefreshApiToken and GenerateDisposableToken surface through the SDK', async () => {
  const session = emu.authClient(emu.info.session_token);
  const key = assertSuccess(await session.generateApiKey(SuperUser, ExpiresIn.hours(1)), GenerateApiKey);
  emu.cli('faults', 'add', '--method', 'RefreshApiToken', '--code', 'UNAVAILABLE', '--count', '1');
  assertError(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken),
    MomentoErrorCode.SERVER_UNAVAILABLE, 'faulted refresh');
  // The faulted call did not spend the refresh token.
  assertSuccess(await emu.authClient(key.apiKey).refreshApiKey(key.refreshToken), sdk.RefreshApiKey,
    'refresh after the fault');

  emu.cli('faults', 'add', '--method', 'GenerateDisposableToken', '--code', 'UNAVAILABLE', '--count', '1');
  const scope = DisposableTokenScopes.cacheReadOnly('c1');
  assertError(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(60)),
    MomentoErrorCode.SERVER_UNAVAILABLE, 'faulted disposable token');
  assertSuccess(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(60)),
    GenerateDisposableToken, 'disposable token after the fault');
});
