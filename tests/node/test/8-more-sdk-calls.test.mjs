// Scenario 8: more SDK calls: generateApiKey with every PermissionScopes factory and with mixed
// explicit lists, refreshApiKey keeping what was recorded, and disposable tokens with item lists.
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {after, before, test} from 'node:test';
import {assertError, assertSuccess, decodeKey, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllCaches, AllFunctions, AllTopics, CacheRole, ExpiresIn, FunctionRole, GenerateApiKey,
  GenerateDisposableToken, MomentoErrorCode, PermissionScopes: P, RefreshApiKey, TopicRole} = sdk;

// Modules the SDK does not re-export, resolved from its location so symbols and classes match its own.
const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@gomomento/sdk'));
const {AllCacheItems} = sdkRequire('@gomomento/sdk-core');
const grpc = sdkRequire('@grpc/grpc-js');
const {auth} = sdkRequire('@gomomento/generated-types');
const {permissionsFromTokenScope} = sdkRequire('./internal/internal-auth-client');

const C = 'cache-a';
const OTHER = 'cache-b';
const item = (key, cache = C) => ({cache, item: key});
const topic = (name, cache = C) => ({cache, topic: name});
const func = (name, cache = C) => ({cache, func: name});

// factory: the PermissionScopes export exercised; text: what `keys describe` records;
// allowed/denied: [action, target] pairs checked with `emulator authorize`.
const CASES = [
  {factory: 'cacheReadWrite', scope: P.cacheReadWrite(C),
    text: "cache-read-write on cache 'cache-a', all items",
    allowed: [['get', item('x')], ['set', item('x')], ['set-if-not-exists', item('x')], ['list-push-back', item('x')]],
    denied: [['get', item('x', OTHER)], ['publish', topic('t1')], ['invoke-function', func('fn')]]},
  {factory: 'cacheReadOnly', label: 'cacheReadOnly(AllCaches)', scope: P.cacheReadOnly(AllCaches),
    text: 'cache-read-only on all caches, all items',
    allowed: [['get', item('x')], ['dictionary-fetch', item('x', OTHER)]],
    denied: [['set', item('x')], ['set-if-not-exists', item('x', OTHER)], ['subscribe', topic('t1')]]},
  {factory: 'cacheWriteOnly', scope: P.cacheWriteOnly({name: C}),
    text: "cache-write-only on cache 'cache-a', all items",
    allowed: [['set', item('x')], ['delete', item('x')]],
    denied: [['get', item('x')], ['set-if-not-exists', item('x')], ['increment', item('x')], ['set', item('x', OTHER)]]},
  {factory: 'topicPublishSubscribe', scope: P.topicPublishSubscribe(C, 't1'),
    text: "topic-publish-subscribe on cache 'cache-a', topic 't1'",
    allowed: [['publish', topic('t1')], ['subscribe', topic('t1')]],
    denied: [['publish', topic('t2')], ['subscribe', topic('t1', OTHER)], ['get', item('x')]]},
  {factory: 'topicSubscribeOnly', scope: P.topicSubscribeOnly(AllCaches, {name: 't1'}),
    text: "topic-subscribe-only on all caches, topic 't1'",
    allowed: [['subscribe', topic('t1')], ['subscribe', topic('t1', OTHER)]],
    denied: [['publish', topic('t1')], ['subscribe', topic('t2')]]},
  {factory: 'topicPublishOnly', label: 'topicPublishOnly(AllTopics)', scope: P.topicPublishOnly(C, AllTopics),
    text: "topic-publish-only on cache 'cache-a', all topics",
    allowed: [['publish', topic('t1')], ['publish', topic('any')]],
    denied: [['subscribe', topic('t1')], ['publish', topic('t1', OTHER)]]},
  {factory: 'functionInvoke', label: 'functionInvoke(AllFunctions)', scope: P.functionInvoke(C, AllFunctions),
    text: "function-invoke on cache 'cache-a', all functions",
    allowed: [['invoke-function', func('fn')], ['invoke-function', func('other-fn')]],
    denied: [['invoke-function', func('fn', OTHER)], ['get', item('x')], ['publish', topic('t1')]]},
  {factory: 'functionInvoke', label: 'functionInvoke({namePrefix})',
    scope: P.functionInvoke(AllCaches, {namePrefix: 'fn-'}),
    text: "function-invoke on all caches, functions with prefix 'fn-'",
    allowed: [['invoke-function', func('fn-1')], ['invoke-function', func('fn-', OTHER)]],
    denied: [['invoke-function', func('fn1')], ['invoke-function', func('admin')]]},
  {factory: 'functionInvoke', label: 'functionInvoke({name})', scope: P.functionInvoke({name: C}, {name: 'fn'}),
    text: "function-invoke on cache 'cache-a', function 'fn'",
    allowed: [['invoke-function', func('fn')]],
    denied: [['invoke-function', func('fn2')], ['invoke-function', func('f')], ['invoke-function', func('fn', OTHER)]]},
  {factory: 'functionPermitNone', scope: P.functionPermitNone(C, 'fn'), invalid: true},
];

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

