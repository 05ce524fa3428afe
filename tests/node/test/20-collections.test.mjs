// Collections through the Node SDK's CacheClient: one smoke test per type, covering the calls the
// Python SDK does not offer (lengths, contains, sample, pop, retain, union store), and the WriteOnly
// role refused every write that returns state.
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {after, before, test} from 'node:test';
import {assertError, sdk, startEmulator} from '../lib/emulator.mjs';

const {ExpiresIn, MomentoErrorCode, SortedSetAggregate, SortedSetOrder} = sdk;
// Response classes the SDK does not re-export, resolved from its location so `instanceof` matches.
const {CacheSetLength, CacheSetPop} = createRequire(createRequire(import.meta.url).resolve('@gomomento/sdk'))(
  '@gomomento/sdk-core'
);
const CACHE = 'collections';

let emu;
let client;

/** Asserts resp is an instance of cls (a response namespace's Hit, Success, ...); returns it. */
function expectA(resp, cls, what) {
  if (!(resp instanceof cls)) {
    const detail = typeof resp?.errorCode === 'function' ? `${resp.errorCode()}: ${resp.message()}` : String(resp);
    assert.fail(`${what}: expected ${cls.name}, got ${detail}`);
  }
  return resp;
}

before(async () => {
  emu = await startEmulator();
  client = emu.cacheClient();
  expectA(await client.createCache(CACHE), sdk.CreateCache.Success, 'createCache');
});

after(async () => {
  await emu?.stop();
});

test('dictionary: set, get, fetch, increment, length and removal of the last field', async () => {
  await client.dictionarySetFields(CACHE, 'd', {a: '1', b: 'two'});
  const got = expectA(await client.dictionaryGetFields(CACHE, 'd', ['a', 'zz']), sdk.CacheDictionaryGetFields.Hit, 'get');
  assert.deepEqual(got.valueRecord(), {a: '1'});
  const inc = expectA(await client.dictionaryIncrement(CACHE, 'd', 'a', 41), sdk.CacheDictionaryIncrement.Success, 'inc');
  assert.equal(inc.value(), 42);
  assertError(await client.dictionaryIncrement(CACHE, 'd', 'b', 1), MomentoErrorCode.FAILED_PRECONDITION_ERROR, 'inc text');
  const length = expectA(await client.dictionaryLength(CACHE, 'd'), sdk.CacheDictionaryLength.Hit, 'length');
  assert.equal(length.length(), 2);
  const fetched = expectA(await client.dictionaryFetch(CACHE, 'd'), sdk.CacheDictionaryFetch.Hit, 'fetch');
  assert.deepEqual(fetched.valueRecord(), {a: '42', b: 'two'});
  await client.dictionaryRemoveFields(CACHE, 'd', ['a', 'b']);
  expectA(await client.dictionaryFetch(CACHE, 'd'), sdk.CacheDictionaryFetch.Miss, 'fetch after removal');
  expectA(await client.dictionaryLength(CACHE, 'd'), sdk.CacheDictionaryLength.Miss, 'length after removal');
});

test('list: concatenate with truncation, push, slices, pops, retain and remove', async () => {
  let pushed = await client.listConcatenateBack(CACHE, 'l', ['1', '2', '3']);
  assert.equal(expectA(pushed, sdk.CacheListConcatenateBack.Success, 'concat').listLength(), 3);
  pushed = await client.listConcatenateBack(CACHE, 'l', ['4', '5', '6'], {truncateFrontToSize: 5});
  assert.equal(pushed.listLength(), 5);
  pushed = await client.listPushFront(CACHE, 'l', '0', {truncateBackToSize: 5});
  assert.equal(expectA(pushed, sdk.CacheListPushFront.Success, 'pushFront').listLength(), 5);
  const all = expectA(await client.listFetch(CACHE, 'l'), sdk.CacheListFetch.Hit, 'fetch');
  assert.deepEqual(all.valueList(), ['0', '2', '3', '4', '5']);
  const slice = await client.listFetch(CACHE, 'l', {startIndex: 1, endIndex: -1});
  assert.deepEqual(slice.valueList(), ['2', '3', '4']);
  assert.equal(expectA(await client.listPopBack(CACHE, 'l'), sdk.CacheListPopBack.Hit, 'popBack').valueString(), '5');
  assert.equal(expectA(await client.listPopFront(CACHE, 'l'), sdk.CacheListPopFront.Hit, 'popFront').valueString(), '0');
  expectA(await client.listRetain(CACHE, 'l', {startIndex: 1}), sdk.CacheListRetain.Success, 'retain');
  await client.listRemoveValue(CACHE, 'l', '3');
  assert.deepEqual((await client.listFetch(CACHE, 'l')).valueList(), ['4']);
  assert.equal(expectA(await client.listLength(CACHE, 'l'), sdk.CacheListLength.Hit, 'length').length(), 1);
  await client.listPopBack(CACHE, 'l');
  expectA(await client.listFetch(CACHE, 'l'), sdk.CacheListFetch.Miss, 'fetch of an emptied list');
  expectA(await client.listPopFront(CACHE, 'l'), sdk.CacheListPopFront.Miss, 'pop of a missing list');
});

