/**
 * Differential transparency, property-based: generated tokens (valid, mutated in header, payload or
 * signature, re-encoded, truncated, padded, odd alg/kid/crit/b64 headers, every time claim around the clock
 * with tolerance) and verify options go through each library twice — through the instrumented function and
 * through the original it wraps — and must give the same value, or an error of the same class, code, name,
 * message and fields, with the same sync/async and callback behaviour.
 *
 * fast-jwt is driven through its factories: a verifier made by the instrumented `createVerifier` against one made
 * by the original, with a key value (sync), a key fetcher (promise) and a key fetcher with a callback.
 *
 * TOKENTRAIL_PROPERTY_RUNS sets the number of cases per library (default 10,000); TOKENTRAIL_PROPERTY_SEED
 * replays a failure (the seed is printed at the start and in any failure report).
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWrapped } from '@opentelemetry/instrumentation';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY } from './support/jwt-fixtures.mjs';
import { observe, settle, settleCallback } from './support/observe.mjs';

const RUNS = Number(process.env.TOKENTRAIL_PROPERTY_RUNS ?? 10_000);
const SEED = Number(process.env.TOKENTRAIL_PROPERTY_SEED ?? Date.now() % 2 ** 31);
console.log(`# differential: ${RUNS} cases per library, seed ${SEED} (replay with TOKENTRAIL_PROPERTY_SEED=${SEED})`);

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY, claims: { extra: 'keep', sub: 'pseudonymize' } });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const fastJwt = createRequire(import.meta.url)('fast-jwt');

const SECRET = 'differential-secret-0123456789abcdef';
const KEY = new TextEncoder().encode(SECRET);
telemetry.leaks.register(SECRET, 'HMAC secret');
const NOW = 1_800_000_000; // a fixed clock: both calls must see the same time
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'orders-api';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hmac = (input) => createHmac('sha256', SECRET).update(input).digest('base64url');

const timeClaim = fc.option(
  fc.integer({ min: -130, max: 130 }).map((offset) => NOW + offset),
  { nil: undefined },
);
const header = fc.record(
  {
    alg: fc.constantFrom(
      'HS256',
      'HS256',
      'HS256',
      'HS384',
      'none',
      'None',
      'NONE',
      'nOnE',
      'RS256',
      'ES256',
      '',
      'hs256',
    ),
    typ: fc.constantFrom('JWT', 'at+jwt', 'jwt', 'x'),
    kid: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('../../etc/passwd', "' OR 1=1 --", 'key-1')),
    crit: fc.constantFrom(['b64'], ['exp'], [], 'b64'),
    b64: fc.boolean(),
    jku: fc.constant('https://attacker.example/jwks.json'),
  },
  { requiredKeys: ['alg'] },
);
const payload = fc.record(
  {
    sub: fc.string({ maxLength: 16 }),
    iss: fc.constantFrom(ISSUER, 'https://other.example', ''),
    aud: fc.oneof(fc.constantFrom(AUDIENCE, 'billing-api'), fc.array(fc.constantFrom(AUDIENCE, 'x'), { maxLength: 3 })),
    exp: timeClaim,
    nbf: timeClaim,
    iat: timeClaim,
    jti: fc.string({ maxLength: 8 }),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
const mutation = fc.constantFrom(
  'none',
  'none',
  'none',
  'flip-signature',
  'empty-signature',
  'drop-signature',
  'truncate',
  'pad',
  'standard-base64',
  'swap-payload',
  'extra-segment',
  'whitespace',
  'raw-payload',
);
const options = fc.record(
  {
    issuer: fc.constantFrom(ISSUER, 'https://other.example'),
    audience: fc.constantFrom(AUDIENCE, 'billing-api'),
    algorithms: fc.subarray(['HS256', 'HS384', 'RS256', 'none']),
    clockTolerance: fc.integer({ min: 0, max: 60 }),
    maxAge: fc.integer({ min: 1, max: 200 }),
  },
  { requiredKeys: [] },
);

function mutate(token, how, position) {
  const [h, p, s] = token.split('.');
  switch (how) {
    case 'flip-signature':
      return `${h}.${p}.${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
    case 'empty-signature':
      return `${h}.${p}.`;
    case 'drop-signature':
      return `${h}.${p}`;
    case 'truncate':
      return token.slice(0, Math.floor(token.length * position));
    case 'pad':
      return `${h}=.${p}==.${s}`;
    case 'standard-base64':
      return token.replace(/-/g, '+').replace(/_/g, '/');
    case 'swap-payload':
      return `${h}.${b64({ sub: 'mallory', exp: NOW + 600 })}.${s}`;
    case 'extra-segment':
      return `${token}.${s}`;
    case 'whitespace':
      return ` ${token}\n`;
    case 'raw-payload':
      return `${h}.{"sub":"x"}.${s}`;
    default:
      return token;
  }
}

const position = fc.double({ min: 0, max: 1, noNaN: true });
const anyCase = fc.record({ header, payload, mutation, position, options });
/** Tokens close to what an issuer really sends, checked with matching options: mostly accepted, sometimes not. */
const nearValidCase = fc.record({
  header: fc.record(
    { alg: fc.constant('HS256'), typ: fc.constant('JWT'), kid: fc.string({ maxLength: 8 }) },
    { requiredKeys: ['alg'] },
  ),
  payload: fc.record(
    {
      sub: fc.string({ maxLength: 16 }),
      iss: fc.constant(ISSUER),
      aud: fc.constant(AUDIENCE),
      exp: fc.integer({ min: -60, max: 600 }).map((o) => NOW + o),
      nbf: timeClaim,
      iat: timeClaim,
    },
    { requiredKeys: ['iss', 'aud', 'exp'] },
  ),
  mutation: fc.constantFrom('none', 'none', 'none', 'none', 'flip-signature', 'swap-payload'),
  position,
  options: fc.record(
    {
      issuer: fc.constant(ISSUER),
      audience: fc.constant(AUDIENCE),
      algorithms: fc.constant(['HS256']),
      clockTolerance: fc.integer({ min: 0, max: 60 }),
    },
    { requiredKeys: [] },
  ),
});
const tokenCase = fc.oneof({ weight: 2, arbitrary: anyCase }, { weight: 1, arbitrary: nearValidCase });

