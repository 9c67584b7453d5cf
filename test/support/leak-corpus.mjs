/**
 * Corpora for `tokentrail scan`: a mixed log with tokens planted at known places (JWS with HS256, RS256,
 * ES256, `none`, a header with whitespace, compact JWE), and look-alike strings that must never be reported.
 * Every token is minted at run time.
 */
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { EncryptJWT, SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A pool of distinct tokens of every shape the scanner must find. */
export async function mintTokens(count = 60) {
  const hs = new TextEncoder().encode('scan-corpus-hs256-secret-0123456789');
  const rs = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const claims = { sub: `user-${i}@example.com`, scope: 'orders:read', n: i };
    const exp = i % 2 ? '2h' : Math.floor(Date.now() / 1000) - 3600;
    const jwt = (alg) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuer(`https://idp-${i % 3}.example`)
        .setExpirationTime(exp);
    switch (i % 6) {
      case 0:
        tokens.push(await jwt('HS256').sign(hs));
        break;
      case 1:
        tokens.push(await jwt('RS256').sign(rs.privateKey));
        break;
      case 2:
        tokens.push(await jwt('ES256').sign(es.privateKey));
        break;
      case 3:
        tokens.push(new UnsecuredJWT(claims).setIssuer('https://none.example').encode());
        break;
      case 4: {
        // A header serialized with whitespace, as some libraries write it: `{\n  "alg": …`.
        const input = `${b64('{\n  "alg": "HS256"\n}')}.${b64(claims)}`;
        tokens.push(`${input}.${createHmac('sha256', hs).update(input).digest('base64url')}`);
        break;
      }
      default:
        tokens.push(
          await new EncryptJWT(claims)
            .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
            .encrypt(new Uint8Array(32).fill(i)),
        );
        break;
    }
  }
  return tokens;
}

/** Strings that look like tokens and are not: none may be reported. */
export function lookAlikes(tokens) {
  const [h, p, s] = tokens[0].split('.');
  const flipLast = (segment) =>
    segment.slice(0, -1) +
    (segment.at(-1) === 'A' ? 'B' : String.fromCharCode(segment.charCodeAt(segment.length - 1) ^ 1));
  const nonCanonical = (segment) => {
    // Same length, but bits set past the last byte (a non-canonical encoding no encoder produces).
    if (segment.length % 4 === 0) return null;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    return segment.slice(0, -1) + alphabet[alphabet.indexOf(segment.at(-1)) | 1];
  };
  return [
    h,
    `${h}.${p}`,
    `${h}.${p}.`,
    `${h}..${s}`,
    `${h}+x.${p}.${s}`,
    `${b64('hello world, not json')}.${p}.${s}`,
    `${b64([1, 2, 3])}.${p}.${s}`,
    `${b64({ typ: 'JWT' })}.${p}.${s}`,
    `${b64({ alg: 256 })}.${p}.${s}`,
    `${b64({ alg: '' })}.${p}.${s}`,
    `${h}.${b64('not json')}.${s}`,
    `${h}.${b64([1])}.${s}`,
    `${h}.${p}.${s}${'A'.repeat((5 - (s.length % 4)) % 4 || 4)}`, // a signature of impossible length (4n + 1)
    nonCanonical(h) && `${nonCanonical(h)}.${p}.${s}`,
    nonCanonical(p) && `${h}.${nonCanonical(p)}.${s}`,
    `${h}.${p}.${s}==`,
    `${h}.${p}.${s}+/`,
    `x${h}.${p}.${s}`,
    `_${h}.${p}.${s}`,
    `AAAA+${h}.${p}.${s}`,
    `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}.`,
    'eye.example.com',
    'eyebrow.v1.2',
    'ewok.jpg.bak',
    'eyes.are.blue',
    'ey.j.k',
    'eyJ.eyJ.eyJ',
    'eyJhbGciOi.eyJzdWIi.Zm9v',
    'e1.2.3',
    'eyJhbGciOiJIUzI1NiJ9',
    'sha256:eyJ0eXAiOi',
    '550e8400-e29b-41d4-a716-446655440000',
    '9f86d081884c7d659a2feaa0c55ad015',
    'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA',
    `data:image/png;base64,iVBORw0KGgo${h}+/${p}=`,
    `${flipLast(h)}.${p}`,
  ].filter((value) => value && !tokens.includes(value));
}

const TEMPLATES = [
  (t) => `Authorization: Bearer ${t}`,
  (t) => `{"ts":"2026-11-24T05:00:00.000Z","level":"info","msg":"auth ok","authorization":"Bearer ${t}","status":200}`,
  (t) => `Cookie: theme=dark; session=${t}; lang=en`,
  (t) => `GET /callback?id_token=${t}&state=af0ifjsldkj HTTP/1.1`,
  (t) => `        {"name": "authorization", "value": "Bearer ${t}"},`,
  (t) => `${t}`,
  (t) => `token refreshed: ${t}.`,
  (t) => `POST /reset/${t} 302`,
];
const FILLER = [
  '2026-11-24T05:00:00.123Z INFO  GET /orders 200 12ms user-agent="curl/8.5" request_id=4f1c2a9e',
  '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders-api"}}]}}]}',
  '2026-11-24T05:00:01.456Z WARN  slow query: SELECT * FROM orders WHERE id = $1 (842ms) eye.example.com',
  'at Module._compile (node:internal/modules/cjs/loader:1554:14) e1.2.3 v24.21.0',
  '    "sha": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "ref": "refs/heads/main",',
];

/**
 * Writes a mixed log of about `bytes` bytes to `file`: filler lines, look-alike lines and, every few lines,
 * a planted token. Returns where each token was planted (1-based line and column).
 */
export async function writeMixedLog(file, bytes, tokens, { every = 40 } = {}) {
  const out = createWriteStream(file);
  const alikes = lookAlikes(tokens);
  const planted = [];
  let written = 0;
  let line = 0;
  let batch = [];
  while (written < bytes) {
    line += 1;
    let text;
    if (line % every === 0) {
      const token = tokens[(line / every) % tokens.length];
      text = TEMPLATES[(line / every) % TEMPLATES.length](token);
      planted.push({ line, column: text.indexOf(token) + 1, token });
    } else if (line % 7 === 0) text = `look-alike: ${alikes[line % alikes.length]} (ok)`;
    else text = FILLER[line % FILLER.length];
    batch.push(text);
    written += text.length + 1;
    if (batch.length === 2000) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch = [];
    }
  }
  out.end(batch.length ? `${batch.join('\n')}\n` : '');
  await once(out, 'finish');
  return planted;
}
