// Scenario 10: the Node SDK's CacheClient against the emulator's data plane: caches, every
// scalar RPC, tokens enforced (a permission-matrix subset), items and tokens expiring on the clock.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {AllCaches, CacheDelete, CacheDecreaseTtl, CacheGet, CacheGetBatch, CacheGetWithHash, CacheIncrement,
  CacheIncreaseTtl, CacheItemGetTtl, CacheItemGetType, CacheKeysExist, CacheSet, CacheSetBatch, CacheSetIfAbsent,
  CacheSetIfAbsentOrEqual, CacheSetIfEqual, CacheSetIfNotEqual, CacheSetIfPresent, CacheSetIfPresentAndHashEqual,
  CacheSetIfPresentAndNotEqual, CacheUpdateTtl, CreateCache, DeleteCache, DisposableTokenScopes: S, ExpiresIn,
  CacheFlush, GenerateDisposableToken, ListCaches, MomentoErrorCode} = sdk;

const C = 'cache-a';
const OTHER = 'cache-b';

let emu;
let admin;
before(async () => {
  emu = await startEmulator();
  admin = emu.cacheClient();
  assertSuccess(await admin.createCache(C), CreateCache);
  assertSuccess(await admin.createCache(OTHER), CreateCache);
});
after(() => emu?.stop());

async function disposable(scope, seconds = 600) {
  const resp = await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(seconds));
  return assertSuccess(resp, GenerateDisposableToken).authToken;
}

function denied(resp, what) {
  assertError(resp, MomentoErrorCode.PERMISSION_ERROR, what);
  assert.match(resp.message(), /Insufficient permissions/, what);
}

