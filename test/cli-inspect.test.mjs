/**
 * `tokentrail inspect`: findings on tokens built for each, verification of HS256, RS256 and ES256 tokens with
 * every key source (secret in the environment, PEM and JWK key files, a JWK Set from a file and from a URL on
 * 127.0.0.1), the same redaction as the instrumentation, and no signature or raw personal claim without
 * --reveal. Every token and key is minted at run time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { FINDING_SEVERITY } from '@tokentrail/instrumentation-jwt/inspection';
import * as joseModule from 'jose';
import { CLI, tempDir } from './support/audit-trail-run.mjs';
import { setupTelemetry } from './support/telemetry.mjs';

const telemetry = setupTelemetry();
const { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair } = joseModule;
const SECRET = 'inspect-hs256-secret-0123456789abcdef';
const PSEUDONYM_KEY = 'inspect-pseudonym-key-0123456789';
const PERSONAL = { sub: 'alice.inspect@example.com', email: 'alice.inspect@example.com', name: 'Alice Inspect' };
telemetry.leaks.register(SECRET, 'HS256 secret');
telemetry.leaks.register(PERSONAL.email, 'email');
telemetry.leaks.register(PERSONAL.name, 'name');

function tokentrail(args, { env = {}, input } = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, env: { ...process.env, ...env } });
}

/** The same, without blocking this process (the JWKS server below must answer while the CLI runs). */
function tokentrailAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const json = (result) => JSON.parse(result.stdout);
const names = (report) => report.findings.map((finding) => finding.name);

