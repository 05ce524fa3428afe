// Scenario 12: the Node SDK's TopicClient against the emulator: a heartbeat-first subscription,
// numbered items carrying the publishing token's id, topic-scoped disposable tokens allowed and
// refused by role, and a token expiring on the emulator's clock.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {assertError, assertSuccess, sdk, startEmulator} from '../lib/emulator.mjs';

const {CreateCache, DisposableTokenScopes: S, ExpiresIn, GenerateDisposableToken, MomentoErrorCode, TopicClient,
  TopicConfigurations, TopicPublish, TopicSubscribe, DefaultMomentoLoggerFactory, DefaultMomentoLoggerLevel} = sdk;

const C = 'chat';

let emu;
const subscriptions = [];
before(async () => {
  emu = await startEmulator();
  assertSuccess(await emu.cacheClient().createCache(C), CreateCache);
});
// The TopicClient of SDK 1.118.1 has no close(): ending every subscription and stopping the
// emulator is what lets its channels go.
after(async () => {
  for (const subscription of subscriptions) subscription.unsubscribe();
  await emu?.stop();
});

function topicClient(b64Key = emu.info.api_key) {
  return new TopicClient({
    configuration: TopicConfigurations.Default.latest(
      new DefaultMomentoLoggerFactory(DefaultMomentoLoggerLevel.WARN)),
    credentialProvider: emu.credentials(b64Key),
  });
}

async function disposable(scope, {tokenId, seconds = 600} = {}) {
  const resp = await emu.authClient().generateDisposableToken(scope, ExpiresIn.seconds(seconds), {tokenId});
  return assertSuccess(resp, GenerateDisposableToken).authToken;
}

/** Subscribes and collects items; `until(n)` resolves once n items have arrived. */
async function subscribe(client, topic) {
  const items = [];
  const waiting = [];
  let heartbeats = 0;
  const subscription = await client.subscribe(C, topic, {
    onItem: item => {
      items.push(item);
      for (const w of waiting.filter(w => items.length >= w.n)) w.resolve(items);
    },
    onHeartbeat: () => heartbeats++,
    onError: err => assert.fail(`subscription to ${topic}: ${err}`),
  });
  assert.ok(subscription instanceof TopicSubscribe.Subscription, `subscribe to ${topic}: ${subscription}`);
  subscriptions.push(subscription);
  return {
    subscription,
    heartbeats: () => heartbeats,
    until: n => (items.length >= n ? Promise.resolve(items) : new Promise(resolve => waiting.push({n, resolve}))),
  };
}

test('scenario 12: a subscriber gets a heartbeat, then numbered items with the publisher\'s token id', async () => {
  const room = await subscribe(topicClient(), 'room-1');
  assert.ok(room.heartbeats() >= 1, 'the first message of a subscription is a heartbeat');
  const device = topicClient(await disposable(S.topicPublishOnly(C, 'room-1'), {tokenId: 'device-7'}));
  assertSuccess(await device.publish(C, 'room-1', 'hello'), TopicPublish);
  assertSuccess(await topicClient().publish(C, 'room-1', new Uint8Array([0, 255])), TopicPublish);
  const items = await room.until(2);
  room.subscription.unsubscribe();
  assert.deepEqual(items.map(i => [i.sequenceNumber(), i.tokenId()]), [[1, 'device-7'], [2, '']]);
  assert.equal(items[0].valueString(), 'hello');
  assert.deepEqual([...items[1].valueUint8Array()], [0, 255]);
});

test('scenario 12: a subscribe-only token may subscribe and is refused a publish; a publish-only one the reverse',
  async () => {
    const reader = topicClient(await disposable(S.topicSubscribeOnly(C, 'room-2'), {tokenId: 'reader'}));
    const heard = await subscribe(reader, 'room-2');
    const refused = assertError(await reader.publish(C, 'room-2', 'x'), MomentoErrorCode.PERMISSION_ERROR, 'publish');
    assert.match(refused.message(), /Insufficient permissions/);
    assertError(await reader.subscribe(C, 'room-3', {}), MomentoErrorCode.PERMISSION_ERROR, 'another topic');
    assertSuccess(await topicClient().publish(C, 'room-2', 'for the reader'), TopicPublish);
    const [item] = await heard.until(1);
    heard.subscription.unsubscribe();
    assert.deepEqual([item.valueString(), item.sequenceNumber()], ['for the reader', 1]);

    const writer = topicClient(await disposable(S.topicPublishOnly(C, 'room-2'), {tokenId: 'writer'}));
    assertError(await writer.subscribe(C, 'room-2', {}), MomentoErrorCode.PERMISSION_ERROR, 'subscribe');
    assertError(await topicClient().publish('missing', 'room-2', 'x'), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
  });

test('scenario 12: a topic token expires on the emulator\'s clock: AUTHENTICATION_ERROR on publish and subscribe',
  async () => {
    const client = topicClient(await disposable(S.topicPublishSubscribe(C, 'room-4'), {seconds: 30}));
    assertSuccess(await client.publish(C, 'room-4', 'before'), TopicPublish);
    emu.advance('29s');
    assertSuccess(await client.publish(C, 'room-4', 'just before'), TopicPublish);
    emu.advance('1s');
    const expired = assertError(await client.publish(C, 'room-4', 'after'), MomentoErrorCode.AUTHENTICATION_ERROR);
    assert.doesNotMatch(expired.message(), /Insufficient permissions/);
    assertError(await client.subscribe(C, 'room-4', {}), MomentoErrorCode.AUTHENTICATION_ERROR, 'subscribe');
  });
