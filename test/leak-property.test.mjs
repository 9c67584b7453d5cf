/**
 * The class, not the instances: a token the request verified, decoded or signed is put into generated places
 * (path segments with arbitrary prefixes and suffixes, percent-encoded or not; matrix and query parameters of
 * arbitrary names; fragments; arbitrary headers including User-Agent and X-Forwarded-For; cookies; the
 * configured sources), over node:http, express, fastify and koa, with instrumentation-http as
 * `@tokentrail/register` configures it and with every header captured, on normal, early-error (write after
 * end), synchronous-throw and aborted paths. Everything exported is scanned for the token, each segment and the
 * personal claims: there must be no leak.
 *
 * fast-check generates the cases; the seed is printed, and `FC_SEED` (or `TOKENTRAIL_PROPERTY_SEED`) replays a
 * run. `LEAK_PROPERTY_CASES` sets the requests per child process (default 250: 8 processes, 2,000 requests).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken');

const SEED = Number(
  process.env.FC_SEED ?? process.env.TOKENTRAIL_PROPERTY_SEED ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0,
);
const PER_CHILD = Number(process.env.LEAK_PROPERTY_CASES ?? 250);
const FRAMEWORKS = ['node:http', 'express', 'fastify', 'koa'];
const MODES = ['register', 'capture'];
console.log(
  `# leak property: ${PER_CHILD * FRAMEWORKS.length * MODES.length} requests, seed ${SEED} (replay with FC_SEED=${SEED})`,
);

const secret = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'tokentrail-leak-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const chars = (set, maxLength) => fc.string({ unit: fc.constantFrom(...set), maxLength });
/** Characters a path segment may hold (RFC 3986 pchar, without `%`), and some escapes. */
const PCHAR = `${ALPHA}-._~!$&'()*+,=:@`;
const segmentText = fc.oneof(
  chars(PCHAR, 8),
  fc.constantFrom('%20', '%2F', '%25', 'ey', 'eyJ', '.', '..', 'prefix', 'x.y.z'),
);
/** Query and matrix parameter names, arbitrary and the real ones in other spellings. */
const paramName = fc.oneof(
  chars(`${ALPHA}_-.~[]`, 10).filter((name) => name.length > 0),
  fc.constantFrom(
    'jwt',
    'Access_Token',
    'ACCESS_TOKEN',
    'access_token[]',
    'access_token%5B%5D',
    'access_toke%6E',
    'id_token_hint',
    'request',
    'state',
    'token',
    't',
    'code',
  ),
);
const HEADER_TCHAR = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const headerName = fc.oneof(
  chars(HEADER_TCHAR, 12).map((name) => `x-${name}`),
  fc.constantFrom(
    'user-agent',
    'x-forwarded-for',
    'referer',
    'x-api-token',
    'forwarded',
    'x-original-url',
    'accept-language',
  ),
);
/** Header value text: visible ASCII and spaces, no control characters. */
const headerText = chars(`${ALPHA} -._~!#$&'()*+,/:;=?@[]%"`, 10);

/** The token as written: raw, or with a generated subset of its characters percent-encoded. */
const written = fc
  .record({
    mask: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    encode: fc.constantFrom(0, 0, 1, 2),
    lower: fc.boolean(),
  })
  .map(({ mask, encode, lower }) => (token) => {
    if (encode === 0) return token;
    return [...token]
      .map((ch, i) => {
        if (encode === 1 && (mask[i % 16] & 7) !== 0) return ch;
        const hex = ch.charCodeAt(0).toString(16).padStart(2, '0');
        return `%${lower ? hex : hex.toUpperCase()}`;
      })
      .join('');
  });

/** Where the token rides: a function of the written token giving the request target and extra headers. */
const place = fc.oneof(
  fc
    .record({
      prefix: segmentText,
      suffix: segmentText,
      before: fc.constantFrom('/reset/', '/x/', '/a/b/', '/'),
      form: written,
    })
    .map((p) => ({
      kind: 'path',
      build: (t) => ({ target: `${p.before}${p.prefix}${p.form(t)}${p.suffix}`, headers: [] }),
    })),
  fc.record({ name: paramName, form: written, segment: fc.constantFrom('orders', 'a', '') }).map((p) => ({
    kind: 'matrix',
    build: (t) => ({ target: `/${p.segment};${p.name}=${p.form(t)}/rest`, headers: [] }),
  })),
  fc
    .record({
      name: paramName,
      form: written,
      before: fc.constantFrom('', 'page=2&', 'a=%25&b=1&'),
      afterText: fc.constantFrom('', '&sort=asc', '&x=%2B'),
    })
    .map((p) => ({
      kind: 'query',
      build: (t) => ({ target: `/search?${p.before}${p.name}=${p.form(t)}${p.afterText}`, headers: [] }),
    })),
  fc.record({ prefix: fc.constantFrom('', 'access_token=', 'id_token=', 'x'), form: written }).map((p) => ({
    kind: 'fragment',
    build: (t) => ({ target: `/cb?state=1#${p.prefix}${p.form(t)}`, headers: [] }),
  })),
  fc.record({ name: headerName, prefix: headerText, suffix: headerText }).map((p) => ({
    kind: `header ${p.name}`,
    build: (t) => ({ target: '/h', headers: [[p.name, `${p.prefix}${t}${p.suffix}`.trim() || t]] }),
  })),
  fc
    .record({
      name: fc.oneof(chars(`${ALPHA}_-`, 8).filter(Boolean), fc.constantFrom('session', 'jwt', 'id_token')),
      quoted: fc.boolean(),
    })
    .map((p) => ({
      kind: 'cookie',
      build: (t) => ({
        target: '/c',
        headers: [['cookie', `theme=dark; ${p.name}=${p.quoted ? `"${t}"` : t}; lang=en`]],
      }),
    })),
  fc.constantFrom('Bearer ', 'bearer ', '').map((scheme) => ({
    kind: 'authorization',
    build: (t) => ({ target: '/orders', headers: [['authorization', `${scheme}${t}`]] }),
  })),
);

