/**
 * A synthetic audit trail, written as the Collector's file exporter writes one (an OTLP/JSON export request per
 * line, 512 records each): a day of a service's traffic — requests valid and refused (each request's record
 * carrying the verify it made), logins and refreshes, a key rotation at midday, a revocation, a token replayed
 * from many addresses, alerts — with every record chained and a checkpoint every 1,000 records (signed when an
 * Ed25519 `signingKey` is given), sealed at the end, so it verifies. Pseudonyms and fingerprints are made up
 * (random hex); there is no token anywhere. Deterministic for a given seed.
 *
 *   writeSyntheticTrail(file, { records: 1_000_000, start: Date.parse('2026-11-28T00:00:00Z'), hours: 24 })
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createPublicKey, sign } from 'node:crypto';
import {
  canonicalRecord,
  checkpointStatement,
  ed25519KeyId,
  nextChain,
  sortEntries,
  GENESIS,
} from '@tokentrail/instrumentation-jwt/audit-trail';
import { random } from '../../test/support/tamper.mjs';

/** The tamper suite's seeded generator, with hex digits. */
function generator(seed) {
  const rng = random(seed);
  return { ...rng, hex: (n) => Array.from({ length: n }, () => rng.int(16).toString(16)).join('') };
}

const ROUTES = ['/orders', '/orders/{id}', '/cart', '/profile', '/payments', '/admin/users', '/search', '/refresh'];

/** An attribute as OTLP/JSON writes it, and as the canonical form reads it. */
function attribute(key, value) {
  if (typeof value === 'string') return [{ key, value: { stringValue: value } }, [key, ['s', value]]];
  if (Number.isInteger(value)) return [{ key, value: { intValue: String(value) } }, [key, ['i', String(value)]]];
  return [
    { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } },
    [key, ['a', value.map((v) => ['s', v])]],
  ];
}

