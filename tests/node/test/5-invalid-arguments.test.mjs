// Scenario 5: the server answers INVALID_ARGUMENT for permission lists the SDK sends unchecked.
import {after, before, test} from 'node:test';
import {assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {
  AllCaches, CacheRole, DisposableTokenScopes, ExpiresIn, GenerateApiKey, GenerateDisposableToken,
  MomentoErrorCode, TopicRole,
} = sdk;
const INVALID = MomentoErrorCode.INVALID_ARGUMENT_ERROR;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('scenario 5: an empty permission list is INVALID_ARGUMENT_ERROR', async () => {
  assertError(await emu.authClient().generateApiKey({permissions: []}, ExpiresIn.seconds(60)), INVALID,
    'generateApiKey with []');
  assertError(await emu.authClient().generateDisposableToken({permissions: []}, ExpiresIn.seconds(60)), INVALID,
    'generateDisposableToken with []');
});

test('scenario 5: duplicate cache permissions (ReadOnly AllCaches + ReadWrite AllCaches) are INVALID_ARGUMENT_ERROR', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadOnly, cache: AllCaches},
    {role: CacheRole.ReadWrite, cache: AllCaches},
  ]};
  assertError(await emu.authClient().generateApiKey(scope, ExpiresIn.seconds(60)), INVALID);
});

test('scenario 5: identical cache permissions repeated are INVALID_ARGUMENT_ERROR', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadWrite, cache: 'c1'},
    {role: CacheRole.ReadWrite, cache: 'c1'},
  ]};
  assertError(await emu.authClient().generateApiKey(scope, ExpiresIn.seconds(60)), INVALID);
});

test('scenario 5: conflicting permissions on one named cache are INVALID_ARGUMENT_ERROR', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadOnly, cache: 'orders'},
    {role: CacheRole.WriteOnly, cache: {name: 'orders'}},
  ]};
  assertError(await emu.authClient().generateApiKey(scope, ExpiresIn.seconds(60)), INVALID);
});

test('scenario 5: conflicting topic permissions on one cache+topic are INVALID_ARGUMENT_ERROR', async () => {
  const scope = {permissions: [
    {role: TopicRole.PublishOnly, cache: 'chat', topic: 'room-1'},
    {role: TopicRole.SubscribeOnly, cache: 'chat', topic: {name: 'room-1'}},
  ]};
  assertError(await emu.authClient().generateApiKey(scope, ExpiresIn.seconds(60)), INVALID);
});

test('scenario 5: conflicting disposable permissions on one cache+key are INVALID_ARGUMENT_ERROR', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadOnly, cache: 'c1', item: 'k1'},
    {role: CacheRole.ReadWrite, cache: 'c1', item: {key: 'k1'}},
  ]};
  assertError(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(60)), INVALID);
});

test('scenario 5: non-overlapping permissions are accepted (control for the cases above)', async () => {
  const scope = {permissions: [
    {role: CacheRole.ReadOnly, cache: 'orders'},
    {role: CacheRole.ReadWrite, cache: 'carts'},
    {role: TopicRole.PublishOnly, cache: 'chat', topic: 'room-1'},
    {role: TopicRole.SubscribeOnly, cache: 'chat', topic: 'room-2'},
    {role: TopicRole.PublishSubscribe, cache: 'chat', topic: 'room-3'},
  ]};
  assertSuccess(await emu.authClient().generateApiKey(scope, ExpiresIn.seconds(60)), GenerateApiKey);
  const disposable = {permissions: [
    {role: CacheRole.ReadOnly, cache: 'c1', item: 'k1'},
    {role: CacheRole.ReadWrite, cache: 'c1', item: 'k2'},
  ]};
  assertSuccess(await emu.authClient().generateDisposableToken(disposable, ExpiresIn.seconds(60)),
    GenerateDisposableToken);
});

test('scenario 5: more than ten permission objects is INVALID_ARGUMENT_ERROR, ten is accepted', async () => {
  const perms = n => ({permissions: Array.from({length: n}, (_, i) => ({role: CacheRole.ReadOnly, cache: `c${i}`}))});
  assertSuccess(await emu.authClient().generateApiKey(perms(10), ExpiresIn.seconds(60)), GenerateApiKey, '10');
  assertError(await emu.authClient().generateApiKey(perms(11), ExpiresIn.seconds(60)), INVALID, '11');
});

test('scenario 5: disposable lifetime over 1 hour is INVALID_ARGUMENT_ERROR, exactly 1 hour is accepted', async () => {
  const scope = DisposableTokenScopes.cacheReadOnly('c1');
  assertSuccess(await emu.authClient().generateDisposableToken(scope, ExpiresIn.hours(1)), GenerateDisposableToken);
  assertError(await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(3601)), INVALID);
});

test('scenario 5: a disposable token with 0 s lifetime is INVALID_ARGUMENT_ERROR', async () => {
  assertError(await emu.authClient().generateDisposableToken(DisposableTokenScopes.cacheReadOnly('c1'),
    ExpiresIn.seconds(0)), INVALID);
});