function build({ header: h, payload: p }) {
  const signingInput = `${b64(h)}.${b64(p)}`;
  return `${signingInput}.${hmac(signingInput)}`;
}

function assertSame(instrumented, original, token) {
  try {
    assert.deepStrictEqual(observe(instrumented), observe(original));
  } catch (error) {
    error.message = `${error.message}\n  token: ${token}`;
    throw error;
  }
}

/** Verdicts seen, so a run that only ever produced one kind of result cannot pass unnoticed. */
const verdicts = { jose: new Map(), jsonwebtoken: new Map(), 'fast-jwt': new Map() };
function count(library, settled) {
  const key = 'value' in settled ? 'accepted' : (settled.error?.code ?? settled.error?.message ?? 'error');
  verdicts[library].set(key, (verdicts[library].get(key) ?? 0) + 1);
}

function assertVaried(library) {
  const seen = verdicts[library];
  assert.ok(
    (seen.get('accepted') ?? 0) > RUNS / 100,
    `${library}: enough generated tokens were accepted (${seen.get('accepted')})`,
  );
  assert.ok(seen.size >= 6, `${library}: the cases reached many different verdicts (${[...seen.keys()].join(', ')})`);
}

let runs = 0;
function tidy() {
  runs += 1;
  if (runs % 500 === 0) telemetry.reset();
}

