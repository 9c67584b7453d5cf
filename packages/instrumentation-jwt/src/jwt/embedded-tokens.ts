/**
 * Finding compact JWTs written inside other text: a URL path (`/reset/<T>`, `/x/prefix<T>suffix`, `;jwt=<T>`),
 * a query parameter of any name, a fragment, any header value. A candidate is any run of base64url characters
 * and dots; a JWT starts where a segment's rest decodes to a JSON object naming `alg` (its base64url begins
 * `ey`, or `ew` when the JSON starts with a newline or tab), followed by two more segments (four for a JWE).
 * Percent-encoded text is also read decoded (`%65yJ…`). Every input is attacker-controlled: the work per text
 * is bounded (header decodes tried, tokens kept).
 */
import { readSegment } from './compact';

/** Shortest run worth reading: a header naming `alg` alone is longer. */
const MIN_RUN = 16;
const RUN = /[\w.-]{16,}/g;
/** Header decodes tried per text, and tokens kept per text: an attacker's text costs no more. */
const MAX_ATTEMPTS = 32;
const MAX_TOKENS = 8;
const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;

/** Text with its ASCII `%XX` escapes decoded (a JWT is ASCII; other escapes are left as they are). */
function decodeAsciiEscapes(text: string): string {
  return text.replace(ASCII_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function mayHold(text: string): boolean {
  return text.length >= MIN_RUN && (text.includes('ey') || text.includes('ew'));
}

/**
 * Whether decoding could reveal a JWT: written raw it starts `ey`/`ew` (its dots may be escaped); otherwise one
 * of those letters is escaped. A `%25`-heavy query is then not decoded.
 */
function mayHide(text: string, raw: boolean): boolean {
  return text.includes('%') && (raw || escapes(text, '65') || escapes(text, '79') || escapes(text, '77'));
}

/** Whether `text` holds `%<hex>`. The digits are searched first: a `%`-heavy text makes a search for `%…` slow. */
function escapes(text: string, hex: string): boolean {
  return text.includes(hex) && text.includes(`%${hex}`);
}

function scan(text: string, found: Set<string>, budget: { attempts: number }): void {
  RUN.lastIndex = 0;
  for (
    let match = RUN.exec(text);
    match !== null && budget.attempts > 0 && found.size < MAX_TOKENS;
    match = RUN.exec(text)
  ) {
    const segments = match[0].split('.');
    for (let i = 0; i + 2 < segments.length && budget.attempts > 0; i += 1) {
      const segment = segments[i]!;
      for (let at = segment.indexOf('e'); at >= 0 && at < segment.length - 1; at = segment.indexOf('e', at + 1)) {
        const next = segment[at + 1];
        if (next !== 'y' && next !== 'w') continue;
        budget.attempts -= 1;
        const header = readSegment(segment.slice(at));
        if (typeof header?.alg === 'string') {
          const count = typeof header.enc === 'string' && i + 4 < segments.length ? 5 : 3;
          found.add([segment.slice(at), ...segments.slice(i + 1, i + count)].join('.'));
          i += count - 1;
          break;
        }
        if (budget.attempts <= 0) break;
      }
    }
  }
}

/** Adds to `found` every compact JWT written in `text`, as written there or percent-decoded. */
export function collectEmbeddedTokens(text: string, found: Set<string>): void {
  const raw = mayHold(text);
  const hidden = mayHide(text, raw);
  if (!raw && !hidden) return;
  const budget = { attempts: MAX_ATTEMPTS };
  if (raw) scan(text, found, budget);
  if (hidden) {
    const decoded = decodeAsciiEscapes(text);
    if (decoded !== text && mayHold(decoded)) scan(decoded, found, budget);
  }
}

/** Whether `text` holds a compact JWT, as written or percent-decoded. */
export function holdsToken(text: string): boolean {
  const found = new Set<string>();
  collectEmbeddedTokens(text, found);
  return found.size > 0;
}
