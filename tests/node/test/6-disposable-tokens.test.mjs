// Scenario 6: disposable tokens for every DisposableTokenScopes factory; the emulator's
// `authorize` answer matches each scope.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {assertError, assertSuccess, decodeKey, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllCaches, AllTopics, CredentialProvider, DisposableTokenScopes: S, ExpiresIn, GenerateDisposableToken,
  MomentoErrorCode} = sdk;

const C = 'cache-a';
const OTHER = 'cache-b';
const item = (key, cache = C) => ({cache, item: key});
const topic = (name, cache = C) => ({cache, topic: name});

// factory: the DisposableTokenScopes export exercised; allowed/denied: [action, target] pairs
// checked with `emulator authorize`. invalid: the server must answer INVALID_ARGUMENT.
const CASES = [
  {factory: 'cacheReadWrite', scope: S.cacheReadWrite(C),
    allowed: [['get', item('x')], ['set', item('x')], ['set-if-not-exists', item('x')], ['list-push-back', item('x')]],
    denied: [['get', item('x', OTHER)], ['publish', topic('t1')]]},
  {factory: 'cacheReadWrite', label: 'cacheReadWrite(AllCaches)', scope: S.cacheReadWrite(AllCaches),
    allowed: [['set', item('x', OTHER)], ['delete', item('x')]],
    denied: [['subscribe', topic('t1')]]},
  {factory: 'cacheReadOnly', scope: S.cacheReadOnly({name: C}),
    allowed: [['get', item('x')]],
    denied: [['set', item('x')], ['delete', item('x')], ['get', item('x', OTHER)]]},
  {factory: 'cacheWriteOnly', scope: S.cacheWriteOnly(C),
    allowed: [['set', item('x')], ['delete', item('x')]],
    denied: [['get', item('x')], ['set-if-not-exists', item('x')], ['list-push-back', item('x')]]},
  {factory: 'cacheKeyReadWrite', scope: S.cacheKeyReadWrite(C, 'k1'),
    allowed: [['get', item('k1')], ['set', item('k1')]],
    denied: [['set', item('k2')], ['get', item('k1x')], ['get', item('k1', OTHER)]]},
  {factory: 'cacheKeyReadOnly', scope: S.cacheKeyReadOnly(C, 'k1'),
    allowed: [['get', item('k1')]],
    denied: [['set', item('k1')], ['get', item('k2')]]},
  {factory: 'cacheKeyWriteOnly', scope: S.cacheKeyWriteOnly(C, 'k1'),
    allowed: [['set', item('k1')]],
    denied: [['get', item('k1')], ['set', item('k2')]]},
  {factory: 'cacheKeyPrefixReadWrite', scope: S.cacheKeyPrefixReadWrite(C, 'user-'),
    allowed: [['set', item('user-42')], ['get', item('user-')]],
    denied: [['set', item('admin-1')], ['get', item('user', C)], ['get', item('user-1', OTHER)]]},
  {factory: 'cacheKeyPrefixReadOnly', scope: S.cacheKeyPrefixReadOnly(C, 'user-'),
    allowed: [['get', item('user-1')]],
    denied: [['set', item('user-1')], ['get', item('usr-1')]]},
  {factory: 'cacheKeyPrefixWriteOnly', scope: S.cacheKeyPrefixWriteOnly(C, 'user-'),
    allowed: [['set', item('user-1')]],
    denied: [['get', item('user-1')], ['set', item('admin-1')]]},
  {factory: 'topicPublishSubscribe', scope: S.topicPublishSubscribe(C, 't1'),
    allowed: [['publish', topic('t1')], ['subscribe', topic('t1')]],
    denied: [['publish', topic('t2')], ['subscribe', topic('t1', OTHER)], ['get', item('x')]]},
  {factory: 'topicSubscribeOnly', scope: S.topicSubscribeOnly(C, {name: 't1'}),
    allowed: [['subscribe', topic('t1')]],
    denied: [['publish', topic('t1')]]},
  {factory: 'topicSubscribeOnly', label: 'topicSubscribeOnly(AllCaches, AllTopics)',
    scope: S.topicSubscribeOnly(AllCaches, AllTopics),
    allowed: [['subscribe', topic('any', OTHER)]],
    denied: [['publish', topic('any', OTHER)], ['get', item('x')]]},
  {factory: 'topicPublishOnly', scope: S.topicPublishOnly(C, 't1'),
    allowed: [['publish', topic('t1')]],
    denied: [['subscribe', topic('t1')]]},
  {factory: 'functionInvoke', scope: S.functionInvoke(C, 'fn'),
    allowed: [],
    denied: [['get', item('x')], ['publish', topic('t1')]]},
  {factory: 'functionPermitNone', scope: S.functionPermitNone(C, 'fn'), invalid: true},
];

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 6: the cases cover every DisposableTokenScopes factory in the SDK', () => {
  const covered = new Set(CASES.map(c => c.factory));
  const missing = Object.keys(S).filter(name => typeof S[name] === 'function' && !covered.has(name));
  assert.deepEqual(missing, []);
});

