/**
 * The same small API on node:http, express 5, fastify 5 and koa 3. Every app answers:
 *   GET /orders/:id   verify the bearer token → 200, or 401 when it is refused
 *   GET /admin        verify the bearer token → 403 for everyone (an authorization denial)
 *   GET /profile      only decode the token (never verify) → 200
 * after an asynchronous pause before and after verifying, so requests interleave.
 */
import { setTimeout as sleep } from 'node:timers/promises';

function bearer(headers) {
  const value = headers.authorization ?? '';
  return value.startsWith('Bearer ') ? value.slice(7) : undefined;
}

/** The app's authentication logic, written once against either library. */
export function authenticator({ jose, jwt, secret, library }) {
  const key = new TextEncoder().encode(secret);
  return {
    async verify(token) {
      if (!token) return false;
      await sleep(Math.random() * 5);
      try {
        if (library === 'jose') await jose.jwtVerify(token, key);
        else jwt.verify(token, secret);
        return true;
      } catch {
        return false;
      } finally {
        await sleep(Math.random() * 5);
      }
    },
    decode(token) {
      return library === 'jose' ? jose.decodeJwt(token) : jwt.decode(token);
    },
  };
}

async function answer(auth, path, headers) {
  const token = bearer(headers);
  if (path.startsWith('/profile')) {
    if (!token) return [401, 'no token'];
    return [200, JSON.stringify({ sub: auth.decode(token).sub })];
  }
  if (!(await auth.verify(token))) return [401, 'unauthorized'];
  if (path.startsWith('/admin')) return [403, 'forbidden'];
  return [200, 'ok'];
}

export const frameworks = {
  async 'node:http'({ http }, auth) {
    const server = http.createServer(async (req, res) => {
      const [status, body] = await answer(auth, req.url, req.headers);
      res.writeHead(status).end(body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
  },
  async express({ require }, auth) {
    const express = require('express');
    const app = express();
    const handle = async (req, res) => {
      const [status, body] = await answer(auth, req.path, req.headers);
      res.status(status).send(body);
    };
    app.get('/orders/:id', handle);
    app.get('/admin', handle);
    app.get('/profile', handle);
    const server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
  },
  async fastify({ require }, auth) {
    const app = require('fastify')();
    const handle = async (request, reply) => {
      const [status, body] = await answer(auth, request.url, request.headers);
      return reply.code(status).send(body);
    };
    app.get('/orders/:id', handle);
    app.get('/admin', handle);
    app.get('/profile', handle);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  },
  async koa({ require }, auth) {
    const Koa = require('koa');
    const app = new Koa();
    app.use(async (ctx) => {
      const [status, body] = await answer(auth, ctx.path, ctx.headers);
      ctx.status = status;
      ctx.body = body;
    });
    const server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
  },
};

/** node:https with a throwaway self-signed certificate made by openssl at run time. */
export async function startHttps({ require }, auth) {
  const { execFileSync } = require('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
  const { join } = require('node:path');
  const { tmpdir } = require('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tokentrail-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const options = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const server = require('node:https').createServer(options, async (req, res) => {
      const [status, body] = await answer(auth, req.url, req.headers);
      res.writeHead(status).end(body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const get = (path, headers) =>
      new Promise((resolve, reject) => {
        require('node:https')
          .get(
            {
              host: '127.0.0.1',
              port: server.address().port,
              path,
              headers,
              ca: options.cert,
              rejectUnauthorized: false,
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            },
          )
          .on('error', reject);
      });
    return { get, close: () => new Promise((r) => server.close(r)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
