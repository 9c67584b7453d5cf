/**
 * Orders API: express 5 + jose, RS256 tokens verified against a local JWKS.
 *
 *   POST /login     {"sub": "...", "roles": [...], "expiresIn": "10m", "audience": "orders-api"}  → a token (demo issuer)
 *   GET  /orders    verifies the bearer token                       → 200 / 401
 *   GET  /admin     verifies, then requires the "admin" role         → 200 / 401 / 403
 *   GET  /profile   only decodes the token (the unsafe shortcut tokentrail flags) → 200
 *   POST /logout    verifies, then revokes the token (recordRevocation: a jwt.revoke record) → 204 / 401
 *   GET  /healthz   no authentication
 *
 * Start: node --import @tokentrail/register app.mjs   (PORT, default 0: any free port; the port is printed)
 */
import express from 'express';
import { SignJWT, createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { recordRevocation } from '@tokentrail/instrumentation-jwt';

const ISSUER = 'https://idp.orders.example';
const AUDIENCE = 'orders-api';

const { publicKey, privateKey } = await generateKeyPair('RS256');
const kid = `orders-${new Date().toISOString().slice(0, 10)}`;
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });

function bearer(req) {
  const header = req.get('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

async function authenticate(req, res, next) {
  const token = bearer(req);
  if (!token) return res.status(401).json({ error: 'missing token' });
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] });
    req.user = payload;
    next();
  } catch {
    res.status(401).json({ error: 'invalid token' });
  }
}

const app = express();
app.use(express.json());

app.post('/login', async (req, res) => {
  const { sub = 'demo-user', roles = ['customer'], expiresIn = '10m', audience = AUDIENCE } = req.body ?? {};
  const token = await new SignJWT({ roles })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(expiresIn)
    .sign(privateKey);
  res.json({ token });
});
app.get('/orders', authenticate, (req, res) => res.json({ owner: req.user.sub, orders: [] }));
app.get('/admin', authenticate, (req, res) =>
  (req.user.roles ?? []).includes('admin') ? res.json({ ok: true }) : res.status(403).json({ error: 'forbidden' }),
);
app.get('/profile', (req, res) => {
  const token = bearer(req);
  if (!token) return res.status(401).end();
  res.json({ sub: decodeJwt(token).sub });
});
app.post('/logout', authenticate, (req, res) => {
  // The app keeps no denylist: a revoked token is still accepted, which tokentrail reports (revoked_token_accepted).
  recordRevocation({ token: bearer(req), reason: 'logout', actor: req.user.sub });
  res.status(204).end();
});
app.get('/healthz', (_req, res) => res.send('ok'));

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
