/**
 * Key measurement over every key shape jose and jsonwebtoken accept, with keys made at run time: the facts
 * (kind, size), one digest for a private key and its public key in any encoding, nothing for a resolver
 * function or a malformed key, and no runtime warning for a non-extractable WebCrypto key.
 */
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { measureKey, keyFindings } = require('../packages/instrumentation-jwt/build/policy/key-facts.js');

test('RSA keys in every encoding: size, and one digest for the pair', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const passphrase = randomBytes(8).toString('hex');
  const shapes = [
    privateKey,
    publicKey,
    privateKey.export({ type: 'pkcs8', format: 'pem' }),
    Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
    privateKey.export({ format: 'jwk' }),
    publicKey.export({ format: 'jwk' }),
    { key: privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }), passphrase },
  ];
  const measured = shapes.map(measureKey);
  for (const m of measured) assert.deepEqual(m.facts, { kind: 'rsa', bits: 1024 });
  assert.equal(new Set(measured.map((m) => m.digest)).size, 1, 'one digest whatever the encoding, private or public');
  assert.deepEqual(keyFindings(measured[0].facts, 'RS256'), ['rsa_key_small']);
  assert.deepEqual(keyFindings({ kind: 'rsa', bits: 2048 }, 'RS256'), []);
});

test('secrets: bytes, strings, KeyObjects and oct JWKs, judged against the HMAC hash size', () => {
  const bytes = randomBytes(32);
  const shapes = [new Uint8Array(bytes), bytes, createSecretKey(bytes), { kty: 'oct', k: bytes.toString('base64url') }];
  const measured = shapes.map(measureKey);
  for (const m of measured) assert.deepEqual(m.facts, { kind: 'oct', bits: 256 });
  assert.equal(new Set(measured.map((m) => m.digest)).size, 1);
  assert.deepEqual(measureKey('sixteen-chars-ok').facts, { kind: 'oct', bits: 128 });
  assert.deepEqual(keyFindings({ kind: 'oct', bits: 256 }, 'HS256'), []);
  assert.deepEqual(keyFindings({ kind: 'oct', bits: 256 }, 'HS384'), ['hmac_key_weak']);
  assert.deepEqual(keyFindings({ kind: 'oct', bits: 128 }, 'HS256'), ['hmac_key_weak']);
  assert.deepEqual(keyFindings({ kind: 'oct', bits: 128 }, 'dir'), [], 'a JWE content key is not an HMAC secret');
});

test('WebCrypto keys: extractable ones as KeyObjects, non-extractable ones from their algorithm, without a runtime warning', async () => {
  const warnings = [];
  const onWarning = (warning) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 128 }, false, ['sign']);
    assert.deepEqual(measureKey(hmac), { facts: { kind: 'oct', bits: 128 } }, 'no digest, so no fingerprint');
    const rsa = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    assert.deepEqual(measureKey(rsa.privateKey).facts, { kind: 'rsa', bits: 2048 });
    const fromPublic = measureKey(rsa.publicKey);
    assert.deepEqual(fromPublic.facts, { kind: 'rsa', bits: 2048 });
    assert.match(fromPublic.digest, /^[0-9a-f]{64}$/, 'a public CryptoKey is extractable');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  } finally {
    process.off('warning', onWarning);
  }
});

test('what cannot be measured yields nothing, never an error', () => {
  assert.equal(
    measureKey(() => undefined),
    undefined,
    'a key resolver',
  );
  assert.equal(measureKey('-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----'), undefined);
  assert.equal(measureKey({ kty: 'RSA', n: 'x' }), undefined);
  assert.equal(
    measureKey({
      key: '-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----',
      passphrase: 'wrong',
    }),
    undefined,
  );
  for (const value of [null, undefined, 42, {}, []]) assert.equal(measureKey(value), undefined);
  assert.deepEqual(keyFindings(undefined, 'HS256'), []);
});