const caseArbitrary = fc.record({
  place,
  action: fc.constantFrom('verify', 'verify', 'decode', 'sign'),
  ending: fc.constantFrom('normal', 'normal', 'error', 'throw', 'abort'),
  expired: fc.boolean(),
  user: chars('abcdefghijklmnopqrstuvwxyz0123456789', 10).filter((u) => u.length >= 4),
});

function materialize(generated, id) {
  const sub = `user-${generated.user}-${id}@example.com`;
  const personal = { sub, email: `mail-${generated.user}-${id}@example.org`, name: `Person ${generated.user} ${id}` };
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign(
    { ...personal, iss: 'https://idp.example.test', exp: generated.expired ? now - 60 : now + 600 },
    secret,
  );
  const { target, headers } = generated.place.build(token);
  return {
    id,
    kind: generated.place.kind,
    action: generated.action,
    ending: generated.ending,
    token,
    personal,
    target,
    headers,
  };
}

const runChild = promisify(execFile);

test('no token the request carried, verified, decoded or signed is exported, wherever it rode (8 apps, generated requests)', {
  timeout: 300_000,
}, async () => {
  const total = PER_CHILD * FRAMEWORKS.length * MODES.length;
  const generated = fc.sample(caseArbitrary, { seed: SEED, numRuns: total });
  const cases = generated.map((g, id) => materialize(g, id));
  const capturedHeaders = [
    ...new Set([
      'authorization',
      'cookie',
      'user-agent',
      'x-forwarded-for',
      'host',
      ...cases.flatMap((c) => c.headers.map(([name]) => name)),
    ]),
  ];
  const runs = [];
  let offset = 0;
  for (const framework of FRAMEWORKS) {
    for (const mode of MODES) {
      const batch = cases.slice(offset, offset + PER_CHILD);
      offset += PER_CHILD;
      const file = join(dir, `${framework.replace(':', '-')}-${mode}.json`);
      writeFileSync(file, JSON.stringify({ secret, cases: batch, capturedHeaders }));
      runs.push({ framework, mode, file, batch });
    }
  }
  const results = [];
  // Two children at a time: the machine is shared.
  for (let i = 0; i < runs.length; i += 2) {
    results.push(
      ...(await Promise.all(
        runs.slice(i, i + 2).map(async (run) => {
          const { stdout } = await runChild(
            process.execPath,
            [new URL('./support/leak-property-app.mjs', import.meta.url).pathname, run.file, run.framework, run.mode],
            {
              env: { ...process.env, NODE_ENV: 'test', NODE_TEST_CONTEXT: '' },
              maxBuffer: 64 * 1024 * 1024,
              timeout: 240_000,
            },
          );
          const line = stdout
            .trim()
            .split('\n')
            .reverse()
            .find((l) => l.startsWith('{"result"'));
          assert.ok(line, `${run.framework} (${run.mode}) reported:\n${stdout.slice(-2000)}`);
          return { ...run, ...JSON.parse(line) };
        }),
      )),
    );
  }
  let requests = 0;
  const leaks = [];
  for (const result of results) {
    requests += result.requests;
    assert.ok(
      result.serverSpans >= result.requests * 0.9,
      `${result.framework} (${result.mode}): ${result.serverSpans} server spans for ${result.requests} requests`,
    );
    assert.ok(
      result.jwtSpans >= result.requests * 0.5,
      `${result.framework} (${result.mode}): the handlers did their JWT work (${result.jwtSpans} jwt spans)`,
    );
    assert.ok(
      result.scanned > result.requests * 10,
      `${result.framework} (${result.mode}): scanned ${result.scanned} strings`,
    );
    for (const leak of result.leaks) {
      const id = Number(/case (\d+)/.exec(leak)?.[1]);
      const c = result.batch.find((b) => b.id === id);
      leaks.push(
        `${result.framework} (${result.mode}): ${leak} — ${c ? `${c.kind}, ${c.action}, ${c.ending}, target ${c.target.slice(0, 120)}` : ''}`,
      );
    }
  }
  assert.deepEqual(leaks, [], `seed ${SEED}: leaks found (replay with FC_SEED=${SEED})`);
  assert.equal(requests, total);
  // A smaller run is only for replaying a seed quickly.
  if (process.env.LEAK_PROPERTY_CASES === undefined) assert.ok(requests >= 2000, `${requests} generated requests`);
});
