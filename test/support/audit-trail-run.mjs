/**
 * A real audit trail: the express-jose example under `node --import @tokentrail/register`, with a signing key
 * and a small checkpoint interval, exporting OTLP to the strict receiver, stopped with SIGTERM (the register
 * package's shutdown seals the trail). The receiver decodes protobuf into the OTLP/JSON mapping the
 * Collector's file exporter writes (64-bit integers as strings, ids in hex).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const require = createRequire(import.meta.url);
export const CLI = join(dirname(require.resolve('@tokentrail/cli/package.json')), 'build', 'bin.js');
const exampleApp = join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs');

/** A throwaway Ed25519 key pair, minted at run time. */
export function signingKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    publicJwk: publicKey.export({ format: 'jwk' }),
  };
}

async function traffic(url, requests, tokens) {
  for (let i = 0; i < requests; i++) {
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: `user-${i}@example.com`, roles: i % 3 ? ['customer'] : ['admin'] }),
    });
    const { token } = await login.json();
    tokens.push(token);
    const path = ['/orders', '/admin', '/profile'][i % 3];
    const sent = i % 5 === 4 ? `${token.slice(0, -4)}AAAA` : token;
    await (await fetch(url + path, { headers: { authorization: `Bearer ${sent}` } })).arrayBuffer();
  }
}

/**
 * Runs the app and returns what the receiver accepted: `logBodies` (export requests, OTLP/JSON mapping),
 * `allBodies` (every signal, as a file exporter given all pipelines would write them) and the minted tokens.
 */
export async function recordTrail({ protocol = 'http/protobuf', requests = 12, interval = 5, privatePem } = {}) {
  const receiver = await startReceiver();
  const tokens = [];
  const env = {
    TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: String(interval),
    TOKENTRAIL_PSEUDONYM_KEY: 'audit-trail-test-key-0123456789',
  };
  if (privatePem) env.TOKENTRAIL_AUDIT_SIGNING_KEY = privatePem;
  const app = await runApp(exampleApp, { endpoint: receiver.endpoint, protocol, env });
  try {
    await traffic(app.url, requests, tokens);
    const { code, signal } = await app.stop('SIGTERM');
    if (code !== 0) throw new Error(`the app exited with ${code ?? signal}:\n${app.output().stderr}`);
    await receiver.waitFor((r) =>
      r.logRecords.some(
        (record) =>
          record.eventName === 'jwt.audit.checkpoint' &&
          record.attributes['jwt.audit.checkpoint.reason'] === 'shutdown',
      ),
    );
    if (receiver.rejected.length > 0)
      throw new Error(`the receiver rejected payloads: ${JSON.stringify(receiver.rejected)}`);
    return {
      logBodies: receiver.accepted.filter((a) => a.kind === 'logs').map((a) => a.body),
      allBodies: receiver.accepted.map((a) => a.body),
      tokens,
    };
  } finally {
    await app.stop();
    await receiver.close();
  }
}

/** A temporary directory, removed when the process exits. */
export function tempDir(prefix = 'tokentrail-cli-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The Collector file exporter's format: one export request per line. */
export function writeJsonLines(file, bodies) {
  writeFileSync(file, `${bodies.map((body) => JSON.stringify(body)).join('\n')}\n`);
  return file;
}