test('scenario 10: caches are created, listed, flushed and deleted with Momento statuses', async () => {
  assert.ok((await admin.createCache(C)) instanceof CreateCache.AlreadyExists);
  assertSuccess(await admin.createCache('scratch'), CreateCache);
  const listed = assertSuccess(await admin.listCaches(), ListCaches);
  assert.deepEqual(listed.getCaches().map(c => c.getName()), [C, OTHER, 'scratch']);
  assertSuccess(await admin.set('scratch', 'k', 'v'), CacheSet);
  assertSuccess(await admin.flushCache('scratch'), CacheFlush);
  assert.ok((await admin.get('scratch', 'k')) instanceof CacheGet.Miss);
  assertSuccess(await admin.deleteCache('scratch'), DeleteCache);
  assertError(await admin.deleteCache('scratch'), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
  assertError(await admin.get('scratch', 'k'), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
});

test('scenario 10: the control plane is refused to disposable tokens', async () => {
  const token = emu.cacheClient(await disposable(S.cacheReadWrite(AllCaches)));
  denied(await token.createCache('nope'), 'createCache');
  denied(await token.listCaches(), 'listCaches');
  denied(await token.deleteCache(C), 'deleteCache');
});

test('scenario 10: get, set, delete, batches and keysExist', async () => {
  assertSuccess(await admin.set(C, 'k1', 'v1'), CacheSet);
  assert.equal((await admin.get(C, 'k1')).value(), 'v1');
  assertSuccess(await admin.setBatch(C, {k2: 'v2', k3: 'v3'}), CacheSetBatch);
  const batch = assertSuccess(await admin.getBatch(C, ['k1', 'k2', 'missing']), CacheGetBatch);
  assert.deepEqual(batch.values(), {k1: 'v1', k2: 'v2'});
  assert.deepEqual(assertSuccess(await admin.keysExist(C, ['k3', 'missing', 'k1']), CacheKeysExist).exists(),
    [true, false, true]);
  assertSuccess(await admin.delete(C, 'k1'), CacheDelete);
  assert.ok((await admin.get(C, 'k1')) instanceof CacheGet.Miss);
});

test('scenario 10: conditional sets store exactly when their condition holds', async () => {
  assert.ok((await admin.setIfPresent(C, 'cond', 'a')) instanceof CacheSetIfPresent.NotStored);
  assert.ok((await admin.setIfAbsent(C, 'cond', 'a')) instanceof CacheSetIfAbsent.Stored);
  assert.ok((await admin.setIfAbsent(C, 'cond', 'b')) instanceof CacheSetIfAbsent.NotStored);
  assert.ok((await admin.setIfEqual(C, 'cond', 'b', 'x')) instanceof CacheSetIfEqual.NotStored);
  assert.ok((await admin.setIfEqual(C, 'cond', 'b', 'a')) instanceof CacheSetIfEqual.Stored);
  assert.ok((await admin.setIfNotEqual(C, 'cond', 'c', 'b')) instanceof CacheSetIfNotEqual.NotStored);
  assert.ok((await admin.setIfNotEqual(C, 'absent', 'c', 'b')) instanceof CacheSetIfNotEqual.Stored);
  assert.ok((await admin.setIfPresentAndNotEqual(C, 'cond', 'd', 'x')) instanceof CacheSetIfPresentAndNotEqual.Stored);
  assert.ok((await admin.setIfAbsentOrEqual(C, 'cond', 'e', 'x')) instanceof CacheSetIfAbsentOrEqual.NotStored);
  assert.equal((await admin.get(C, 'cond')).value(), 'd');
});

test('scenario 10: getWithHash and hash-conditional sets agree on the hash', async () => {
  await admin.set(C, 'h', 'one');
  const hit = await admin.getWithHash(C, 'h');
  assert.ok(hit instanceof CacheGetWithHash.Hit);
  assert.equal(hit.valueString(), 'one');
  const stored = await admin.setIfPresentAndHashEqual(C, 'h', 'two', hit.hashUint8Array());
  assert.ok(stored instanceof CacheSetIfPresentAndHashEqual.Stored);
  const again = await admin.setIfPresentAndHashEqual(C, 'h', 'three', hit.hashUint8Array());
  assert.ok(again instanceof CacheSetIfPresentAndHashEqual.NotStored);
  assert.deepEqual(stored.hashUint8Array(), (await admin.getWithHash(C, 'h')).hashUint8Array());
});

test('scenario 10: increment, item type and TTLs on the emulator clock', async () => {
  assert.equal(assertSuccess(await admin.increment(C, 'n', 5), CacheIncrement).value(), 5);
  assert.equal((await admin.increment(C, 'n', -2)).value(), 3);
  await admin.set(C, 'text', 'hello');
  assertError(await admin.increment(C, 'text'), MomentoErrorCode.FAILED_PRECONDITION_ERROR);
  const type = await admin.itemGetType(C, 'n');
  assert.ok(type instanceof CacheItemGetType.Hit);
  assert.equal(type.itemType(), sdk.ItemType.SCALAR);

  await admin.set(C, 'ttl', 'v', {ttl: 100});
  assert.equal((await admin.itemGetTtl(C, 'ttl')).remainingTtlMillis(), 100_000);
  assert.ok((await admin.increaseTtl(C, 'ttl', 50_000)) instanceof CacheIncreaseTtl.NotSet);
  assert.ok((await admin.increaseTtl(C, 'ttl', 200_000)) instanceof CacheIncreaseTtl.Set);
  assert.ok((await admin.decreaseTtl(C, 'ttl', 30_000)) instanceof CacheDecreaseTtl.Set);
  assert.ok((await admin.updateTtl(C, 'missing', 30_000)) instanceof CacheUpdateTtl.Miss);
  emu.advance('29s');
  assert.ok((await admin.itemGetTtl(C, 'ttl')) instanceof CacheItemGetTtl.Hit);
  emu.advance('1s');
  assert.ok((await admin.get(C, 'ttl')) instanceof CacheGet.Miss);
  assert.ok((await admin.itemGetTtl(C, 'ttl')) instanceof CacheItemGetTtl.Miss);
});

test('scenario 10: a read-only token gets but may not set; another cache is denied', async () => {
  await admin.set(C, 'shared', 'value');
  const reader = emu.cacheClient(await disposable(S.cacheReadOnly(C)));
  assert.equal((await reader.get(C, 'shared')).value(), 'value');
  denied(await reader.set(C, 'shared', 'changed'), 'set with a read-only token');
  denied(await reader.get(OTHER, 'shared'), 'get in another cache');
  denied(await reader.get('no-such-cache', 'shared'), 'a cache it cannot see does not leak NOT_FOUND');
});

test('scenario 10: write-only tokens may not make conditional or state-returning writes', async () => {
  const writer = emu.cacheClient(await disposable(S.cacheWriteOnly(C)));
  assertSuccess(await writer.set(C, 'w', 'v'), CacheSet);
  denied(await writer.get(C, 'w'), 'get');
  denied(await writer.setIfAbsent(C, 'w2', 'v'), 'setIfAbsent');
  denied(await writer.increment(C, 'counter'), 'increment');
  denied(await writer.increaseTtl(C, 'w', 10_000), 'increaseTtl');
  assert.ok((await writer.updateTtl(C, 'w', 10_000)) instanceof CacheUpdateTtl.Set, 'an overwrite is a plain write');
});

test('scenario 10: key and key-prefix tokens: a batch needs every key allowed', async () => {
  const prefixed = emu.cacheClient(await disposable(S.cacheKeyPrefixReadWrite(C, 'user-')));
  assertSuccess(await prefixed.set(C, 'user-1', 'a'), CacheSet);
  assertSuccess(await prefixed.getBatch(C, ['user-1', 'user-2']), CacheGetBatch);
  denied(await prefixed.getBatch(C, ['user-1', 'admin-1']), 'a batch with one key outside the prefix');
  denied(await prefixed.set(C, 'admin-1', 'x'), 'a key outside the prefix');
  const single = emu.cacheClient(await disposable(S.cacheKeyReadOnly(C, 'user-1')));
  assert.equal((await single.get(C, 'user-1')).value(), 'a');
  denied(await single.get(C, 'user-2'), 'another key');
});

test('scenario 10: an expired or revoked token is an AUTHENTICATION_ERROR on a data call', async () => {
  const token = await disposable(S.cacheReadWrite(C), 30);
  const client = emu.cacheClient(token);
  assertSuccess(await client.set(C, 'exp', 'v'), CacheSet);
  emu.advance('30s');
  assertError(await client.get(C, 'exp'), MomentoErrorCode.AUTHENTICATION_ERROR);
  const other = await disposable(S.cacheReadWrite(C));
  const revoked = emu.cacheClient(other);
  assertSuccess(await revoked.set(C, 'rev', 'v'), CacheSet);
  emu.cli('keys', 'revoke', other);
  assertError(await revoked.get(C, 'rev'), MomentoErrorCode.AUTHENTICATION_ERROR);
});
