/**
 * tokentrail demo. Starts the express-jose example API under `node --import @tokentrail/register`, exporting
 * over OTLP to a strict receiver in this process, sends the requests an auditor cares about, stops the API
 * with SIGTERM (which flushes its telemetry), and prints the audit trail the receiver got.
 *
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the API exports to that collector instead and no table is printed.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { startReceiver } from '@tokentrail/otlp-receiver';

const require = createRequire(import.meta.url);
const appPath = join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs');
const external = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
const receiver = external ? undefined : await startReceiver();
const app = await runApp(appPath, {
  endpoint: external ?? receiver.endpoint,
  protocol: process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
  env: {
    OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'orders-api',
    TOKENTRAIL_PSEUDONYM_KEY: process.env.TOKENTRAIL_PSEUDONYM_KEY ?? 'demo-pseudonym-key-not-for-production',
  },
});

async function login(body) {
  const response = await fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()).token;
}
const alice = await login({ sub: 'alice' });
const [header, payload, signature] = alice.split('.');
const forged = Buffer.from(
  JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url')), sub: 'admin', roles: ['admin'] }),
).toString('base64url');
const scripted = [
  ['valid token', '/orders', alice],
  ['valid, not an admin', '/admin', alice],
  ['expired', '/orders', await login({ sub: 'bob', expiresIn: Math.floor(Date.now() / 1000) - 60 })],
  ['tampered payload', '/orders', `${header}.${forged}.${signature}`],
  ['wrong audience', '/orders', await login({ sub: 'carol', audience: 'billing-api' })],
  ['decoded, never verified', '/profile', await login({ sub: 'dave' })],
  ['no token', '/orders', undefined],
];
for (const [, path, token] of scripted) {
  const response = await fetch(app.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await response.arrayBuffer();
}
await app.stop('SIGTERM');

if (!receiver) {
  console.log(`Sent ${scripted.length} requests; the telemetry went to ${external}.`);
  process.exit(0);
}

// Requests with a token have a jwt.request record; the one without has only instrumentation-http's span.
await receiver.waitFor(
  (r) => r.spans.filter((s) => s.kind === 2 && s.attributes['url.path'] !== '/login').length >= scripted.length,
);
const requests = receiver.spans
  .filter((s) => s.kind === 2 && s.attributes['url.path'] !== '/login')
  .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
const rows = requests.map((span, i) => {
  const a = span.attributes;
  const reason = a['jwt.validation.reason']
    ? `${a['jwt.validation.reason']}${a['jwt.validation.claim'] ? `(${a['jwt.validation.claim']})` : ''}`
    : '';
  return {
    time: new Date(Number(BigInt(span.startTimeUnixNano) / 1_000_000n)).toISOString().slice(11, 23),
    scenario: scripted[i]?.[0] ?? '',
    request: `${a['http.request.method']} ${a['http.route'] ?? a['url.path']}`,
    status: String(a['http.response.status_code'] ?? ''),
    outcome: a['jwt.validation.outcome'] ?? '-',
    reason: reason || '-',
    authz: a['jwt.authz.outcome'] ?? '-',
    findings: (a['jwt.findings'] ?? []).join(',') || '-',
    user: (a['enduser.pseudo.id'] ?? '-').slice(0, 12),
    trace: span.traceId.slice(0, 16),
  };
});
const columns = Object.keys(rows[0]);
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
const line = (cells) =>
  cells
    .map((cell, i) => cell.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log('\ntokentrail audit trail, as received over OTLP (user = keyed pseudonym of sub)\n');
console.log(line(columns));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(columns.map((c) => row[c])));

const everything = JSON.stringify(receiver.accepted.map((a) => a.body));
const leaked = scripted.some(([, , token]) =>
  token?.split('.').some((part) => part.length > 8 && everything.includes(part)),
);
const jwtSpans = receiver.spans.filter((s) => s.name.startsWith('jwt.')).length;
const records = receiver.logRecords.filter((r) => r.eventName?.startsWith('jwt.')).length;
console.log(
  `\nreceived ${receiver.spans.length} spans (${jwtSpans} jwt.*), ${records} jwt.* log records, ${receiver.metricPoints.length} metric points; ` +
    `rejected payloads: ${receiver.rejected.length}; token or token segment found in telemetry: ${leaked ? 'YES' : 'no'}`,
);
await receiver.close();