test('set: add, contains, length, sample, pop and removal of the last element', async () => {
  await client.setAddElements(CACHE, 's', ['a', 'b', 'c', 'c']);
  const contains = await client.setContainsElements(CACHE, 's', ['a', 'z']);
  assert.deepEqual(expectA(contains, sdk.CacheSetContainsElements.Hit, 'contains').containsElements(), {a: true, z: false});
  assert.equal(expectA(await client.setLength(CACHE, 's'), CacheSetLength.Hit, 'length').length(), 3);
  const sample = expectA(await client.setSample(CACHE, 's', 2), sdk.CacheSetSample.Hit, 'sample').valueArray();
  assert.equal(new Set(sample).size, 2);
  assert.ok(sample.every(e => ['a', 'b', 'c'].includes(e)));
  const popped = expectA(await client.setPop(CACHE, 's', 2), CacheSetPop.Hit, 'pop').valueArray();
  assert.equal(popped.length, 2);
  const left = expectA(await client.setFetch(CACHE, 's'), sdk.CacheSetFetch.Hit, 'fetch').valueArray();
  assert.deepEqual([...popped, ...left].sort(), ['a', 'b', 'c']);
  await client.setRemoveElements(CACHE, 's', left);
  expectA(await client.setFetch(CACHE, 's'), sdk.CacheSetFetch.Miss, 'fetch of an emptied set');
  expectA(await client.setPop(CACHE, 's', 1), CacheSetPop.Miss, 'pop of a missing set');
});

test('sorted set: ranks, scores, ranges, lengths, increment and union store', async () => {
  await client.sortedSetPutElements(CACHE, 'z', {foo: 1, bar: 3, baz: 2});
  const desc = await client.sortedSetFetchByRank(CACHE, 'z', {order: SortedSetOrder.Descending, startRank: 0, endRank: 2});
  assert.deepEqual(expectA(desc, sdk.CacheSortedSetFetch.Hit, 'byRank').value(), [
    {value: 'bar', score: 3},
    {value: 'baz', score: 2},
  ]);
  const byScore = await client.sortedSetFetchByScore(CACHE, 'z', {minScore: 2, maxScore: 3, offset: 1, count: 5});
  assert.deepEqual(byScore.value(), [{value: 'bar', score: 3}]);
  const rank = await client.sortedSetGetRank(CACHE, 'z', 'bar', {order: SortedSetOrder.Descending});
  assert.equal(expectA(rank, sdk.CacheSortedSetGetRank.Hit, 'rank').rank(), 0);
  expectA(await client.sortedSetGetRank(CACHE, 'z', 'nope'), sdk.CacheSortedSetGetRank.Miss, 'rank of a missing value');
  const inc = await client.sortedSetIncrementScore(CACHE, 'z', 'foo', 10);
  assert.equal(expectA(inc, sdk.CacheSortedSetIncrementScore.Success, 'increment').score(), 11);
  assert.equal(expectA(await client.sortedSetLength(CACHE, 'z'), sdk.CacheSortedSetLength.Hit, 'length').length(), 3);
  const ranged = await client.sortedSetLengthByScore(CACHE, 'z', {minScore: 2, maxScore: 3});
  assert.equal(expectA(ranged, sdk.CacheSortedSetLengthByScore.Hit, 'lengthByScore').length(), 2);

  await client.sortedSetPutElements(CACHE, 'z2', {bar: 1, qux: 4});
  const union = await client.sortedSetUnionStore(CACHE, 'u', [
    {sortedSetName: 'z', weight: 1},
    {sortedSetName: 'z2', weight: 2},
    {sortedSetName: 'absent', weight: 5},
  ], {aggregate: SortedSetAggregate.MAX});
  assert.equal(expectA(union, sdk.CacheSortedSetUnionStore.Success, 'unionStore').length(), 4);
  const scores = await client.sortedSetGetScores(CACHE, 'u', ['foo', 'bar', 'baz', 'qux']);
  assert.deepEqual(expectA(scores, sdk.CacheSortedSetGetScores.Hit, 'scores').valueRecord(), {foo: 11, bar: 3, baz: 2, qux: 8});
  await client.sortedSetRemoveElements(CACHE, 'z2', ['bar', 'qux']);
  expectA(await client.sortedSetFetchByRank(CACHE, 'z2'), sdk.CacheSortedSetFetch.Miss, 'fetch of an emptied sorted set');
});