describe('tokentrail inspect', () => {
  const keys = {};
  const tokens = {};
  let dir;
  let jwksServer;
  let jwksUrl;
  before(async () => {
    dir = tempDir('tokentrail-cli-inspect-');
    const secret = new TextEncoder().encode(SECRET);
    for (const alg of ['RS256', 'ES256']) keys[alg] = await generateKeyPair(alg, { extractable: true });
    const claims = () =>
      new SignJWT({ ...PERSONAL, scope: 'orders:read' })
        .setIssuer('https://idp.inspect.example')
        .setIssuedAt()
        .setExpirationTime('1h')
        .setJti(crypto.randomUUID());
    tokens.HS256 = await claims().setProtectedHeader({ alg: 'HS256' }).sign(secret);
    tokens.RS256 = await claims().setProtectedHeader({ alg: 'RS256', kid: 'rs' }).sign(keys.RS256.privateKey);
    tokens.ES256 = await claims().setProtectedHeader({ alg: 'ES256', kid: 'es' }).sign(keys.ES256.privateKey);
    tokens.expired = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .setJti('e')
      .sign(secret);
    tokens.alg_none = new UnsecuredJWT({ sub: 'x', jti: 'n' }).setIssuedAt().setExpirationTime('1h').encode();
    tokens.missing_exp = await new SignJWT({ sub: 'x', jti: 'm' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .sign(secret);
    tokens.lifetime_too_long = await new SignJWT({ sub: 'x', jti: 'l' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('30d')
      .sign(secret);
    tokens.header_jku = await new SignJWT({ sub: 'x', jti: 'j' })
      .setProtectedHeader({ alg: 'RS256', jku: 'https://attacker.example/jwks.json' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.RS256.privateKey);
    for (const token of Object.values(tokens)) telemetry.leaks.registerToken(token);

    const jwk = async (alg, kid) => ({ ...(await exportJWK(keys[alg].publicKey)), kid, alg, use: 'sig' });
    const set = { keys: [await jwk('RS256', 'rs'), await jwk('ES256', 'es')] };
    for (const alg of ['RS256', 'ES256']) {
      writeFileSync(join(dir, `${alg}.pem`), await exportSPKI(keys[alg].publicKey));
      writeFileSync(join(dir, `${alg}.jwk`), JSON.stringify(await jwk(alg)));
    }
    writeFileSync(
      join(dir, 'HS256.jwk'),
      JSON.stringify({ kty: 'oct', k: Buffer.from(SECRET).toString('base64url'), alg: 'HS256' }),
    );
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(set));
    jwksServer = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(set)),
    );
    await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/.well-known/jwks.json`;
  });
  after(() => jwksServer?.close());

  for (const finding of ['alg_none', 'missing_exp', 'lifetime_too_long', 'header_jku']) {
    test(`reports ${finding} (${FINDING_SEVERITY[finding]}) on a token built for it, and --fail-on gates on its severity`, () => {
      const result = tokentrail(['inspect', '--json', tokens[finding]]);
      assert.equal(result.status, 0, result.stderr);
      const report = json(result);
      assert.equal(report.decodedWithoutVerification, true);
      assert.equal(report.verification, 'not_verified');
      assert.ok(names(report).includes(finding), `${finding} in ${names(report)}`);
      assert.equal(report.findings.find((f) => f.name === finding).severity, FINDING_SEVERITY[finding]);
      assert.equal(tokentrail(['inspect', '--fail-on', FINDING_SEVERITY[finding], tokens[finding]]).status, 1);
      const text = tokentrail(['inspect', tokens[finding]]).stdout;
      assert.match(text, /^Decoded without verification/);
      assert.match(text, new RegExp(`^  ${FINDING_SEVERITY[finding]} +${finding}$`, 'm'));
    });
  }

  test('a token with no finding at or above --fail-on exits 0', () => {
    const report = json(tokentrail(['inspect', '--json', tokens.HS256]));
    assert.deepEqual(names(report), []);
    assert.equal(tokentrail(['inspect', '--fail-on', 'low', tokens.HS256]).status, 0);
    assert.equal(
      tokentrail(['inspect', '--fail-on', 'critical', tokens.lifetime_too_long]).status,
      0,
      'medium is below critical',
    );
  });

  const sources = {
    HS256: () => [
      ['--secret-env', 'INSPECT_SECRET'],
      ['--key', join(dir, 'HS256.jwk')],
    ],
    RS256: () => [
      ['--key', join(dir, 'RS256.pem')],
      ['--key', join(dir, 'RS256.jwk')],
      ['--jwks', join(dir, 'jwks.json')],
      ['--jwks', jwksUrl],
    ],
    ES256: () => [
      ['--key', join(dir, 'ES256.pem')],
      ['--key', join(dir, 'ES256.jwk')],
      ['--jwks', join(dir, 'jwks.json')],
      ['--jwks', jwksUrl],
    ],
  };
  for (const alg of ['HS256', 'RS256', 'ES256']) {
    test(`verifies ${alg} with every key source, and names the reason when it does not verify`, async () => {
      for (const source of sources[alg]()) {
        const run = (token) => tokentrailAsync(['inspect', '--json', ...source, token]);
        process.env.INSPECT_SECRET = SECRET;
        const good = await run(tokens[alg]);
        assert.equal(good.status, 0, `${source.join(' ')}: ${good.stderr}`);
        assert.deepEqual(json(good).verification, { outcome: 'valid' });
        assert.equal(json(good).attributes['jwt.validation.outcome'], 'valid');
        const [h, p, s] = tokens[alg].split('.');
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), scope: 'admin' })).toString('base64url')}.${s}`;
        const bad = await run(tampered);
        assert.equal(bad.status, 1, `${source.join(' ')}: a tampered token fails`);
        assert.equal(json(bad).verification.failure.reason, 'signature_invalid');
      }
    });
  }

  test('exit statuses as the table says: an unreachable --jwks URL is jwks_fetch_failed (2), a key of the wrong kind exits 2 as a PEM and as a JWK', async () => {
    // A port that was just free: nothing answers there.
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const failing = createServer((_req, res) => res.writeHead(503).end());
    await new Promise((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      for (const url of [
        `http://127.0.0.1:${port}/jwks.json`,
        `http://127.0.0.1:${failing.address().port}/jwks.json`,
      ]) {
        const result = await tokentrailAsync(['inspect', '--json', '--jwks', url, tokens.RS256]);
        assert.equal(result.status, 2, `${url}: ${result.stdout}${result.stderr}`);
        assert.equal(
          json(result).verification.failure.reason,
          'jwks_fetch_failed',
          'the reason the instrumentation records for the same failure',
        );
        assert.match(result.stderr, /the key could not be used .*jwt\.validation\.reason jwks_fetch_failed/);
      }
    } finally {
      failing.close();
    }
    // An RSA public key given for an HS256 token: the same exit status whether it comes as a PEM or as a JWK.
    for (const key of [join(dir, 'RS256.pem'), join(dir, 'RS256.jwk')]) {
      const result = tokentrail(['inspect', '--key', key, tokens.HS256]);
      assert.equal(result.status, 2, `${key}: ${result.stdout}${result.stderr}`);
    }
  });

  test("the CLI README's inspect example, run as written: the same attributes, withheld names, findings and exit status", async () => {
    const readme = readFileSync(new URL('../packages/cli/README.md', import.meta.url), 'utf8');
    const example = readme.slice(readme.indexOf('$ pnpm exec tokentrail inspect '));
    const block = example.slice(0, example.indexOf('```'));
    const [commandLine] = block.split('\n');
    const documentedStatus = Number(block.match(/^\$ echo \$\?\n(\d)$/m)[1]);
    const iat = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: 'https://idp', jti: 'j1', sub: 'someone', email: 'someone@example.com' })
      .setProtectedHeader({ alg: 'HS256', jku: 'https://attacker.example/jwks.json' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 30 * 86400)
      .sign(new TextEncoder().encode(SECRET));
    telemetry.leaks.registerToken(token);
    const args = commandLine
      .replace('$ pnpm exec tokentrail ', '')
      .split(' ')
      .map((arg) => (arg === '"$TOKEN"' ? token : arg));
    const result = tokentrail(args);
    assert.equal(result.status, documentedStatus, result.stdout + result.stderr);
    const lines = (text, from, to) =>
      text.slice(text.indexOf(from), to ? text.indexOf(to, text.indexOf(from)) : undefined).trim();
    assert.equal(lines(result.stdout, 'Findings:'), lines(block, 'Findings:', '$ echo'));
    assert.equal(lines(result.stdout, 'Not exported', '\n'), lines(block, 'Not exported', '\n'));
    const names = (text) =>
      [...lines(text, 'As tokentrail exports it:', 'Not exported').matchAll(/^ {2}([a-z.]+) /gm)].map((m) => m[1]);
    assert.deepEqual(names(result.stdout), names(block));
    assert.equal(
      result.stdout.split('\n').slice(0, 2).join('\n'),
      block.split('\n').slice(1, 3).join('\n'),
      'the same two opening lines',
    );
  });

  test('an expired token: the same jwt.validation.reason and claim as the instrumentation', () => {
    const result = tokentrail(['inspect', '--json', '--secret-env', 'INSPECT_SECRET', tokens.expired], {
      env: { INSPECT_SECRET: SECRET },
    });
    assert.equal(result.status, 1);
    assert.deepEqual(json(result).verification, {
      outcome: 'invalid',
      failure: { reason: 'expired', claim: 'exp', errorType: 'ERR_JWT_EXPIRED' },
    });
    const text = tokentrail(['inspect', '--secret-env', 'INSPECT_SECRET', tokens.expired], {
      env: { INSPECT_SECRET: SECRET },
    }).stdout;
    assert.match(
      text,
      /^Verified: invalid — jwt\.validation\.reason expired \(claim exp\), error\.type ERR_JWT_EXPIRED\.$/m,
    );
  });

  test('the attributes are exactly those the instrumentation exports for the same token', () => {
    const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
    const jose = instrumentation.wrapModule('jose', joseModule);
    jose.decodeJwt(tokens.RS256);
    const record = telemetry.logRecords().find((r) => r.eventName === 'jwt.decode');
    const exported = Object.fromEntries(
      Object.entries(record.attributes).filter(([key]) => !/^jwt\.(audit|operation|library|findings)/.test(key)),
    );
    instrumentation.disable();
    const report = json(
      tokentrail(['inspect', '--json', tokens.RS256], { env: { TOKENTRAIL_PSEUDONYM_KEY: PSEUDONYM_KEY } }),
    );
    assert.deepEqual(report.attributes, exported);
    assert.deepEqual(
      names(report),
      record.attributes['jwt.findings'] ?? [],
      'the same findings as on the decode record',
    );
  });

  test('no signature and no raw personal claim without --reveal; --reveal shows claims but never the signature', () => {
    for (const alg of ['HS256', 'RS256', 'ES256']) {
      const signature = tokens[alg].split('.')[2];
      for (const args of [
        ['inspect', tokens[alg]],
        ['inspect', '--json', tokens[alg]],
      ]) {
        const { stdout } = tokentrail(args);
        assert.ok(!stdout.includes(signature), 'no signature');
        assert.ok(!stdout.includes(tokens[alg].split('.')[1]), 'no payload segment');
        for (const value of Object.values(PERSONAL)) assert.ok(!stdout.includes(value), `no raw ${value}`);
        assert.match(stdout, /email/, 'the withheld claim is named');
      }
      const revealed = tokentrail(['inspect', '--reveal', tokens[alg]]).stdout;
      assert.ok(revealed.includes(PERSONAL.email));
      assert.ok(!revealed.includes(signature), 'never the signature');
    }
  });

  test('the roles claim is exported as user.roles, so it is not listed as withheld', async () => {
    const token = await new SignJWT({ sub: 'x', roles: ['admin'], tenant: 't1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    telemetry.leaks.registerToken(token);
    const report = json(tokentrail(['inspect', '--json', token]));
    assert.deepEqual(report.attributes['user.roles'], ['admin']);
    assert.deepEqual(report.withheld.claims, ['tenant']);
  });

  test('standard input, a Bearer prefix, and clear errors (exit 2)', () => {
    const piped = tokentrail(['inspect', '--json', '-'], { input: `Bearer ${tokens.HS256}\n` });
    assert.equal(piped.status, 0, piped.stderr);
    const cases = [
      [['inspect'], /inspect takes one token/],
      [['inspect', 'not.a.token'], /not a compact JWT/],
      [['inspect', '--fail-on', 'severe', tokens.HS256], /--fail-on must be one of low, medium, high, critical/],
      [
        ['inspect', '--secret-env', 'INSPECT_UNSET_VARIABLE', tokens.HS256],
        /--secret-env INSPECT_UNSET_VARIABLE: the variable is not set or empty/,
      ],
      [['inspect', '--key', join(dir, 'missing.pem'), tokens.RS256], /cannot read --key .*missing\.pem: ENOENT/],
      [
        ['inspect', '--key', join(dir, 'jwks.json'), '--jwks', join(dir, 'jwks.json'), tokens.RS256],
        /give one of --secret-env, --key and --jwks/,
      ],
    ];
    writeFileSync(join(dir, 'garbage.pem'), 'not a key');
    cases.push([
      ['inspect', '--key', join(dir, 'garbage.pem'), tokens.RS256],
      /--key .*garbage\.pem: not a PEM public key, certificate or JWK/,
    ]);
    for (const [args, message] of cases) {
      const result = tokentrail(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, message);
      for (const token of Object.values(tokens))
        assert.ok(!result.stderr.includes(token.split('.')[2] || '\u0000'), 'no error message echoes a token');
    }
    const help = tokentrail(['inspect', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: tokentrail inspect \[options\] <token \| ->/);
  });
});
