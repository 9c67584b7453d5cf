/**
 * Verify throughput side by side, in one process and interleaved rounds: the bare library function, the
 * instrumented one (span + log record + metric, through batch processors and exporters that discard), the
 * instrumented one with only server-span enrichment, and the hand-written wrapper users write today
 * (startActiveSpan, attributes from the claims, SHA-256 of sub), and the SDK floor: a wrapper that emits the
 * same three signals (a span, a log record and a histogram point with as many attributes as tokentrail writes)
 * from constants, with no redaction at all — the least any instrumentation emitting them can cost. jose and
 * jsonwebtoken, HS256 and RS256, one repeated token and all-distinct tokens (more than the token cache holds).
 *
 *   node bench/verify-overhead.mjs [rounds=7]      (BENCH_LIBRARY=jose|jsonwebtoken for one library)
 * Writes bench/results/verify-overhead.json.
 */
import { register } from 'node:module';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { installDiscardingSdk } from './support/discarding-sdk.mjs';
import { median } from './support/cpu.mjs';
import { sdkFloor } from './support/sdk-floor.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const ROUNDS = Number(process.argv[2] ?? 7);
installDiscardingSdk();
const FULL = { pseudonymKey: 'bench-pseudonym-key-0123456789abcdef' };
const SERVER_SPAN_ONLY = { ...FULL, emitSpans: false, emitLogRecords: false, emitMetrics: false };
const instrumentation = new JwtInstrumentation(FULL);
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');

const SECRET = 'bench-secret-0123456789abcdef-0123456789';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const joseKeys = {
  HS256: { sign: new TextEncoder().encode(SECRET), verify: new TextEncoder().encode(SECRET) },
  RS256: { sign: rsa.privateKey, verify: rsa.publicKey },
};
const claims = (i) => ({
  sub: `user-${i}`,
  iss: 'https://idp.example',
  aud: 'api',
  roles: ['reader'],
  exp: Math.floor(Date.now() / 1000) + 3600,
});
const DISTINCT = 2000;
const tokens = {};
for (const alg of ['HS256', 'RS256']) {
  tokens[alg] = Array.from({ length: DISTINCT }, (_, i) =>
    jwt.sign.__original(claims(i), alg === 'HS256' ? SECRET : rsa.privateKey, { algorithm: alg }),
  );
}

const tracer = trace.getTracer('hand-written');

function handWritten(verify) {
  return async (token) =>
    tracer.startActiveSpan('jwt.verify', async (span) => {
      try {
        const payload = await verify(token);
        span.setAttributes({
          'jwt.claims.iss': payload.iss,
          'jwt.claims.aud': [payload.aud].flat(),
          'enduser.pseudo.id': createHash('sha256').update(payload.sub).digest('hex'),
        });
        return payload;
      } finally {
        span.end();
      }
    });
}

const libraries = {
  jose: (alg) => {
    const key = joseKeys[alg].verify;
    const options = { algorithms: [alg] };
    return {
      bare: (t) => jose.jwtVerify.__original(t, key, options),
      instrumented: (t) => jose.jwtVerify(t, key, options),
      handWritten: handWritten(async (t) => (await jose.jwtVerify.__original(t, key, options)).payload),
      sdkFloor: sdkFloor((t) => jose.jwtVerify.__original(t, key, options), 'jose'),
    };
  },
  jsonwebtoken: (alg) => {
    const key = alg === 'HS256' ? SECRET : rsa.publicKey;
    const options = { algorithms: [alg] };
    return {
      bare: (t) => jwt.verify.__original(t, key, options),
      instrumented: (t) => jwt.verify(t, key, options),
      handWritten: handWritten(async (t) => jwt.verify.__original(t, key, options)),
      sdkFloor: sdkFloor((t) => jwt.verify.__original(t, key, options), 'jsonwebtoken'),
    };
  },
};

/**
 * Operations per second of this process's CPU time (user + system, all its threads), and of wall-clock time.
 * Ratios use CPU time: on a shared machine the wall clock also counts the time other processes held the cores.
 */
async function measure(fn, list, iterations) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) await fn(list[i % list.length]);
  const { user, system } = process.cpuUsage(cpu);
  return { cpu: iterations / ((user + system) / 1e6), wall: iterations / ((performance.now() - started) / 1000) };
}

const VARIANTS = ['bare', 'instrumented', 'serverSpanOnly', 'handWritten', 'sdkFloor'];
const rows = [];
for (const [library, make] of Object.entries(libraries).filter(
  ([name]) => !process.env.BENCH_LIBRARY || name === process.env.BENCH_LIBRARY,
)) {
  for (const alg of ['HS256', 'RS256']) {
    for (const workload of ['repeated', 'distinct']) {
      const fns = make(alg);
      const list = workload === 'repeated' ? [tokens[alg][0]] : tokens[alg];
      const iterations = alg === 'HS256' ? 4000 : 1500;
      const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
      const run = async (variant, config, fn) => {
        if (config) instrumentation.setConfig(config);
        runs[variant].push(await measure(fn, list, iterations));
      };
      await measure(fns.instrumented, list, iterations); // warm-up
      for (let r = 0; r < ROUNDS; r += 1) {
        await run('bare', undefined, fns.bare);
        await run('instrumented', FULL, fns.instrumented);
        await run('serverSpanOnly', SERVER_SPAN_ONLY, fns.instrumented);
        await run('handWritten', FULL, fns.handWritten);
        await run('sdkFloor', undefined, fns.sdkFloor);
      }
      const cpu = Object.fromEntries(VARIANTS.map((v) => [v, median(runs[v].map((m) => m.cpu))]));
      const wall = Object.fromEntries(VARIANTS.map((v) => [v, Math.round(median(runs[v].map((m) => m.wall)))]));
      rows.push({
        library,
        alg,
        workload,
        ...Object.fromEntries(VARIANTS.map((v) => [v, Math.round(cpu[v])])),
        'instrumented/bare': +(cpu.instrumented / cpu.bare).toFixed(3),
        'serverSpanOnly/bare': +(cpu.serverSpanOnly / cpu.bare).toFixed(3),
        'instrumented/handWritten': +(cpu.instrumented / cpu.handWritten).toFixed(3),
        'sdkFloor/bare': +(cpu.sdkFloor / cpu.bare).toFixed(3),
        'instrumented/sdkFloor': +(cpu.instrumented / cpu.sdkFloor).toFixed(3),
        wall,
      });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
}
console.table(rows.map(({ wall, ...row }) => row));
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'verify-overhead.json'),
  JSON.stringify(
    { node: process.version, rounds: ROUNDS, unit: 'operations per CPU-second (wall: per wall-clock second)', rows },
    null,
    2,
  ),
);