test('a collection call on a scalar item fails its precondition', async () => {
  await client.set(CACHE, 'scalar', 'v');
  assertError(await client.listPushBack(CACHE, 'scalar', 'x'), MomentoErrorCode.FAILED_PRECONDITION_ERROR, 'listPushBack');
  assertError(await client.setFetch(CACHE, 'scalar'), MomentoErrorCode.FAILED_PRECONDITION_ERROR, 'setFetch');
});

test('WriteOnly: plain collection writes pass, writes that return state are refused', async () => {
  const minted = await emu.authClient().generateDisposableToken(
    sdk.DisposableTokenScopes.cacheWriteOnly(CACHE), ExpiresIn.minutes(5)
  );
  const writer = emu.cacheClient(minted.authToken);
  expectA(await writer.setAddElement(CACHE, 'w-s', 'a'), sdk.CacheSetAddElement.Success, 'setAddElement');
  expectA(await writer.sortedSetPutElement(CACHE, 'w-z', 'a', 1), sdk.CacheSortedSetPutElement.Success, 'put');
  expectA(await writer.dictionarySetField(CACHE, 'w-d', 'f', 'v'), sdk.CacheDictionarySetField.Success, 'setField');
  const refused = [
    ['setPop', () => writer.setPop(CACHE, 'w-s', 1)],
    ['sortedSetUnionStore', () => writer.sortedSetUnionStore(CACHE, 'w-u', [{sortedSetName: 'w-z', weight: 1}])],
    ['sortedSetIncrementScore', () => writer.sortedSetIncrementScore(CACHE, 'w-z', 'a', 1)],
    ['dictionaryIncrement', () => writer.dictionaryIncrement(CACHE, 'w-d', 'n', 1)],
    ['listPushBack', () => writer.listPushBack(CACHE, 'w-l', 'x')],
    ['listConcatenateFront', () => writer.listConcatenateFront(CACHE, 'w-l', ['x'])],
    ['listPopFront', () => writer.listPopFront(CACHE, 'w-l')],
    ['setFetch (a read)', () => writer.setFetch(CACHE, 'w-s')],
  ];
  for (const [what, call] of refused) {
    const resp = assertError(await call(), MomentoErrorCode.PERMISSION_ERROR, what);
    assert.match(resp.message(), /Insufficient permissions/, what);
  }
  // The refused calls changed nothing.
  assert.equal((await client.setLength(CACHE, 'w-s')).length(), 1);
  expectA(await client.sortedSetFetchByRank(CACHE, 'w-u'), sdk.CacheSortedSetFetch.Miss, 'no union was stored');
});

test('collection TTLs follow the emulator clock, refreshed by writes unless told not to', async () => {
  const refreshing = new sdk.CollectionTtl(60);
  const fixed = sdk.CollectionTtl.of(60).withNoRefreshTtlOnUpdates();
  await client.setAddElement(CACHE, 't-refresh', 'a', {ttl: refreshing});
  await client.setAddElement(CACHE, 't-fixed', 'a', {ttl: fixed});
  emu.advance('40s');
  await client.setAddElement(CACHE, 't-refresh', 'b', {ttl: refreshing});
  await client.setAddElement(CACHE, 't-fixed', 'b', {ttl: fixed});
  emu.advance('30s');
  expectA(await client.setFetch(CACHE, 't-refresh'), sdk.CacheSetFetch.Hit, 'refreshed set');
  expectA(await client.setFetch(CACHE, 't-fixed'), sdk.CacheSetFetch.Miss, 'set whose TTL was kept');
});
