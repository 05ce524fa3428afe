// An application as it runs in production: it builds its Momento clients from the environment,
// one way only, and knows nothing of the emulator. It prints a JSON report for the drop-in tests.
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const {AuthClient, AuthClientConfigurations, CacheClient, CacheGet, Configurations, CredentialProvider,
  DefaultMomentoLoggerFactory, DefaultMomentoLoggerLevel, DisposableTokenScopes, ExpiresIn,
  GenerateDisposableToken, TopicClient, TopicConfigurations, TopicSubscribe} = require('@gomomento/sdk');

// The production choice: a v2 key when MOMENTO_ENDPOINT is set, else the key's own endpoint.
const credentialProvider = process.env.MOMENTO_ENDPOINT
  ? CredentialProvider.fromEnvVarV2()
  : CredentialProvider.fromEnvironmentVariable('MOMENTO_API_KEY');
const loggerFactory = new DefaultMomentoLoggerFactory(DefaultMomentoLoggerLevel.WARN);
const configuration = AuthClientConfigurations.Default.latest(loggerFactory);

const report = {
  endpoints: [credentialProvider.getControlEndpoint(), credentialProvider.getCacheEndpoint(),
    credentialProvider.getTokenEndpoint()],
  secure: credentialProvider.isEndpointSecure(),
};
const auth = new AuthClient({configuration, credentialProvider});
const minted = await auth.generateDisposableToken(DisposableTokenScopes.cacheReadWrite('orders'), ExpiresIn.minutes(5));
report.auth = minted instanceof GenerateDisposableToken.Success
  ? 'ok' : `${minted.errorCode()}: ${minted.message()}`;

// A cache (control plane), then an item set and read back (data plane).
try {
  const cache = await CacheClient.create({
    configuration: Configurations.Laptop.v1(loggerFactory), credentialProvider, defaultTtlSeconds: 300});
  report.create_cache = (await cache.createCache('orders')).type;
  report.set = (await cache.set('orders', 'order-42', 'shipped')).type;
  const found = await cache.get('orders', 'order-42');
  report.get = found instanceof CacheGet.Hit ? found.valueString() : found.toString();
  cache.close();
} catch (error) {  // CacheClient.create connects eagerly, and throws when it cannot
  report.create_cache = `Error: ${error.message}`;
}

// A topic of that cache: subscribe, publish, and receive the message.
if (report.get === 'shipped') {
  const topics = new TopicClient({configuration: TopicConfigurations.Default.latest(loggerFactory), credentialProvider});
  let receive;
  const received = new Promise(resolve => (receive = resolve));
  const subscription = await topics.subscribe('orders', 'shipments', {
    onItem: item => receive(item.valueString()),
    onError: error => receive(`error: ${error.errorCode()}`),
  });
  report.subscribe = subscription.type;
  if (subscription instanceof TopicSubscribe.Subscription) {
    report.publish = (await topics.publish('orders', 'shipments', 'order-42 dispatched')).type;
    report.received = await received;
    subscription.unsubscribe();
  }
}
console.log(JSON.stringify(report));
process.exit(0);