/** `emulator authorize`, also for functions (the shared helper covers items and topics). */
function authorize(key, action, {cache, item, topic, func}) {
  if (func === undefined) return emu.authorize(key, action, {cache, item, topic});
  return emu.cliJson('authorize', '--key', key, '--action', action, '--cache', cache, '--function', func);
}

function assertScope(key, allowed, denied) {
  for (const [action, target] of allowed) {
    const answer = authorize(key, action, target);
    assert.equal(answer.allowed, true, `${action} ${JSON.stringify(target)} should be allowed: ${answer.reason}`);
  }
  for (const [action, target] of denied) {
    const answer = authorize(key, action, target);
    assert.equal(answer.allowed, false, `${action} ${JSON.stringify(target)} should be denied`);
  }
}

test('scenario 8: the cases cover every PermissionScopes factory in the SDK', () => {
  const covered = new Set(CASES.map(c => c.factory));
  const missing = Object.keys(P).filter(name => typeof P[name] === 'function' && !covered.has(name));
  assert.deepEqual(missing, []);
});

for (const c of CASES) {
  const name = `scenario 8: generateApiKey with ${c.label ?? c.factory}`;
  if (c.invalid) {
    test(`${name} is INVALID_ARGUMENT_ERROR (PermitNone role)`, async () => {
      assertError(await emu.authClient().generateApiKey(c.scope, ExpiresIn.minutes(5)),
        MomentoErrorCode.INVALID_ARGUMENT_ERROR);
    });
    continue;
  }
  test(`${name} records and authorizes exactly its scope`, async () => {
    const now = emu.now();
    const resp = assertSuccess(await emu.authClient().generateApiKey(c.scope, ExpiresIn.minutes(5)), GenerateApiKey);
    assert.equal(resp.expiresAt.epoch(), now + 300);
    const described = emu.cliJson('keys', 'describe', resp.apiKey);
    assert.equal(described.kind, 'api_key');
    assert.equal(described.permissions_text, c.text);
    assert.equal(described.refreshable, true);
    assertScope(resp.apiKey, c.allowed, c.denied);
  });
}

test('scenario 8: an explicit permission list mixing cache, topic and function roles grants their union', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadOnly, cache: AllCaches},
    {role: CacheRole.WriteOnly, cache: {name: 'carts'}},
    {role: TopicRole.PublishSubscribe, cache: 'chat', topic: {name: 'room-1'}},
    {role: TopicRole.SubscribeOnly, cache: 'chat', topic: AllTopics},
    {role: TopicRole.PublishOnly, cache: AllCaches, topic: 'alerts'},
    {role: FunctionRole.FunctionInvoke, cache: 'carts', func: {namePrefix: 'checkout-'}},
  ]};
  const resp = assertSuccess(await emu.authClient().generateApiKey(scope, ExpiresIn.hours(1)), GenerateApiKey);
  assert.equal(emu.cliJson('keys', 'describe', resp.apiKey).permissions.length, 6);
  // [action, target, index of the permission that allows it]
  for (const [action, target, index] of [
    ['get', item('x', 'orders'), 0],
    ['get', item('x', 'carts'), 0],
    ['set', item('x', 'carts'), 1],
    ['publish', topic('room-1', 'chat'), 2],
    ['subscribe', topic('room-2', 'chat'), 3],
    ['publish', topic('alerts', 'orders'), 4],
    ['invoke-function', func('checkout-v2', 'carts'), 5],
  ]) {
    const answer = authorize(resp.apiKey, action, target);
    assert.equal(answer.allowed, true, `${action} ${JSON.stringify(target)}: ${answer.reason}`);
    assert.equal(answer.matched_index, index, `${action} ${JSON.stringify(target)}`);
  }
  assertScope(resp.apiKey, [], [
    ['set', item('x', 'orders')],
    ['set-if-not-exists', item('x', 'carts')],
    ['publish', topic('room-2', 'chat')],
    ['subscribe', topic('alerts', 'orders')],
    ['invoke-function', func('checkout-v2', 'orders')],
    ['invoke-function', func('refund', 'carts')],
    ['create-cache', {cache: 'carts'}],
  ]);
});

/**
 * generateApiKey in SDK 1.118.1 cannot send token_id or description, so mint over the wire with the
 * SDK's own generated client and permission conversion; returns {apiKey, refreshToken} like the SDK.
 */