export async function writeSyntheticTrail(
  file,
  {
    records = 10_000,
    start = Date.parse('2026-11-28T00:00:00Z'),
    hours = 24,
    seed = 7,
    service = 'orders-api',
    signingKey,
  } = {},
) {
  const keyId = signingKey ? ed25519KeyId(createPublicKey(signingKey)) : undefined;
  const rng = generator(seed);
  const stream = `${rng.hex(32)}`;
  const users = Array.from({ length: 5000 }, () => rng.hex(32));
  const clients = Array.from({ length: 3000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const keys = [
    { fingerprint: rng.hex(32), kid: '2026-10-signing' },
    { fingerprint: rng.hex(32), kid: '2026-11-signing' },
  ];
  const replayed = rng.hex(32);
  const out = createWriteStream(file);
  let batch = [];
  let seq = 0;
  let chain = GENESIS;
  // About 1.95 records per step of traffic.
  const step = (hours * 3_600_000 * 1.95) / records;
  const flush = async () => {
    if (batch.length === 0) return;
    const line = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeLogs: [{ scope: { name: '@tokentrail/instrumentation-jwt' }, logRecords: batch }],
        },
      ],
    });
    batch = [];
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const emit = async (time, eventName, fields) => {
    seq += 1;
    const pairs = [
      ...Object.entries(fields).map(([key, value]) => attribute(key, value)),
      attribute('jwt.audit.stream', stream),
      attribute('jwt.audit.seq', seq),
    ];
    const timeUnixNano = `${Math.floor(time)}000000`;
    chain = nextChain(chain, canonicalRecord(timeUnixNano, null, sortEntries(pairs.map(([, entry]) => entry))));
    batch.push({
      timeUnixNano,
      observedTimeUnixNano: timeUnixNano,
      severityNumber: eventName === 'jwt.alert' ? 17 : 9,
      eventName,
      attributes: [...pairs.map(([otlp]) => otlp), { key: 'jwt.audit.chain', value: { stringValue: chain } }],
    });
    if (batch.length === 512) await flush();
  };
  const checkpoint = (time, reason) => {
    const head = seq === 0 ? '0'.repeat(64) : chain;
    const signature = signingKey
      ? {
          'jwt.audit.checkpoint.key_id': keyId,
          'jwt.audit.checkpoint.signature': sign(
            null,
            checkpointStatement(stream, seq, head, reason),
            signingKey,
          ).toString('base64url'),
        }
      : {};
    return emit(time, 'jwt.audit.checkpoint', {
      'jwt.audit.checkpoint.count': seq,
      'jwt.audit.checkpoint.head': head,
      'jwt.audit.checkpoint.reason': reason,
      ...signature,
    });
  };
  // A request that verified its token once: its jwt.request record carries that verify's attributes.
  const verified = (key) => ({
    'jwt.operation': 'verify',
    'jwt.library': 'jose',
    'jwt.key.fingerprint': key.fingerprint,
    'jwt.header.kid': key.kid,
  });
  let time = start;
  let lastCheckpoint = 0;
  // At most three records per step (two and a checkpoint); the last few are single sign records, so the trail has exactly `records`.
  while (seq < records - 4) {
    // Quiet at night, busy by day: the mean of this load over a day is about 0.56.
    const load = 0.35 + 0.65 * Math.max(0, Math.sin((((time - start) / 3_600_000 - 6) / 24) * Math.PI * 2));
    time += (step * (0.5 + rng.next()) * 0.56) / load;
    const hour = (time - start) / 3_600_000;
    const key = hour < hours / 2 || rng.next() < 0.04 ? keys[0] : keys[1];
    const user = users[Math.min(users.length - 1, Math.floor(users.length * rng.next() ** 2))];
    const client = clients[Math.min(clients.length - 1, Math.floor(clients.length * rng.next() ** 3))];
    const route = ROUTES[rng.int(ROUTES.length)];
    const fingerprint = rng.hex(32);
    const kind = rng.next();
    // Busier by day: the evening peak has more refusals.
    const refusal = 0.03 + 0.05 * Math.max(0, Math.sin((hour / 24) * Math.PI * 2 - 1.2));
    if (kind < 0.06) {
      await emit(time, 'jwt.sign', {
        'jwt.operation': 'sign',
        'jwt.library': 'jose',
        'enduser.pseudo.id': user,
        'jwt.token.fingerprint': fingerprint,
        'jwt.lifecycle': kind < 0.04 ? 'issued' : 'refreshed',
        'jwt.token.lifetime': 900,
        'jwt.key.fingerprint': key.fingerprint,
        'jwt.header.kid': key.kid,
        ...(kind < 0.04 ? {} : { 'jwt.token.previous_fingerprint': rng.hex(32) }),
      });
    } else if (kind < 0.06 + refusal) {
      const reason = rng.next() < 0.7 ? 'expired' : 'signature_invalid';
      await emit(time, 'jwt.request', {
        ...verified(key),
        'http.request.method': 'GET',
        'url.path': route,
        'http.route': route,
        'http.response.status_code': 401,
        'client.address': client,
        'jwt.validation.outcome': 'invalid',
        'jwt.validation.reason': reason,
        ...(reason === 'expired' ? { 'jwt.validation.claim': 'exp' } : {}),
        'jwt.authz.outcome': 'rejected',
        'jwt.token.fingerprint': fingerprint,
        'jwt.token.source': 'authorization',
      });
    } else if (kind < 0.995) {
      const admin = route === '/admin/users';
      const gap = admin && rng.next() < 0.05;
      await emit(time, 'jwt.request', {
        ...verified(key),
        'http.request.method': 'GET',
        'url.path': route,
        'http.route': route,
        'http.response.status_code': admin && !gap ? 403 : 200,
        'client.address': client,
        'jwt.validation.outcome': 'valid',
        'jwt.authz.outcome': admin && !gap ? 'denied' : 'allowed',
        'enduser.pseudo.id': user,
        'jwt.token.fingerprint': fingerprint,
        'jwt.token.source': 'authorization',
        ...(gap ? { 'jwt.findings': ['scope_insufficient'] } : {}),
      });
    } else if (kind < 0.998) {
      await emit(time, 'jwt.decode', {
        'jwt.operation': 'decode',
        'jwt.library': 'jose',
        'jwt.validation.outcome': 'unverified',
        'enduser.pseudo.id': user,
        'jwt.token.fingerprint': fingerprint,
      });
      await emit(time + 1, 'jwt.request', {
        'http.request.method': 'GET',
        'url.path': '/profile',
        'http.route': '/profile',
        'http.response.status_code': 200,
        'client.address': client,
        'jwt.validation.outcome': 'unverified',
        'jwt.authz.outcome': 'allowed',
        'enduser.pseudo.id': user,
        'jwt.token.fingerprint': fingerprint,
        'jwt.findings': ['unverified_bearer'],
      });
    } else if (kind < 0.9993) {
      await emit(time, 'jwt.alert', {
        'jwt.alert.name': 'token_replay_multi_ip',
        'jwt.alert.count': 6,
        'jwt.alert.threshold': 5,
        'jwt.alert.window': 300,
        'jwt.token.fingerprint': replayed,
        'enduser.pseudo.id': user,
      });
    } else {
      await emit(time, 'jwt.revoke', {
        'jwt.lifecycle': 'revoked',
        'jwt.token.fingerprint': fingerprint,
        'jwt.revocation.reason': rng.next() < 0.8 ? 'logout' : 'compromised',
        'jwt.revocation.actor': user,
      });
    }
    if (seq - lastCheckpoint >= 1000 && seq < records - 1) {
      await checkpoint(time + 2, 'interval');
      lastCheckpoint = seq;
    }
  }
  while (seq < records - 1) {
    time += step;
    await emit(time, 'jwt.sign', {
      'jwt.operation': 'sign',
      'jwt.library': 'jose',
      'enduser.pseudo.id': users[rng.int(users.length)],
      'jwt.token.fingerprint': rng.hex(32),
      'jwt.lifecycle': 'issued',
      'jwt.token.lifetime': 900,
      'jwt.key.fingerprint': keys[1].fingerprint,
      'jwt.header.kid': keys[1].kid,
    });
  }
  await checkpoint(time + 3, 'shutdown');
  await flush();
  out.end();
  await once(out, 'finish');
  return { records: seq, stream, start, end: time };
}
