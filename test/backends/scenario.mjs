/**
 * The scripted traffic for pnpm test:backends, against the two examples started under @tokentrail/register:
 * express-jose (`orders-api`, RS256, --import) and koa-jsonwebtoken (`orders-api-koa`, HS256 with a weak
 * secret, --require). Every request carries a W3C traceparent with a trace id chosen here, so each trace the
 * backends return is matched to the request that made it and to what the documentation says it holds.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** The secret the koa app signs with: 13 bytes, under HS256's 32, so every koa sign and verify raises hmac_key_weak. */
export const WEAK_SECRET = `weak-${randomBytes(4).toString('hex')}`;

export function traceparent() {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/**
 * One run of the script against both apps. `scale` 'small' makes every series and every detector firing once
 * (the warm-up Prometheus scrapes before the measured phase), 'full' is the measured traffic. `tag` keeps the
 * users, addresses and tokens of the two phases apart, so each phase's detector firings are its own.
 */
export async function runScenario({ express, koa, scale, tag, leaks }) {
  const full = scale === 'full';
  const traces = [];
  const subject = (name) => `${name}-${tag}-${randomUUID()}`;

  async function send(app, method, path, { token, client = '198.51.100.10', body, kind }) {
    const { traceId, header } = traceparent();
    const headers = { traceparent: header, 'x-forwarded-for': client };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body) headers['content-type'] = 'application/json';
    const response = await fetch(app.url + path, { method, headers, body: body && JSON.stringify(body) });
    const text = await response.text();
    const trace = {
      traceId,
      service: app.service,
      method,
      path,
      status: response.status,
      token,
      client,
      kind,
      phase: tag,
      at: Date.now(),
    };
    traces.push(trace);
    return { trace, text };
  }

  async function login(app, sub, { roles, expiresIn } = {}) {
    const express = app.service === 'orders-api';
    const { trace, text } = express
      ? await send(app, 'POST', '/login', {
          body: { sub, roles: roles ?? ['customer'], ...(expiresIn ? { expiresIn } : {}) },
          kind: 'sign',
        })
      : await send(app, 'POST', `/login?sub=${encodeURIComponent(sub)}`, { kind: 'sign' });
    const { token } = JSON.parse(text);
    // The koa example's login takes the subject in its query string, which the HTTP instrumentation records as
    // url.query: the application chose to put it in a URL. Only express's subjects (sent in a body, carried in
    // tokens) are raw claims tokentrail alone could leak.
    if (express) leaks.register(sub, 'raw sub');
    leaks.registerToken(token);
    Object.assign(trace, { issued: token, sub });
    return token;
  }

  const use = async (app, path, token, sub, kind, client) =>
    Object.assign((await send(app, 'GET', path, { token, client, kind })).trace, { sub });

  // express-jose: customers on /orders (plain valid traces, the tail sampler's 10%), each token used 50 times at
  // most (token_hammering fires above 100 a minute); admins on /admin; customers refused /admin (403).
  const customers = [];
  for (let i = 0; i < (full ? 20 : 1); i += 1) {
    const sub = subject(`customer${i}`);
    customers.push({ sub, token: await login(express, sub) });
  }
  const alice = customers[0];
  const admin = { sub: subject('admin') };
  admin.token = await login(express, admin.sub, { roles: ['admin'] });
  for (let round = 0; round < (full ? 50 : 1); round += 1) {
    for (const { sub, token } of customers) await use(express, '/orders', token, sub, 'valid');
  }
  for (let i = 0; i < (full ? 20 : 1); i += 1) await use(express, '/admin', admin.token, admin.sub, 'valid');
  // alice presents her token 90 times within the minute: under token_hammering's 100.
  for (let i = 0; i < (full ? 20 : 1); i += 1) await use(express, '/admin', alice.token, alice.sub, 'denied');
  for (let i = 0; i < (full ? 20 : 1); i += 1) await use(express, '/profile', alice.token, alice.sub, 'unverified');

  // Invalid tokens from one address: more than 20 within a minute fires failure_burst once.
  const burstClient = `203.0.113.${full ? 9 : 10}`;
  const mallory = subject('mallory');
  const expired = await login(express, mallory, { expiresIn: '-1m' });
  const fresh = await login(express, mallory);
  const [h, p, s] = fresh.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), roles: ['admin'] })).toString('base64url')}.${s}`;
  leaks.registerToken(tampered);
  const invalid = [];
  for (let i = 0; i < (full ? 30 : 11); i += 1) {
    invalid.push(await use(express, '/orders', expired, mallory, 'expired', burstClient));
    invalid.push(await use(express, '/orders', tampered, mallory, 'tampered', burstClient));
  }
  invalid[20].alerts = ['failure_burst'];

  // A logout revokes carol's token; the app keeps no denylist, so each later use is accepted and reported
  // (revoked_token_accepted, and one revoked_token_used alert per five minutes).
  const carol = { sub: subject('carol') };
  carol.token = await login(express, carol.sub);
  for (let i = 0; i < (full ? 3 : 1); i += 1) await use(express, '/orders', carol.token, carol.sub, 'valid');
  Object.assign((await send(express, 'POST', '/logout', { token: carol.token, kind: 'revoke' })).trace, {
    sub: carol.sub,
  });
  for (let i = 0; i < (full ? 5 : 1); i += 1) {
    const trace = await use(express, '/orders', carol.token, carol.sub, 'revoked');
    if (i === 0) trace.alerts = ['revoked_token_used'];
  }

  // One token from seven addresses: token_replay_multi_ip fires when the sixth distinct one is seen.
  const dave = { sub: subject('dave') };
  dave.token = await login(express, dave.sub);
  for (let i = 1; i <= 7; i += 1) {
    const trace = await use(
      express,
      '/orders',
      dave.token,
      dave.sub,
      i === 6 ? 'replay' : 'valid',
      `198.51.${full ? 100 : 101}.${i}`,
    );
    if (i === 6) trace.alerts = ['token_replay_multi_ip'];
  }

  // koa-jsonwebtoken with a weak HS256 secret: every sign and verify carries hmac_key_weak (high).
  const koaUsers = [];
  for (let i = 0; i < (full ? 5 : 1); i += 1) {
    const sub = subject(`koa${i}`);
    koaUsers.push({ sub, token: await login(koa, sub) });
  }
  for (let round = 0; round < (full ? 20 : 1); round += 1) {
    for (const { sub, token } of koaUsers) await use(koa, '/orders', token, sub, 'valid');
  }
  const forged = `${koaUsers[0].token.slice(0, -6)}AAAAAA`;
  leaks.registerToken(forged);
  for (let i = 0; i < (full ? 15 : 1); i += 1)
    await use(koa, '/orders', forged, koaUsers[0].sub, 'tampered', '192.0.2.50');
  for (let i = 0; i < (full ? 10 : 1); i += 1)
    await use(koa, '/profile', koaUsers[0].token, koaUsers[0].sub, 'unverified');

  return { traces, alice, carol, tokens: { expired, tampered, forged } };
}
