/**
 * The application of the hostile-input benchmark: express 5 with three routes.
 *   GET /reset   password reset: the user named by the token's (unverified) `sub` is looked up, and the token
 *                is verified with that user's own secret, `JWT_SECRET + passwordHash` (jose) → 200 or 401
 *   GET /orders  verify the bearer token with the shared secret (jose) → 200 or 401
 *   GET /search  no credential; answers with the number of query parameters express parsed
 * Listens on 127.0.0.1 and prints its port. BENCH_SECRET is the shared secret, BENCH_HASHES the users' hashes (JSON).
 * Under the floor (./floor.mjs), each request that presented a token emits the SDK objects of an audited request.
 */
import express from 'express';
import { decodeJwt, jwtVerify } from 'jose';

const secret = process.env.BENCH_SECRET;
const hashes = JSON.parse(process.env.BENCH_HASHES);
const encoder = new TextEncoder();
const options = { algorithms: ['HS256'] };
const bearer = (req) => (req.headers.authorization ?? '').slice(7);

const app = express();
app.get('/reset', async (req, res) => {
  try {
    const token = bearer(req);
    const hash = hashes[Number(decodeJwt(token).sub)];
    await jwtVerify(token, encoder.encode(secret + hash), options);
    globalThis.benchFloor?.();
    res.json({ reset: true });
  } catch {
    globalThis.benchFloor?.();
    res.status(401).json({ error: 'invalid token' });
  }
});
app.get('/orders', async (req, res) => {
  try {
    await jwtVerify(bearer(req), encoder.encode(secret), options);
    globalThis.benchFloor?.();
    res.json({ orders: [] });
  } catch {
    globalThis.benchFloor?.();
    res.status(401).json({ error: 'invalid token' });
  }
});
app.get('/search', (req, res) => res.json({ parameters: Object.keys(req.query).length }));
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
