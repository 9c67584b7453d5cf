/**
 * Finds compact JWTs in a stream of bytes with constant memory: the input is read in chunks as latin1 (one
 * character per byte, so a token is never split inside a character), candidates are found with a pattern
 * that anchors on a JSON header (`ey…`/`ew…`) and confirmed by {@link tokenShape}; a run of token
 * characters at the end of a chunk is carried into the next one (up to {@link MAX_CARRY}).
 */
import type { Readable } from 'node:stream';
import { tokenShape, type TokenShape } from './token-shape';

export type { TokenShape } from './token-shape';

/** Longest run of token characters carried between chunks; a longer token (over 256 KiB) is not reported. */
export const MAX_CARRY = 256 * 1024;

/**
 * A base64url run starting like `{"`, `{ ` or `{\n` encoded, then two to four more dot-separated runs; not
 * inside a longer run, and not next to standard-base64 characters (`+`, `/` after, `=` after: padded or
 * standard base64 is not a compact token).
 */
const CANDIDATE = /(?<![A-Za-z0-9_.+-])e[wy][A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}(?![A-Za-z0-9_+/=-])/g;
const TOKEN_CHAR = /[A-Za-z0-9_.-]/;

export interface FoundToken {
  readonly token: string;
  readonly shape: TokenShape;
  /** 1-based line and column (in bytes) of the token's first character. */
  readonly line: number;
  readonly column: number;
}

export async function* findTokens(input: Readable): AsyncGenerator<FoundToken> {
  let midRun = false;
  let line = 1;
  let lineStart = 0; // offset of the current line's start, relative to the processed text
  let consumed = 0; // characters of earlier texts already processed
  let pending = '';
  const flush = function* (text: string, final: boolean): Generator<FoundToken> {
    let end = text.length;
    if (!final) {
      while (end > 0 && end > text.length - MAX_CARRY && TOKEN_CHAR.test(text[end - 1]!)) end -= 1;
    }
    const prefix = midRun ? 'A' : '';
    const body = prefix + text.slice(0, end);
    CANDIDATE.lastIndex = 0;
    let scanned = 0;
    for (let match = CANDIDATE.exec(body); match; match = CANDIDATE.exec(body)) {
      const at = match.index - prefix.length;
      for (let nl = text.indexOf('\n', scanned); nl !== -1 && nl < at; nl = text.indexOf('\n', nl + 1)) {
        line += 1;
        lineStart = consumed + nl + 1;
        scanned = nl + 1;
      }
      scanned = Math.max(scanned, at);
      const shape = tokenShape(match[0]);
      if (shape) yield { token: match[0].slice(0, shape.length), shape, line, column: consumed + at - lineStart + 1 };
    }
    for (let nl = text.indexOf('\n', scanned); nl !== -1 && nl < end; nl = text.indexOf('\n', nl + 1)) {
      line += 1;
      lineStart = consumed + nl + 1;
    }
    midRun = end > 0 && end === text.length - MAX_CARRY && TOKEN_CHAR.test(text[end - 1]!);
    pending = text.slice(end);
    consumed += end;
  };
  input.setEncoding('latin1');
  for await (const chunk of input) {
    yield* flush(pending + (chunk as string), false);
  }
  yield* flush(pending, true);
}