for (const c of CASES) {
  for (const tokenId of [undefined, `audit-${c.factory}`]) {
    const name = `scenario 6: disposable ${c.label ?? c.factory}${tokenId ? ' with tokenId' : ''}`;
    if (c.invalid) {
      test(`${name} is INVALID_ARGUMENT_ERROR (PermitNone role)`, async () => {
        assertError(await emu.authClient().generateDisposableToken(c.scope, ExpiresIn.minutes(30), {tokenId}),
          MomentoErrorCode.INVALID_ARGUMENT_ERROR);
      });
      continue;
    }
    test(`${name} parses and authorizes exactly its scope`, async () => {
      const now = emu.now();
      const resp = assertSuccess(
        await emu.authClient().generateDisposableToken(c.scope, ExpiresIn.minutes(30), tokenId && {tokenId}),
        GenerateDisposableToken);
      assert.equal(resp.expiresAt.epoch(), now + 1800);

      // The token parses with the SDK, with and without endpoint overrides.
      const raw = decodeKey(resp.authToken).api_key;
      const plain = CredentialProvider.fromString(resp.authToken);
      assert.equal(plain.getAuthToken(), raw);
      assert.equal(plain.getControlEndpoint(), `control.${resp.endpoint}`);
      assert.equal(emu.credentials(resp.authToken).getAuthToken(), raw);

      for (const [action, target] of c.allowed) {
        const answer = emu.authorize(resp.authToken, action, target);
        assert.equal(answer.allowed, true, `${action} ${JSON.stringify(target)} should be allowed: ${answer.reason}`);
      }
      for (const [action, target] of c.denied) {
        const answer = emu.authorize(resp.authToken, action, target);
        assert.equal(answer.allowed, false, `${action} ${JSON.stringify(target)} should be denied`);
        assert.equal(typeof answer.reason, 'string');
      }
      const described = emu.cliJson('keys', 'describe', resp.authToken);
      assert.equal(described.kind, 'disposable_token');
      assert.equal(described.token_id, tokenId ?? '', 'keys describe reports the token id');
      assert.equal(described.refreshable, false);
    });
  }
}

test('scenario 6: a 64-character tokenId is accepted; the SDK itself rejects 65 characters', async () => {
  const scope = S.cacheReadOnly(C);
  assertSuccess(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(60), {tokenId: 'x'.repeat(64)}),
    GenerateDisposableToken);
  assertError(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(60), {tokenId: 'x'.repeat(65)}),
    MomentoErrorCode.INVALID_ARGUMENT_ERROR);
});

test('scenario 6: a disposable token expires on the emulator clock and cannot be refreshed', async () => {
  const resp = assertSuccess(
    await emu.authClient().generateDisposableToken(S.cacheReadOnly(C), ExpiresIn.seconds(30)), GenerateDisposableToken);
  assert.equal(emu.authorize(resp.authToken, 'get', item('x')).allowed, true);
  assertError(await emu.authClient(resp.authToken).refreshApiKey('anything'),
    MomentoErrorCode.AUTHENTICATION_ERROR, 'refreshing a disposable token');
  emu.advance('30s');
  assert.equal(emu.authorize(resp.authToken, 'get', item('x')).allowed, false, 'expired token is denied');
});
