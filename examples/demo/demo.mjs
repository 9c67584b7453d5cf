/**
 * tokentrail demo: an orders API that authenticates with jose, instrumented with instrumentation-http and
 * tokentrail, exporting to in-memory exporters. A script sends the requests an auditor cares about and the
 * audit trail is printed as a table. Needs nothing but Node; no collector, no network beyond loopback.
 */
import { register } from 'node:module';
import { randomBytes } from 'node:crypto';
import { context, logs, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';

// 1. Telemetry first, so the libraries are patched when the app loads them.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const spans = new InMemorySpanExporter();
const records = new InMemoryLogRecordExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] }));
new HttpInstrumentation();
new JwtInstrumentation({ pseudonymKey: process.env.TOKENTRAIL_PSEUDONYM_KEY ?? 'demo-pseudonym-key-not-for-production' });

// 2. The application: /orders verifies the bearer token; /profile only decodes it (a common, unsafe shortcut).
const { createServer } = await import('node:http');
const jose = await import('jose');
const secret = new TextEncoder().encode(randomBytes(32).toString('hex'));
const ISSUER = 'https://idp.demo.test';

const server = createServer(async (req, res) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /i, '');
  try {
    if (!token) return res.writeHead(401).end();
    if (req.url.startsWith('/profile')) {
      const { sub } = jose.decodeJwt(token);
      return res.writeHead(200).end(JSON.stringify({ sub }));
    }
    await jose.jwtVerify(token, secret, { issuer: ISSUER, audience: 'orders-api' });
    res.writeHead(200).end('[]');
  } catch {
    res.writeHead(401).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// 3. The scripted requests.
const issue = (claims, { exp = '10m', aud = 'orders-api' } = {}) =>
  new jose.SignJWT({ roles: ['customer'], email: 'alice@example.com', ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: 'demo-2026-11' })
    .setIssuer(ISSUER)
    .setAudience(aud)
    .setExpirationTime(exp)
    .sign(secret);
const valid = await issue({ sub: 'alice' });
const [h, p, s] = valid.split('.');
const tampered = `${h}.${Buffer.from(JSON.stringify({ ...jose.decodeJwt(valid), sub: 'admin' })).toString('base64url')}.${s}`;
const scripted = [
  ['valid token', '/orders', valid],
  ['expired token', '/orders', await issue({ sub: 'bob' }, { exp: Math.floor(Date.now() / 1000) - 60 })],
  ['tampered payload', '/orders', tampered],
  ['wrong audience', '/orders', await issue({ sub: 'carol' }, { aud: 'billing-api' })],
  ['decoded, never verified', '/profile', await issue({ sub: 'dave' })],
  ['no token', '/orders', ''],
];
spans.reset();
records.reset();
for (const [, path, token] of scripted) {
  const response = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await response.arrayBuffer();
}
await new Promise((resolve) => setTimeout(resolve, 50));
server.close();

// 4. The audit trail: one row per request, joined with the JWT log record of the same trace.
const serverSpans = spans.getFinishedSpans().filter((span) => span.kind === 1);
const jwtRecords = records.getFinishedLogRecords();
const rows = serverSpans.map((span, i) => {
  const record = jwtRecords.find((r) => r.spanContext?.traceId === span.spanContext().traceId);
  const a = { ...span.attributes, ...record?.attributes };
  return {
    time: new Date(span.startTime[0] * 1000 + span.startTime[1] / 1e6).toISOString().slice(11, 23),
    scenario: scripted[i][0],
    request: `${a['http.request.method']} ${a['url.path'] ?? a['http.target'] ?? ''}`,
    status: String(a['http.response.status_code'] ?? ''),
    operation: a['jwt.operation'] ?? '-',
    outcome: a['jwt.validation.outcome'] ?? '-',
    reason: a['jwt.validation.reason'] ? `${a['jwt.validation.reason']}${a['jwt.validation.claim'] ? `(${a['jwt.validation.claim']})` : ''}` : '-',
    user: (a['enduser.pseudo.id'] ?? '-').slice(0, 12),
    trace: span.spanContext().traceId.slice(0, 16),
  };
});
const columns = Object.keys(rows[0]);
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
console.log('\ntokentrail audit trail (user = keyed pseudonym of sub; no token, key or raw claim is exported)\n');
console.log(line(columns));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(columns.map((c) => row[c])));
const exported = JSON.stringify([spans.getFinishedSpans().map((x) => x.attributes), jwtRecords.map((r) => r.attributes)]);
const leaked = scripted.some(([, , token]) => token && exported.includes(token.split('.')[1])) || exported.includes('alice@example.com');
console.log(`\n${serverSpans.length} requests, ${jwtRecords.length} JWT audit records; token or e-mail found in telemetry: ${leaked ? 'YES' : 'no'}`);
