/**
 * One small app per JWT middleware, as its documentation sets it up, each guarding GET /orders with an
 * HS256 secret and answering 200 "ok" to an accepted token. Failures are answered the middleware's own way
 * (its status and error code in the body), so a change in the middleware's behaviour shows in the response.
 *
 * Each starter takes `require` (so the packages load through the instrumented module loader) and the secret,
 * listens on 127.0.0.1 and returns `{ port, close }`.
 */
import { ISSUER, AUDIENCE } from './jwt-fixtures.mjs';

function listening(server) {
  return new Promise((resolve) =>
    server.once('listening', () => resolve({ port: server.address().port, close: () => closeServer(server) })),
  );
}

function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** express's error handler answering with the middleware's own status and error code. */
function expressErrors(err, _req, res, _next) {
  res.status(err.status ?? err.statusCode ?? 500).send(`${err.name}:${err.code ?? ''}`);
}

export const middlewareApps = {
  /** express 5 + express-jwt (jsonwebtoken underneath: decode, then verify). */
  async 'express-jwt'({ require, secret }) {
    const express = require('express');
    const { expressjwt } = require('express-jwt');
    const app = express();
    app.get('/orders', expressjwt({ secret, algorithms: ['HS256'] }), (_req, res) => res.send('ok'));
    app.use(expressErrors);
    return listening(app.listen(0, '127.0.0.1'));
  },

  /** express 5 + passport-jwt (jsonwebtoken's callback verify; passport answers 401 itself). */
  async 'passport-jwt'({ require, secret }) {
    const express = require('express');
    const passport = require('passport');
    const { Strategy, ExtractJwt } = require('passport-jwt');
    passport.use(
      new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: secret }, (payload, done) =>
        done(null, payload),
      ),
    );
    const app = express();
    app.use(passport.initialize());
    app.get('/orders', passport.authenticate('jwt', { session: false }), (_req, res) => res.send('ok'));
    return listening(app.listen(0, '127.0.0.1'));
  },

  /** koa 3 + koa-jwt (jsonwebtoken's callback verify; koa-jwt throws a 401 with its own message). */
  async 'koa-jwt'({ require, secret }) {
    const Koa = require('koa');
    const koaJwt = require('koa-jwt');
    const app = new Koa();
    app.use(koaJwt({ secret }));
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    return listening(app.listen(0, '127.0.0.1'));
  },

  /** fastify 5 + @fastify/jwt (fast-jwt underneath). */
  async '@fastify/jwt'({ require, secret }) {
    const app = require('fastify')();
    app.register(require('@fastify/jwt'), { secret });
    app.get('/orders', { onRequest: async (request) => request.jwtVerify() }, async () => 'ok');
    app.setErrorHandler((err, _request, reply) =>
      reply.code(err.statusCode ?? 500).send(`${err.name}:${err.code ?? ''}`),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  },

  /** express 5 + express-oauth2-jwt-bearer (jose 4 underneath). */
  async 'express-oauth2-jwt-bearer'({ require, secret }) {
    const express = require('express');
    const { auth } = require('express-oauth2-jwt-bearer');
    const app = express();
    app.get('/orders', auth({ issuer: ISSUER, audience: AUDIENCE, secret, tokenSigningAlg: 'HS256' }), (_req, res) =>
      res.send('ok'),
    );
    app.use(expressErrors);
    return listening(app.listen(0, '127.0.0.1'));
  },

  /** hono on @hono/node-server + hono/jwt (hono's own JWT helpers). */
  async 'hono/jwt'({ require, secret }) {
    const { Hono } = require('hono');
    const { jwt } = require('hono/jwt');
    const { serve } = require('@hono/node-server');
    const app = new Hono();
    app.use('/orders', jwt({ secret, alg: 'HS256' }));
    app.get('/orders', (c) => c.text('ok'));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    return listening(server);
  },
};
