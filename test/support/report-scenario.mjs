/**
 * The report scenario: a scripted API (test/fixtures/report-scenario-app.mjs) under
 * `node --import @tokentrail/register`, exporting OTLP to the strict receiver, driven through every case the
 * report counts — valid, expired, tampered, unverified, revoked-then-used, a scope gap, a replay from many
 * addresses through a trusted proxy, a refresh chain, a key rotation, a long-lived token — and stopped with
 * SIGTERM so the trail is sealed. Each request is logged with what it must come to (and how many times the
 * app verified its token: once on every route but /profile unless it says otherwise), so every figure of the
 * report can be derived from the scenario itself.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'report-scenario-app.mjs');
export const PSEUDONYM_KEY = `report-pseudonym-key-${randomBytes(8).toString('hex')}`;
export const SERVICE = 'orders-report';
/** The proxy in front of the API, the only peer the API sees. */
const PROXY_HOPS = '1';
/** What every client writes into X-Forwarded-For itself: only the proxy's entry after it is believed. */
export const FORGED_ADDRESS = '10.66.66.66';
/** More addresses than the default `token_replay_multi_ip` threshold (5). */
export const REPLAY_ADDRESSES = ['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14', '192.0.2.15', '192.0.2.16'];

export async function runScenario({ sampleRatio } = {}) {
  const receiver = await startReceiver();
  const keys = { old: randomBytes(32).toString('hex'), new: randomBytes(32).toString('hex') };
  const env = {
    OTEL_SERVICE_NAME: SERVICE,
    TOKENTRAIL_PSEUDONYM_KEY: PSEUDONYM_KEY,
    TOKENTRAIL_SCOPE_POLICY: '/admin=scope:admin',
    TOKENTRAIL_TRUSTED_PROXIES: PROXY_HOPS,
    TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: '25',
    REPORT_KEY_OLD: keys.old,
    REPORT_KEY_NEW: keys.new,
    ...(sampleRatio ? { TOKENTRAIL_LOG_SAMPLE_RATIO: String(sampleRatio) } : {}),
  };
  const app = await runApp(APP, { endpoint: receiver.endpoint, env });
  const tokens = {};
  const subs = {};
  const requests = [];
  const signs = [];
  const sub = (name) => (subs[name] ??= `${name}-${randomBytes(4).toString('hex')}@example.com`);
  const owner = new Map();
  const marks = {};
  /**
   * One request as the trusted proxy forwards it: the client's address appended to what the client sent — here
   * a forged entry, which must not become the client's address.
   */
  async function send(method, path, token, client, expect) {
    const headers = { 'x-forwarded-for': `${FORGED_ADDRESS}, ${client}` };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(app.url + path, { method, headers });
    const body = await response.text();
    if (expect)
      requests.push({
        path: path.split('?')[0],
        token,
        user: owner.get(token),
        client,
        status: response.status,
        at: Date.now(),
        verifyFindings: [],
        ...expect,
      });
    return { status: response.status, body };
  }
  async function login(name, kid, options = '') {
    const { body } = await send(
      'POST',
      `/login?sub=${encodeURIComponent(sub(name))}&kid=${kid}${options}`,
      undefined,
      '198.51.100.1',
    );
    const lifetime = options.includes('expired') ? 60 : Number(/lifetime=(\d+)/.exec(options)?.[1] ?? 900);
    const findings = [
      ...(lifetime > 86400 ? ['lifetime_too_long'] : []),
      ...(options.includes('nojti') ? ['missing_jti'] : []),
    ];
    signs.push({ step: 'issued', user: name, token: body, kid, lifetime, findings });
    owner.set(body, name);
    return body;
  }
  const valid = (extra = {}) => ({ outcome: 'valid', authz: 'allowed', findings: [], ...extra });
  try {
    // A refresh chain across a key rotation: alice's first token is signed with the old key, the next two with the new one.
    tokens.alice1 = await login('alice', 'k-old');
    await send('GET', '/orders', tokens.alice1, '198.51.100.7', valid());
    await send('GET', '/orders', tokens.alice1, '198.51.100.7', valid());
    // Verified twice in one request: each verify keeps its own record, the request's record carries neither.
    await send('GET', '/orders?again=1', tokens.alice1, '198.51.100.7', valid({ verifies: 2 }));
    tokens.alice2 = (await send('POST', '/refresh?kid=k-new', tokens.alice1, '198.51.100.7', valid())).body;
    signs.push({
      step: 'refreshed',
      user: 'alice',
      token: tokens.alice2,
      previous: tokens.alice1,
      kid: 'k-new',
      lifetime: 900,
      findings: [],
    });
    owner.set(tokens.alice2, 'alice');
    tokens.alice3 = (await send('POST', '/refresh?kid=k-new', tokens.alice2, '198.51.100.7', valid())).body;
    signs.push({
      step: 'refreshed',
      user: 'alice',
      token: tokens.alice3,
      previous: tokens.alice2,
      kid: 'k-new',
      lifetime: 900,
      findings: [],
    });
    owner.set(tokens.alice3, 'alice');
    await send('GET', '/orders', tokens.alice3, '198.51.100.7', valid());
    // Expired three times, then tampered, from one client: four 401s.
    tokens.bobExpired = await login('bob', 'k-new', '&expired=1');
    for (let i = 0; i < 3; i++)
      await send('GET', '/orders', tokens.bobExpired, '203.0.113.9', {
        outcome: 'invalid',
        reason: 'expired',
        claim: 'exp',
        authz: 'rejected',
        findings: [],
      });
    tokens.bob = await login('bob', 'k-new');
    const [h, , s] = tokens.bob.split('.');
    tokens.bobTampered = `${h}.${Buffer.from(JSON.stringify({ sub: sub('bob'), scope: 'admin', iss: 'https://idp.report.test', aud: 'orders-api', exp: Math.floor(Date.now() / 1000) + 900 })).toString('base64url')}.${s}`;
    owner.set(tokens.bobTampered, 'bob');
    // The forged payload has no jti: its verify raises missing_jti, though it fails.
    await send('GET', '/orders', tokens.bobTampered, '203.0.113.9', {
      outcome: 'invalid',
      reason: 'signature_invalid',
      authz: 'rejected',
      findings: [],
      verifyFindings: ['missing_jti'],
    });
    // Only decoded, and served: unverified. Then a route whose scope the token lacks, served anyway: a scope gap.
    tokens.carol = await login('carol', 'k-new');
    // Its decode raises no finding of its own (carol's token has a jti and a short life): the request's record tells it.
    await send('GET', '/profile', tokens.carol, '198.51.100.20', {
      outcome: 'unverified',
      authz: 'allowed',
      findings: ['unverified_bearer'],
      decodeFindings: [],
    });
    await send('GET', '/admin', tokens.carol, '198.51.100.20', valid({ findings: ['scope_insufficient'] }));
    // Revoked at logout, then used again and accepted (the app keeps no denylist).
    await send('POST', '/logout', tokens.alice3, '198.51.100.7', valid());
    await send('GET', '/orders', tokens.alice3, '198.51.100.7', valid({ verifyFindings: ['revoked_token_accepted'] }));
    // A clear instant between two steps: the records of the requests before it are written by then.
    await new Promise((resolve) => setTimeout(resolve, 50));
    marks.beforeReplay = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One token replayed from six addresses behind the trusted proxy.
    tokens.dave = await login('dave', 'k-new');
    for (const client of REPLAY_ADDRESSES) await send('GET', '/orders', tokens.dave, client, valid());
    // A long-lived token without jti, signed with the old key after the rotation.
    tokens.eve = await login('eve', 'k-old', `&lifetime=${30 * 86400}&nojti=1`);
    await send(
      'GET',
      '/orders',
      tokens.eve,
      '198.51.100.30',
      valid({ verifyFindings: ['lifetime_too_long', 'missing_jti'] }),
    );
    const { code, signal } = await app.stop('SIGTERM');
    if (code !== 0) throw new Error(`the app exited with ${code ?? signal}:\n${app.output().stderr}`);
    await receiver.waitFor((r) =>
      r.logRecords.some(
        (record) =>
          record.eventName === 'jwt.audit.checkpoint' &&
          record.attributes['jwt.audit.checkpoint.reason'] === 'shutdown',
      ),
    );
    if (receiver.rejected.length > 0)
      throw new Error(`the receiver rejected payloads: ${JSON.stringify(receiver.rejected)}`);
    return { bodies: receiver.accepted.map((a) => a.body), tokens, subs, keys, requests, signs, marks };
  } finally {
    await app.stop();
    await receiver.close();
  }
}
