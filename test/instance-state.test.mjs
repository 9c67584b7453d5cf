/**
 * Every piece of an instrumentation's state belongs to that instrumentation: two instances in one process each
 * keep their own audit stream, denylist and caches; disabling one leaves the other whole; setConfig replaces
 * what the old configuration computed, and the audit trail's stream carries on under the new signing key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation, recordRevocation } from '@tokentrail/instrumentation-jwt';
import { ed25519KeyId } from '@tokentrail/instrumentation-jwt/audit-trail';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, registeredSecret } from './support/jwt-fixtures.mjs';

const telemetry = setupTelemetry();
const first = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const second = new JwtInstrumentation({ pseudonymKey: `${PSEUDONYM_KEY}-second` });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry);
telemetry.leaks.register(PERSONAL.sub, 'raw sub');
telemetry.leaks.register(PERSONAL.email, 'raw email');

const attributesOf = (record) => record.attributes;
const byEvent = (name) =>
  telemetry
    .logRecords()
    .filter((r) => r.eventName === name)
    .map(attributesOf);

function mint(claims = {}) {
  const token = jwt.sign(
    {
      sub: PERSONAL.sub,
      email: PERSONAL.email,
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      jti: randomUUID(),
      ...claims,
    },
    secret,
    { algorithm: 'HS256' },
  );
  telemetry.leaks.registerToken(token);
  return token;
}

/** Each stream's records in order: seq 1, 2, 3, … without a gap. */
function assertStreamsGapFree() {
  const seqs = new Map();
  for (const attributes of telemetry.logRecords().map(attributesOf)) {
    const stream = attributes['jwt.audit.stream'];
    if (!seqs.has(stream)) seqs.set(stream, []);
    seqs.get(stream).push(attributes['jwt.audit.seq']);
  }
  for (const [stream, seq] of seqs)
    assert.deepEqual(
      seq,
      seq.map((_, i) => i + 1),
      `stream ${stream} is gap-free`,
    );
  return seqs;
}

// The instrumentation base class lets the last instance that patches a function keep it: `second` records the
// library calls, and both instances receive what reaches every enabled instance (revocations).
const patching = second;

test('two enabled instances: a revocation is recorded by each, on two streams that each verify on their own', () => {
  telemetry.reset();
  jwt.verify(mint(), secret, { algorithms: ['HS256'] });
  recordRevocation({ jti: randomUUID(), reason: 'logout' });
  recordRevocation({ jti: randomUUID(), reason: 'admin' });
  assert.equal(byEvent('jwt.verify').length, 1);
  const revokes = byEvent('jwt.revoke');
  assert.equal(revokes.length, 4);
  assert.equal(new Set(revokes.map((a) => a['jwt.audit.stream'])).size, 2);
  assert.equal(assertStreamsGapFree().size, 2);
});

test("after one instance is disabled, the other's revocation records still arrive, and the disabled one's do not", () => {
  second.disable();
  try {
    telemetry.reset();
    recordRevocation({ token: mint(), reason: 'compromised' });
    assert.equal(byEvent('jwt.revoke').length, 1, 'exactly the enabled instance recorded the revocation');
  } finally {
    second.enable();
  }
  telemetry.reset();
  first.disable();
  try {
    recordRevocation({ token: mint(), reason: 'compromised' });
    assert.equal(byEvent('jwt.revoke').length, 1, 'and the other way round');
  } finally {
    first.enable();
  }
});

test('each instance keeps its own denylist; a disabled instance neither records nor denylists', () => {
  const revokedHere = mint();
  const revokedElsewhere = mint();
  const revokedWhileDisabled = mint();
  telemetry.reset();
  patching.recordRevocation({ token: revokedHere, reason: 'logout' });
  first.recordRevocation({ token: revokedElsewhere, reason: 'logout' });
  patching.disable();
  patching.recordRevocation({ token: revokedWhileDisabled, reason: 'logout' });
  patching.enable();
  assert.equal(byEvent('jwt.revoke').length, 2);
  const accepted = (token) => {
    telemetry.reset();
    jwt.verify(token, secret, { algorithms: ['HS256'] });
    const [attributes] = byEvent('jwt.verify');
    return (attributes['jwt.findings'] ?? []).includes('revoked_token_accepted');
  };
  assert.equal(accepted(revokedHere), true);
  assert.equal(accepted(revokedElsewhere), false, "another instance's revocation is on that instance's denylist");
  assert.equal(accepted(revokedWhileDisabled), false);
  assert.throws(() => first.recordRevocation({ reason: 'logout' }), TypeError);
});

test('setConfig mid-run: the new claim and findings policies apply at once and nothing of the old lingers', () => {
  try {
    patching.setConfig({
      pseudonymKey: PSEUDONYM_KEY,
      claims: { email: 'pseudonymize' },
      findings: { maxLifetimeSeconds: 60 },
    });
    const token = mint();
    telemetry.reset();
    jwt.verify(token, secret, { algorithms: ['HS256'] });
    let [attributes] = byEvent('jwt.verify');
    assert.equal(typeof attributes['jwt.pseudo.email'], 'string');
    assert.ok(attributes['jwt.findings'].includes('lifetime_too_long'));

    patching.setConfig({ pseudonymKey: PSEUDONYM_KEY });
    telemetry.reset();
    jwt.verify(token, secret, { algorithms: ['HS256'] });
    [attributes] = byEvent('jwt.verify');
    assert.equal(attributes['jwt.pseudo.email'], undefined, 'the old claim policy is gone');
    assert.ok(
      !(attributes['jwt.findings'] ?? []).includes('lifetime_too_long'),
      'findings cached under the old policy are gone',
    );
  } finally {
    patching.setConfig({ pseudonymKey: `${PSEUDONYM_KEY}-second` });
  }
});

test('setConfig with a new audit signing key: the stream and its sequence carry on, and the next checkpoint is signed with the new key', () => {
  const keyA = generateKeyPairSync('ed25519');
  const keyB = generateKeyPairSync('ed25519');
  const pem = (pair) => pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
  try {
    patching.setConfig({ pseudonymKey: PSEUDONYM_KEY, auditSigningKey: pem(keyA), auditCheckpointInterval: 2 });
    const tokens = [mint(), mint(), mint()];
    patching.closeAuditTrail(); // seals what came before: the interval counts from here
    telemetry.reset();
    jwt.verify(tokens[0], secret, { algorithms: ['HS256'] });
    jwt.verify(tokens[1], secret, { algorithms: ['HS256'] });
    patching.setConfig({ pseudonymKey: PSEUDONYM_KEY, auditSigningKey: pem(keyB), auditCheckpointInterval: 0 });
    jwt.verify(tokens[2], secret, { algorithms: ['HS256'] });
    patching.closeAuditTrail();
    const records = telemetry.logRecords().map(attributesOf);
    assert.equal(new Set(records.map((a) => a['jwt.audit.stream'])).size, 1, 'one stream across the change');
    const seqs = records.map((a) => a['jwt.audit.seq']);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0] + i),
      'its sequence continues without a gap',
    );
    const checkpoints = byEvent('jwt.audit.checkpoint');
    assert.deepEqual(
      checkpoints.map((a) => [a['jwt.audit.checkpoint.reason'], a['jwt.audit.checkpoint.key_id']]),
      [
        ['interval', ed25519KeyId(keyA.publicKey)],
        ['shutdown', ed25519KeyId(keyB.publicKey)],
      ],
    );
  } finally {
    patching.setConfig({ pseudonymKey: `${PSEUDONYM_KEY}-second` });
  }
});
