/**
 * The application of the HTTP benchmark: one route that verifies the bearer token per request and answers
 * JSON. BENCH_APP chooses the stack: `express-jose` (express 5, jose HS256; the default), `fastify-jsonwebtoken`
 * (fastify 5, jsonwebtoken HS256), `node-jose-rs256` (node:http, jose RS256 with BENCH_PUBLIC_KEY). Listens on
 * 127.0.0.1 and prints its port.
 */
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { jwtVerify } from 'jose';

const require = createRequire(import.meta.url);
const secret = new TextEncoder().encode(process.env.BENCH_SECRET);
const joseOptions = { algorithms: ['HS256'], issuer: 'https://idp.example', audience: 'orders-api' };
const answer = (payload) => {
  globalThis.benchFloor?.();
  return { user: payload.sub, orders: [] };
};

const apps = {
  async 'express-jose'() {
    const { default: express } = await import('express');
    const app = express();
    app.get('/orders', async (req, res) => {
      const header = req.headers.authorization ?? '';
      try {
        const { payload } = await jwtVerify(header.slice(7), secret, joseOptions);
        res.json(answer(payload));
      } catch {
        res.status(401).json({ error: 'invalid token' });
      }
    });
    return app.listen(0, '127.0.0.1');
  },
  async 'fastify-jsonwebtoken'() {
    const jwt = require('jsonwebtoken');
    const app = require('fastify')();
    const key = process.env.BENCH_SECRET;
    app.get('/orders', async (request, reply) => {
      try {
        const payload = jwt.verify((request.headers.authorization ?? '').slice(7), key, joseOptions);
        return answer(payload);
      } catch {
        return reply.code(401).send({ error: 'invalid token' });
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app.server;
  },
  async 'node-jose-rs256'() {
    const http = await import('node:http');
    const key = createPublicKey(process.env.BENCH_PUBLIC_KEY);
    const options = { ...joseOptions, algorithms: ['RS256'] };
    const server = http.createServer(async (req, res) => {
      try {
        const { payload } = await jwtVerify((req.headers.authorization ?? '').slice(7), key, options);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(payload)));
      } catch {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid token"}');
      }
    });
    return server.listen(0, '127.0.0.1');
  },
};

const server = await apps[process.env.BENCH_APP ?? 'express-jose']();
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
console.log(JSON.stringify({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
