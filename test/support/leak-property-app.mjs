/**
 * One child process of the leak property test: a catch-all app on one framework (node:http, express, fastify,
 * koa) under instrumentation-http and tokentrail, either as `@tokentrail/register` configures them or with
 * every request and response header captured, serving a batch of generated requests sent raw over loopback.
 * Each request carries a token somewhere; the handler verifies or decodes it (or signs a new one and sends it
 * back), then answers normally, errors after answering (a write after end), throws synchronously, or waits
 * for the client to abort. Everything exported (spans with their events and resource, log records, metrics)
 * is then scanned for every token, each segment and each personal claim, written raw or percent-encoded.
 *
 * Usage: node leak-property-app.mjs <cases.json> <framework> <register|capture>; prints one JSON line.
 */
import './esm-hook.mjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { DEFAULT_TOKEN_QUERY_PARAMS, JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { httpInstrumentationConfig } from '@tokentrail/register/http-config';
import { setupTelemetry } from './telemetry.mjs';
import { LeakScanner } from './leak-scanner.mjs';
import { PSEUDONYM_KEY } from './jwt-fixtures.mjs';

const [casesFile, framework, mode] = process.argv.slice(2);
const { secret, cases, capturedHeaders } = JSON.parse(readFileSync(casesFile, 'utf8'));

const telemetry = setupTelemetry();
const httpConfig = httpInstrumentationConfig(DEFAULT_TOKEN_QUERY_PARAMS);
if (mode === 'capture') {
  httpConfig.headersToSpanAttributes = {
    server: {
      requestHeaders: capturedHeaders,
      responseHeaders: ['set-cookie', 'x-refreshed-token', 'content-type', 'location'],
    },
  };
}
new HttpInstrumentation(httpConfig);
const jwtInstrumentation = new JwtInstrumentation({
  pseudonymKey: PSEUDONYM_KEY,
  ...(mode === 'capture' ? { tokenSources: { headers: ['x-api-token'], cookies: ['session'] } } : {}),
});
telemetry.addSpanProcessor(jwtInstrumentation.spanProcessor());

const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken');
const jose = await import('jose');
const key = new TextEncoder().encode(secret);
const leaks = new LeakScanner();
leaks.register(secret, 'HMAC secret');
const byId = new Map(cases.map((c) => [String(c.id), c]));
for (const c of cases) {
  leaks.registerToken(c.token, `case ${c.id} token`);
  for (const [claim, value] of Object.entries(c.personal)) leaks.register(value, `case ${c.id} claim ${claim}`);
}
/** Called when a handler has done its JWT work, so that the client can abort. */
const reached = new Map();
const planned = (error) => error instanceof Error && error.message.startsWith('planned failure');
process.on('uncaughtException', (error) => {
  if (!planned(error)) throw error;
});

/** The JWT work the case asks for; `jose` only where the handler may be asynchronous. */
function jwtWork(c, useJose) {
  if (c.action === 'decode') return useJose ? jose.decodeJwt(c.token) : jwt.decode(c.token);
  if (useJose) return jose.jwtVerify(c.token, key).catch(() => undefined);
  try {
    jwt.verify(c.token, secret);
  } catch {}
  return undefined;
}

function signFresh(c, res) {
  if (c.action !== 'sign') return;
  const fresh = jwt.sign({ sub: c.personal.sub, refreshed: true }, secret);
  leaks.registerToken(fresh, `case ${c.id} signed token`);
  res.setHeader('x-refreshed-token', fresh);
  res.setHeader('set-cookie', `session=${fresh}; HttpOnly`);
}

/** A handler that throws synchronously after its (synchronous) JWT work, quoting the token in the error. */
function handleThrowing(c, res) {
  jwtWork(c, false);
  signFresh(c, res);
  setImmediate(() => !res.headersSent && !res.destroyed && res.writeHead(500).end());
  throw new Error(`planned failure for ${c.token}`);
}

