/** Configuration: clear errors naming the option, the documented defaults, and one warning for a missing key. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';

const warnings = [];
diag.setLogger(
  {
    error() {},
    warn: (...args) => warnings.push(args.filter((a) => typeof a === 'string').join(' ')),
    info() {},
    debug() {},
    verbose() {},
  },
  { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
);
delete process.env.TOKENTRAIL_PSEUDONYM_KEY;

test('without a pseudonym key: each instance makes a random key and says so once, at its first use, not at construction', () => {
  const jwt = createRequire(import.meta.url)('jsonwebtoken');
  const token = jwt.sign({ sub: 'someone' }, 'config-test-secret-0123456789');
  const instances = [new JwtInstrumentation(), new JwtInstrumentation()];
  // At construction no diag logger of the application may exist yet (the SDK sets it up later): nothing is said then.
  assert.deepEqual(
    warnings.filter((w) => /pseudonym key/.test(w)),
    [],
  );
  for (const instrumentation of instances) instrumentation.wrapModule('jsonwebtoken', jwt).decode(token);
  instances[0].setConfig({});
  for (const instrumentation of instances) instrumentation.wrapModule('jsonwebtoken', jwt).decode(token);
  for (const instrumentation of instances) instrumentation.disable();
  const keyWarnings = warnings.filter((w) => /pseudonym key/.test(w));
  assert.equal(keyWarnings.length, 2, 'one per instance, however often it is used or reconfigured');
  assert.match(keyWarnings[0], /TOKENTRAIL_PSEUDONYM_KEY/);
});

const invalid = [
  [{ claims: { email: 'hash' } }, /config\.claims\.email must be "keep", "pseudonymize" or "drop" \(got "hash"\)/],
  [{ claims: ['email'] }, /config\.claims must be an object/],
  [{ pseudonymKey: 'short' }, /config\.pseudonymKey must be at least 16 bytes long \(got "5 bytes"\)/],
  [{ pseudonymKey: 42 }, /config\.pseudonymKey must be a string or a Uint8Array/],
  [{ emitSpans: 'yes' }, /config\.emitSpans must be a boolean \(got "yes"\)/],
  [{ emitLogRecords: 1 }, /config\.emitLogRecords must be a boolean \(got number\)/],
  [{ jose: false }, /config\.jose must be an object like \{ enabled: false \}/],
  [{ jsonwebtoken: { enabled: 'no' } }, /config\.jsonwebtoken\.enabled must be a boolean/],
  [{ fastJwt: 'off' }, /config\.fastJwt must be an object like \{ enabled: false \}/],
  [{ fastJwt: { enabled: 1 } }, /config\.fastJwt\.enabled must be a boolean/],
  [{ rolesClaim: '' }, /config\.rolesClaim must be a claim name, a non-empty array of names, or null/],
  [{ rolesClaim: ['realm_access', 3] }, /config\.rolesClaim must be/],
  [{ verifyHook: 'log' }, /config\.verifyHook must be a function/],
];

for (const [config, message] of invalid) {
  test(`invalid config is refused with a TypeError: ${JSON.stringify(config)}`, () => {
    assert.throws(() => new JwtInstrumentation({ enabled: false, ...config }), { name: 'TypeError', message });
  });
}

test('setConfig validates too, and keeps the previous configuration when refused', () => {
  const instrumentation = new JwtInstrumentation({
    enabled: false,
    pseudonymKey: 'a-valid-key-of-16+bytes',
    emitMetrics: false,
  });
  assert.throws(() => instrumentation.setConfig({ claims: { email: 'reveal' } }), TypeError);
  assert.equal(instrumentation.getConfig().emitMetrics, false);
  assert.equal(instrumentation.getConfig().enabled, false);
});

test('the key may come from TOKENTRAIL_PSEUDONYM_KEY, and is checked the same way', () => {
  process.env.TOKENTRAIL_PSEUDONYM_KEY = 'tiny';
  try {
    assert.throws(() => new JwtInstrumentation({ enabled: false }), /pseudonymKey must be at least 16 bytes/);
  } finally {
    delete process.env.TOKENTRAIL_PSEUDONYM_KEY;
  }
});

test('valid configurations are accepted', () => {
  for (const config of [
    {},
    { claims: { email: 'pseudonymize', tenant: 'keep', iss: 'drop' } },
    { rolesClaim: ['realm_access', 'roles'] },
    { rolesClaim: null },
    { pseudonymKey: new Uint8Array(32) },
    { jose: { enabled: false }, jsonwebtoken: {} },
  ]) {
    assert.doesNotThrow(
      () => new JwtInstrumentation({ enabled: false, pseudonymKey: 'a-valid-key-of-16+bytes', ...config }),
    );
  }
});