test(`jose: ${RUNS} generated cases give identical results with and without the instrumentation`, async () => {
  for (const fn of ['jwtVerify', 'decodeJwt']) assert.equal(isWrapped(jose[fn]), true, `${fn} is instrumented`);
  await fc.assert(
    fc.asyncProperty(tokenCase, async (c) => {
      tidy();
      const token = mutate(build(c), c.mutation, c.position);
      telemetry.leaks.registerToken(token, 'generated token');
      const { maxAge, ...rest } = c.options;
      const joseOptions = { ...rest, currentDate: new Date(NOW * 1000), ...(maxAge ? { maxTokenAge: maxAge } : {}) };
      for (const [fn, call] of [
        ['jwtVerify', (f) => f(token, KEY, joseOptions)],
        ['decodeJwt', (f) => f(token)],
        ['compactVerify', (f) => f(token, KEY, { algorithms: rest.algorithms })],
      ]) {
        const instrumented = await settle(() => call(jose[fn]));
        if (fn === 'jwtVerify') count('jose', instrumented);
        assertSame(instrumented, await settle(() => call(jose[fn].__original)), token);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assertVaried('jose');
});

test(`jsonwebtoken: ${RUNS} generated cases give identical results, sync and callback, with and without the instrumentation`, async () => {
  for (const fn of ['verify', 'decode']) assert.equal(isWrapped(jwt[fn]), true, `${fn} is instrumented`);
  await fc.assert(
    fc.asyncProperty(tokenCase, fc.constantFrom('sync', 'callback', 'callback-no-options'), async (c, style) => {
      tidy();
      const token = mutate(build(c), c.mutation, c.position);
      telemetry.leaks.registerToken(token, 'generated token');
      const jwtOptions = {
        ...c.options,
        clockTimestamp: NOW,
        ...(c.options.maxAge ? { maxAge: c.options.maxAge } : {}),
      };
      if (!c.options.maxAge) delete jwtOptions.maxAge;
      const run = (verify) => {
        if (style === 'sync') return settle(() => verify(token, SECRET, jwtOptions));
        if (style === 'callback') return settleCallback((cb) => verify(token, SECRET, jwtOptions, cb));
        return settleCallback((cb) => verify(token, SECRET, cb));
      };
      const instrumented = await run(jwt.verify);
      if (style === 'sync') count('jsonwebtoken', instrumented);
      assertSame(instrumented, await run(jwt.verify.__original), token);
      assertSame(
        await settle(() => jwt.decode(token, { complete: true })),
        await settle(() => jwt.decode.__original(token, { complete: true })),
        token,
      );
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assertVaried('jsonwebtoken');
});

test(`fast-jwt: ${RUNS} generated cases give identical results, sync, promise and callback, with and without the instrumentation`, async () => {
  for (const fn of ['createVerifier', 'createDecoder'])
    assert.equal(isWrapped(fastJwt[fn]), true, `${fn} is instrumented`);
  await fc.assert(
    fc.asyncProperty(tokenCase, fc.constantFrom('sync', 'promise', 'callback'), async (c, style) => {
      tidy();
      const token = mutate(build(c), c.mutation, c.position);
      telemetry.leaks.registerToken(token, 'generated token');
      const { issuer, audience, algorithms, clockTolerance, maxAge } = c.options;
      const key =
        style === 'sync' ? SECRET : style === 'promise' ? async () => SECRET : (_decoded, done) => done(null, SECRET);
      const verifierOptions = {
        key,
        clockTimestamp: NOW * 1000,
        ...(issuer ? { allowedIss: issuer } : {}),
        ...(audience ? { allowedAud: audience } : {}),
        ...(algorithms ? { algorithms } : {}),
        ...(clockTolerance !== undefined ? { clockTolerance: clockTolerance * 1000 } : {}),
        ...(maxAge ? { maxAge: maxAge * 1000 } : {}),
      };
      const run = (createVerifier) =>
        style === 'callback'
          ? settleCallback((cb) => createVerifier(verifierOptions)(token, cb))
          : settle(() => createVerifier(verifierOptions)(token));
      const instrumented = await run(fastJwt.createVerifier);
      if (style === 'sync') count('fast-jwt', instrumented);
      assertSame(instrumented, await run(fastJwt.createVerifier.__original), token);
      const decode = (createDecoder) => settle(() => createDecoder({ complete: true })(token));
      assertSame(await decode(fastJwt.createDecoder), await decode(fastJwt.createDecoder.__original), token);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assertVaried('fast-jwt');
});