/** The JWT work, then the ending the case asks for; true when the framework should answer normally. */
async function handle(c, res) {
  await jwtWork(c, c.id % 2 === 0);
  signFresh(c, res);
  reached.get(String(c.id))?.();
  if (c.ending === 'abort') return false;
  if (c.ending === 'error') {
    res.on('error', () => {});
    res.writeHead(200).end('ok');
    res.write('after end');
    return false;
  }
  return true;
}

function caseOf(headers) {
  return byId.get(String(headers['x-case']));
}

const apps = {
  async 'node:http'() {
    const server = require('node:http').createServer((req, res) => {
      const c = caseOf(req.headers);
      if (!c) return res.writeHead(404).end();
      if (c.ending === 'throw') handleThrowing(c, res);
      void handle(c, res).then((normal) => normal && res.writeHead(200).end('ok'));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: server.address().port,
      close: () => {
        server.closeAllConnections();
        return new Promise((r) => server.close(r));
      },
    };
  },
  async express() {
    const app = require('express')();
    app.use((req, res, next) => {
      const c = caseOf(req.headers);
      if (!c) return res.status(404).end();
      if (c.ending === 'throw') handleThrowing(c, res);
      handle(c, res).then((normal) => normal && res.status(200).send('ok'), next);
    });
    app.use((error, _req, res, next) => (res.headersSent ? next(error) : res.status(500).end()));
    const server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      port: server.address().port,
      close: () => {
        server.closeAllConnections();
        return new Promise((r) => server.close(r));
      },
    };
  },
  async fastify() {
    const app = require('fastify')({ logger: false });
    const route = (request, reply) => {
      const c = caseOf(request.headers);
      if (!c) return reply.code(404).send();
      if (c.ending !== 'normal') reply.hijack();
      if (c.ending === 'throw') handleThrowing(c, reply.raw);
      return handle(c, reply.raw).then((normal) => (normal ? reply.code(200).send('ok') : undefined));
    };
    app.all('/', route);
    app.all('/*', route);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      port: app.server.address().port,
      close: () => {
        app.server.closeAllConnections();
        return app.close();
      },
    };
  },
  async koa() {
    const Koa = require('koa');
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx) => {
      const c = caseOf(ctx.headers);
      if (!c) {
        ctx.status = 404;
        return;
      }
      if (c.ending !== 'normal') ctx.respond = false;
      if (c.ending === 'throw') handleThrowing(c, ctx.res);
      const normal = await handle(c, ctx.res);
      if (normal) {
        ctx.status = 200;
        ctx.body = 'ok';
      }
    });
    const server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      port: server.address().port,
      close: () => {
        server.closeAllConnections();
        return new Promise((r) => server.close(r));
      },
    };
  },
};

/** Sends one raw request; resolves when the response ended or, for an abort, once the handler did its work. */
function send(port, c) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      reached.delete(String(c.id));
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(finish, 5000);
    if (c.ending === 'abort') reached.set(String(c.id), () => setImmediate(finish));
    const headers = [
      `Host: 127.0.0.1:${port}`,
      `X-Case: ${c.id}`,
      ...c.headers.map(([name, value]) => `${name}: ${value}`),
      'Connection: close',
    ];
    socket.on('connect', () => socket.write(`GET ${c.target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`));
    socket.on('data', () => {});
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

const app = await apps[framework]();
const queue = [...cases];
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) await send(app.port, c);
  }),
);
// Aborted and erroring requests end their spans on the response's 'close': give them a moment, then flush.
for (let i = 0; i < 100 && telemetry.spans().filter((s) => s.kind === 1).length < cases.length; i += 1) await sleep(20);
await sleep(100);
await app.close();
await telemetry.tracerProvider.forceFlush();
await telemetry.loggerProvider.forceFlush();

const metrics = await telemetry.allMetrics();
const exported = { spans: telemetry.spans(), logRecords: telemetry.logRecords(), metrics };
const found = leaks.findLeaks(exported, 20);
process.stdout.write(
  `${JSON.stringify({
    result: true,
    requests: cases.length,
    serverSpans: exported.spans.filter((s) => s.kind === 1).length,
    jwtSpans: exported.spans.filter((s) => s.name.startsWith('jwt.')).length,
    scanned: leaks.scannedCount(exported),
    leaks: found,
  })}\n`,
);
process.exit(0);
