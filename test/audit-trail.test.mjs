/**
 * The audit trail as emitted: real records from the real SDK (in process, and from the express-jose example
 * under @tokentrail/register exporting OTLP/protobuf and OTLP/JSON), checked with an implementation of
 * docs/audit-trail.md that shares no code with the package.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import * as joseModule from 'jose';
import { attribute, checkpointSignatureValid, recomputeStream, streamsOf } from './support/audit-chain-reference.mjs';
import { recordTrail, signingKeys } from './support/audit-trail-run.mjs';
import { setupTelemetry } from './support/telemetry.mjs';

const telemetry = setupTelemetry();

function thumbprint(publicKey) {
  const { crv, kty, x } = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
}

describe('a trail exported by a real service', () => {
  const keys = signingKeys();
  const runs = {};
  const REQUESTS = 16;
  before(async () => {
    for (const protocol of ['http/protobuf', 'http/json'])
      runs[protocol] = await recordTrail({ protocol, privatePem: keys.privatePem, requests: REQUESTS, interval: 5 });
  });

  for (const protocol of ['http/protobuf', 'http/json']) {
    test(`${protocol}: every chain value recomputes from the documented canonical form; checkpoints every 5 records, signed, and a closing one`, () => {
      const { logBodies } = runs[protocol];
      const streams = streamsOf(logBodies);
      assert.equal(streams.size, 1, 'one process, one stream');
      const [[stream, records]] = streams;
      assert.match(stream, /^[0-9a-f]{32}$/);
      assert.deepEqual(
        records.map((r) => attribute(r, 'jwt.audit.seq')),
        records.map((_, i) => i + 1),
        'seq 1…n without gap or repeat',
      );
      // At least a token issued and a request audited per round, so several checkpoints fall inside the run.
      const audited = records.filter((r) => r.eventName !== 'jwt.audit.checkpoint').length;
      assert.ok(audited >= 2 * REQUESTS, `a trail of ${audited} audit records and its checkpoints`);
      assert.deepEqual(recomputeStream(records), [], 'every chain value matches');
      for (const record of records)
        assert.match(
          String(record.timeUnixNano),
          /^\d+000000$/,
          'the timestamp is the one chained, in whole milliseconds',
        );

      const checkpoints = records.filter((r) => r.eventName === 'jwt.audit.checkpoint');
      let since = 0;
      const publicKey = createPublicKey(keys.publicPem);
      for (const record of records) {
        if (record.eventName !== 'jwt.audit.checkpoint') {
          since += 1;
          continue;
        }
        const seq = attribute(record, 'jwt.audit.seq');
        assert.equal(attribute(record, 'jwt.audit.checkpoint.count'), seq - 1);
        assert.equal(attribute(record, 'jwt.audit.checkpoint.head'), attribute(records[seq - 2], 'jwt.audit.chain'));
        assert.equal(attribute(record, 'jwt.audit.checkpoint.key_id'), thumbprint(publicKey));
        assert.ok(checkpointSignatureValid(stream, record, publicKey), `checkpoint ${seq} is signed`);
        if (attribute(record, 'jwt.audit.checkpoint.reason') === 'interval')
          assert.equal(since, 5, 'an interval checkpoint after every 5 records');
        since = 0;
      }
      assert.equal(
        checkpoints.filter((r) => attribute(r, 'jwt.audit.checkpoint.reason') === 'interval').length,
        Math.floor(audited / 5),
        'one interval checkpoint per 5 records',
      );
      assert.ok(checkpoints.length >= 3, 'several checkpoints inside the run');
      assert.equal(attribute(records.at(-1), 'jwt.audit.checkpoint.reason'), 'shutdown', 'SIGTERM sealed the trail');
    });

    test(`${protocol}: no key material and no token is exported`, () => {
      const exported = JSON.stringify(runs[protocol].allBodies);
      const pemBody = keys.privatePem
        .split('\n')
        .filter((line) => line && !line.startsWith('-----'))
        .join('');
      const { d } = createPrivateKey(keys.privatePem).export({ format: 'jwk' });
      assert.ok(!exported.includes(pemBody), 'the private key PEM is not exported');
      assert.ok(!exported.includes(d), 'nor its JWK form');
      for (const token of runs[protocol].tokens)
        for (const segment of token.split('.')) assert.ok(!exported.includes(segment), 'no token segment is exported');
    });
  }
});

describe('in process', () => {
  const instrumentation = new JwtInstrumentation({
    auditCheckpointInterval: 3,
    pseudonymKey: 'audit-trail-in-process-key',
  });
  const jose = instrumentation.wrapModule('jose', joseModule);
  const secret = new TextEncoder().encode('an-hs256-secret-of-32-bytes-long!');
  telemetry.leaks.register(secret, 'HS256 secret');

  test('closing an empty trail emits nothing; checkpoints follow every 3 records; a second close is a no-op', async () => {
    instrumentation.closeAuditTrail();
    assert.equal(telemetry.logRecords().length, 0);
    for (let i = 0; i < 4; i++) {
      const token = await new jose.SignJWT({ sub: `user-${i}` }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
      telemetry.leaks.registerToken(token);
      jose.decodeJwt(token);
    }
    instrumentation.closeAuditTrail();
    instrumentation.closeAuditTrail();
    const records = telemetry.logRecords();
    assert.deepEqual(
      records.map((r) => r.eventName),
      [
        'jwt.sign',
        'jwt.decode',
        'jwt.sign',
        'jwt.audit.checkpoint',
        'jwt.decode',
        'jwt.sign',
        'jwt.decode',
        'jwt.audit.checkpoint',
        'jwt.sign',
        'jwt.decode',
        'jwt.audit.checkpoint',
      ],
    );
    assert.deepEqual(
      records.map((r) => r.attributes['jwt.audit.seq']),
      records.map((_, i) => i + 1),
    );
    assert.deepEqual(
      records
        .filter((r) => r.eventName === 'jwt.audit.checkpoint')
        .map((r) => r.attributes['jwt.audit.checkpoint.reason']),
      ['interval', 'interval', 'shutdown'],
    );
    assert.equal(records.at(-1).spanContext, undefined, 'a checkpoint carries no trace context');
    for (const record of records)
      assert.equal(record.hrTime[1] % 1_000_000, 0, 'timestamps are set explicitly, in milliseconds');
  });

  test('an invalid interval or a key that is not Ed25519 is refused, naming the option and never the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    assert.throws(
      () => new JwtInstrumentation({ enabled: false, auditCheckpointInterval: -1 }),
      /config\.auditCheckpointInterval must be a whole number/,
    );
    assert.throws(() => new JwtInstrumentation({ enabled: false, auditCheckpointInterval: 2.5 }), TypeError);
    assert.throws(
      () => new JwtInstrumentation({ enabled: false, auditSigningKey: rsa }),
      (error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /config\.auditSigningKey must be an Ed25519 private key \(got a rsa key\)/);
        assert.ok(!error.message.includes('PRIVATE KEY'));
        return true;
      },
    );
    assert.throws(
      () => new JwtInstrumentation({ enabled: false, auditSigningKey: 'not a key' }),
      /auditSigningKey must be an Ed25519 private key/,
    );
    const { privateKey } = generateKeyPairSync('ed25519');
    for (const key of [
      privateKey,
      privateKey.export({ format: 'jwk' }),
      JSON.stringify(privateKey.export({ format: 'jwk' })),
    ]) {
      assert.doesNotThrow(() => new JwtInstrumentation({ enabled: false, auditSigningKey: key }));
    }
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    try {
      process.env.TOKENTRAIL_AUDIT_SIGNING_KEY = pem.replaceAll('\n', '\\n');
      assert.doesNotThrow(
        () => new JwtInstrumentation({ enabled: false }),
        'a PEM with its line breaks written as \\n',
      );
      process.env.TOKENTRAIL_AUDIT_SIGNING_KEY = 'garbage';
      assert.throws(
        () => new JwtInstrumentation({ enabled: false }),
        /^TypeError: TOKENTRAIL_AUDIT_SIGNING_KEY must be an Ed25519 private key/,
      );
      delete process.env.TOKENTRAIL_AUDIT_SIGNING_KEY;
      process.env.TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL = 'often';
      assert.throws(
        () => new JwtInstrumentation({ enabled: false }),
        /TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL must be a whole number of records/,
      );
    } finally {
      delete process.env.TOKENTRAIL_AUDIT_SIGNING_KEY;
      delete process.env.TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL;
    }
  });
});
