/**
 * What one chained audit record costs beside a plain log record, side by side in interleaved rounds: the same
 * 14 attributes a jsonwebtoken verify's `jwt.verify` record carries, emitted through the Logs API as a plain
 * record (plus the three jwt.audit.* attributes as constants) and through tokentrail's audit trail (a copy of
 * the attributes, the canonical text, the SHA-256 chain step, then the same emit), into a batch processor
 * whose exporter discards.
 *
 *   node bench/audit-record.mjs [rounds=9]
 * Writes bench/results/audit-record.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { context, logs } from '@opentelemetry/api';

// The sink itself (not a public entry point), as the instrumentation uses it: one trail, its own stream.
const { AuditTrail } = createRequire(import.meta.url)('../packages/instrumentation-jwt/build/sinks/audit-trail.js');
import { installDiscardingSdk } from './support/discarding-sdk.mjs';
import { median } from './support/cpu.mjs';

const ROUNDS = Number(process.argv[2] ?? 9);
const RECORDS = 20000;
installDiscardingSdk();
const logger = logs.getLogger('bench-audit-record');
const trail = new AuditTrail(() => logger, { checkpointInterval: 0, signer: undefined });
const ATTRIBUTES = {
  'jwt.operation': 'verify',
  'jwt.library': 'jsonwebtoken',
  'jwt.validation.outcome': 'valid',
  'jwt.header.alg': 'HS256',
  'jwt.header.typ': 'JWT',
  'jwt.token.fingerprint': '1f967ee5dcc75f82217ec1e54a5602ea',
  'jwt.claims.iss': 'https://idp.example',
  'jwt.claims.aud': ['api'],
  'jwt.claims.exp': 1795508478,
  'jwt.claims.iat': 1795504878,
  'enduser.pseudo.id': '446017efb374ca5b8b42ee71a442d979',
  'user.roles': ['reader'],
  'jwt.key.fingerprint': '1c753561af25ee76f74e85babba1081d',
  'jwt.findings': ['alg_not_pinned', 'aud_not_checked', 'iss_not_checked', 'missing_jti'],
};
const TRAIL = {
  'jwt.audit.stream': '68577ade387367d0369c727d4bdc5786',
  'jwt.audit.seq': 1,
  'jwt.audit.chain': '0'.repeat(64),
};
const record = (attributes) => ({
  eventName: 'jwt.verify',
  severityNumber: 9,
  severityText: 'INFO',
  attributes,
  context: context.active(),
});
const variants = {
  plain: () => logger.emit(record({ ...ATTRIBUTES, ...TRAIL })),
  chained: () => trail.emit(record(ATTRIBUTES)),
};

/** Microseconds of this process's CPU time per record; the batch processor's exports run inside the loop. */
async function measure(emit) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < RECORDS; i += 1) {
    emit();
    if ((i & 255) === 0) await new Promise(setImmediate);
  }
  const { user, system } = process.cpuUsage(cpu);
  return (user + system) / RECORDS;
}

const runs = { plain: [], chained: [] };
await measure(variants.chained); // warm-up
for (let r = 0; r < ROUNDS; r += 1)
  for (const [name, emit] of Object.entries(variants)) runs[name].push(await measure(emit));
const plain = median(runs.plain);
const chained = median(runs.chained);
const result = {
  node: process.version,
  rounds: ROUNDS,
  records: RECORDS,
  plainMicros: +plain.toFixed(2),
  chainedMicros: +chained.toFixed(2),
  chainMicros: +(chained - plain).toFixed(2),
};
console.log(result);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'audit-record.json'), JSON.stringify(result, null, 2));
