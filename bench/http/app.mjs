/**
 * The application of the HTTP benchmark: express 5, one route that verifies the bearer token with jose
 * (HS256) per request. Listens on 127.0.0.1 and prints its port.
 */
import express from 'express';
import { jwtVerify } from 'jose';

const secret = new TextEncoder().encode(process.env.BENCH_SECRET);
const app = express();
app.get('/orders', async (req, res) => {
  const header = req.headers.authorization ?? '';
  try {
    const { payload } = await jwtVerify(header.slice(7), secret, { algorithms: ['HS256'], issuer: 'https://idp.example', audience: 'orders-api' });
    globalThis.benchFloor?.();
    res.json({ user: payload.sub, orders: [] });
  } catch {
    res.status(401).json({ error: 'invalid token' });
  }
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