function mintWithTokenIdAndDescription(scope, seconds, tokenId, description) {
  const client = new auth.auth.AuthClient(emu.target, grpc.credentials.createInsecure());
  const request = new auth.auth._GenerateApiTokenRequest({
    auth_token: decodeKey(emu.info.api_key).api_key,
    permissions: permissionsFromTokenScope(scope),
    expires: new auth.auth._GenerateApiTokenRequest.Expires({valid_for_seconds: seconds}),
    token_id: tokenId,
    description,
  });
  return new Promise((resolve, reject) => client.GenerateApiToken(request, (err, resp) => {
    client.close();
    if (err) return reject(err);
    const apiKey = Buffer.from(JSON.stringify({endpoint: resp.endpoint, api_key: resp.api_key})).toString('base64');
    resolve({apiKey, refreshToken: resp.refresh_token});
  }));
}

test('scenario 8: refreshApiKey keeps permissions, tokenId and description, and counts the duration from now',
  async () => {
    const scope = {permissions: [
      {role: CacheRole.ReadOnly, cache: C},
      {role: TopicRole.PublishOnly, cache: C, topic: 't1'},
      {role: FunctionRole.FunctionInvoke, cache: C, func: {namePrefix: 'fn-'}},
    ]};
    const original = await mintWithTokenIdAndDescription(scope, 600, 'ci-runner-7', 'nightly build key');
    const oldInfo = emu.cliJson('keys', 'describe', original.apiKey);
    assert.equal(oldInfo.token_id, 'ci-runner-7');

    emu.advance('4m');
    const now = emu.now();
    const refreshed = assertSuccess(
      await emu.authClient(original.apiKey).refreshApiKey(original.refreshToken), RefreshApiKey);
    assert.equal(refreshed.expiresAt.epoch(), now + 600, 'the same 600 s, counted from the refresh');

    const newInfo = emu.cliJson('keys', 'describe', refreshed.apiKey);
    assert.notEqual(newInfo.key_id, oldInfo.key_id);
    assert.equal(newInfo.issued_by, oldInfo.key_id);
    assert.deepEqual(newInfo.permissions, oldInfo.permissions);
    assert.equal(newInfo.permissions_text, oldInfo.permissions_text);
    assert.equal(newInfo.token_id, 'ci-runner-7');
    assert.equal(newInfo.description, 'nightly build key');
    assert.equal(newInfo.valid_for_seconds, 600);
    assert.equal(Date.parse(newInfo.valid_until) / 1000, now + 600);
    assertScope(refreshed.apiKey,
      [['get', item('x')], ['publish', topic('t1')], ['invoke-function', func('fn-1')]],
      [['set', item('x')], ['subscribe', topic('t1')], ['invoke-function', func('other')], ['get', item('x', OTHER)]]);
  });

test('scenario 8: generateDisposableToken with explicit {key}, {keyPrefix} and AllCacheItems lists and a tokenId',
  async () => {
    const scope = {permissions: [
      {role: CacheRole.ReadOnly, cache: C, item: {key: 'config'}},
      {role: CacheRole.ReadWrite, cache: C, item: {keyPrefix: 'user-42/'}},
      {role: CacheRole.WriteOnly, cache: OTHER, item: AllCacheItems},
      {role: FunctionRole.FunctionInvoke, cache: C, func: 'fn'},
    ]};
    const now = emu.now();
    const resp = assertSuccess(
      await emu.authClient().generateDisposableToken(scope, ExpiresIn.minutes(10), {tokenId: 'user-42'}),
      GenerateDisposableToken);
    assert.equal(resp.expiresAt.epoch(), now + 600);
    const described = emu.cliJson('keys', 'describe', resp.authToken);
    assert.equal(described.kind, 'disposable_token');
    assert.equal(described.token_id, 'user-42');
    assert.equal(described.permissions_text, [
      "cache-read-only on cache 'cache-a', item 'config'",
      "cache-read-write on cache 'cache-a', items with prefix 'user-42/'",
      "cache-write-only on cache 'cache-b', all items",
      "function-invoke on cache 'cache-a', function 'fn'",
    ].join('; '));
    assertScope(resp.authToken,
      [['get', item('config')], ['get', item('user-42/cart')], ['list-push-back', item('user-42/cart')],
        ['set', item('anything', OTHER)], ['invoke-function', func('fn')]],
      [['set', item('config')], ['get', item('config2')], ['get', item('user-43/cart')],
        ['get', item('anything', OTHER)], ['get', item('user-42/cart', OTHER)], ['invoke-function', func('fn2')]]);
  });
