// The browser half of the example: fetch a disposable token from the backend and use it with
// @gomomento/sdk-web. Each outcome is recorded in window.results (for tests) and shown on the page.
import {
  CacheClient,
  CacheGet,
  CacheSet,
  Configurations,
  CredentialProvider,
  TopicClient,
  TopicConfigurations,
  TopicSubscribe,
} from '@gomomento/sdk-web';

const results = (window.results = {});
const list = document.getElementById('results');

function record(name, value, ok) {
  results[name] = value;
  const item = document.createElement('li');
  item.dataset.ok = String(ok);
  item.textContent = `${name}: ${value}`;
  list.appendChild(item);
}

function outcome(response) {
  if (response instanceof CacheGet.Hit) return `hit ${response.valueString()}`;
  if (response instanceof CacheGet.Miss) return 'miss';
  if (response instanceof CacheSet.Success) return 'stored';
  return response.errorCode ? response.errorCode() : String(response);
}

async function main() {
  const vended = await (await fetch('/token')).json();
  const {webUrl, cache, topic} = vended;
  // Given a URL (the emulator's gRPC-Web listener, plain http on loopback), every endpoint points at it.
  // Without one, this is production code: the SDK dials https://web.cache.E, E being the token's endpoint.
  const credentialProvider = webUrl
    ? CredentialProvider.fromDisposableToken({
        apiKey: vended.apiKey,
        endpointOverrides: {cacheEndpoint: webUrl, controlEndpoint: webUrl, tokenEndpoint: webUrl},
      })
    : CredentialProvider.fromDisposableToken({apiKey: vended.apiKey});
  const cacheClient = new CacheClient({
    configuration: Configurations.Browser.v1(),
    credentialProvider,
    defaultTtlSeconds: 60,
  });
  const topics = new TopicClient({configuration: TopicConfigurations.Browser.v1(), credentialProvider});

  const got = await cacheClient.get(cache, 'greeting');
  record('get', outcome(got), got instanceof CacheGet.Hit);
  const set = await cacheClient.set(cache, 'greeting', 'overwritten by the page');
  record('set', outcome(set), !(set instanceof CacheSet.Success));

  const messages = [];
  let delivered;
  const arrived = new Promise(resolve => (delivered = resolve));
  const subscription = await topics.subscribe(cache, topic, {
    onItem: item => {
      messages.push(item.valueString());
      delivered();
    },
    onError: error => record('subscription-error', error.errorCode(), false),
  });
  if (!(subscription instanceof TopicSubscribe.Subscription)) {
    record('subscribe', outcome(subscription), false);
    return;
  }
  record('subscribe', 'subscribed', true);
  await fetch('/publish', {method: 'POST', body: 'hello, subscribers'});
  await arrived;
  record('message', messages[0], true);
  subscription.unsubscribe();

  // The test advances the emulator's clock past the token's expiry, then calls this.
  window.afterExpiry = async () => {
    const late = await cacheClient.get(cache, 'greeting');
    record('get-after-expiry', outcome(late), !(late instanceof CacheGet.Hit));
    return results['get-after-expiry'];
  };
  window.ready = true;
}

main().catch(error => record('failure', String(error && error.stack ? error.stack : error), false));
