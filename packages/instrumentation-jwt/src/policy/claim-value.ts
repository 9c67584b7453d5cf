/**
 * A claim value of any JSON shape as text, with bounded work: the traversal keeps its own stack (never the
 * engine's, so a claim nested thousands of levels deep cannot overflow it), stops descending at
 * {@link MAX_CLAIM_DEPTH} levels and stops writing at the length its caller asked for. A token's claims are
 * attacker-controlled: the work spent on one is at most proportional to what is written.
 *
 * Two forms: the JSON exported for a kept claim (members in the token's order, cut at a length), and the
 * canonical form a pseudonym is computed over (members sorted by UTF-16 code units as RFC 8785 does, every
 * string escaped by `JSON.stringify`, which writes a lone surrogate as `\udXXX`: nothing is lost).
 */

/** Nesting levels written; a deeper array or object is written as {@link TOO_DEEP}. */
export const MAX_CLAIM_DEPTH = 32;
/** Stands for an array or object nested deeper than {@link MAX_CLAIM_DEPTH} levels. */
export const TOO_DEEP = '[too deep]';
/** Stands for a value whose canonical form is longer than {@link MAX_CANONICAL_LENGTH}. */
export const TOO_LARGE = '[too large]';
/** Longest canonical form pseudonymized: above any claims set a library parses (jose and tokentrail stop at 48 KiB). */
export const MAX_CANONICAL_LENGTH = 256 * 1024;

interface Frame {
  readonly value: Record<string, unknown> | readonly unknown[];
  /** The members still to write, for an object; undefined for an array. */
  readonly keys: readonly string[] | undefined;
  index: number;
}

export interface ClaimText {
  readonly text: string;
  /** An array or object deeper than {@link MAX_CLAIM_DEPTH} was written as {@link TOO_DEEP}. */
  readonly deep: boolean;
  /** Writing stopped at `maxLength`: `text` is a prefix. */
  readonly cut: boolean;
}

function scalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`; // not JSON, and not the number's text: only ever hashed or cut
    default:
      return 'null';
  }
}

/**
 * The JSON text of `value`, written iteratively. `canonical` sorts object members; otherwise they keep their
 * own order. Members whose value JSON would leave out (`undefined`, functions) are written as `null`.
 */
export function claimText(value: unknown, maxLength: number, canonical: boolean): ClaimText {
  let text = '';
  let deep = false;
  const stack: Frame[] = [];
  let pending = true;
  let next: unknown = value;
  for (;;) {
    if (text.length > maxLength) return { text, deep, cut: true };
    if (pending) {
      pending = false;
      if (next === null || typeof next !== 'object') {
        text += scalar(next);
      } else if (stack.length >= MAX_CLAIM_DEPTH) {
        text += JSON.stringify(TOO_DEEP);
        deep = true;
      } else if (Array.isArray(next)) {
        text += '[';
        stack.push({ value: next, keys: undefined, index: 0 });
      } else {
        const keys = Object.keys(next);
        text += '{';
        stack.push({ value: next as Record<string, unknown>, keys: canonical ? keys.sort() : keys, index: 0 });
      }
    }
    const frame = stack[stack.length - 1];
    if (frame === undefined) return { text, deep, cut: false };
    const { keys } = frame;
    const length = keys ? keys.length : (frame.value as readonly unknown[]).length;
    if (frame.index === length) {
      text += keys ? '}' : ']';
      stack.pop();
      continue;
    }
    if (frame.index > 0) text += ',';
    if (keys) {
      const key = keys[frame.index]!;
      text += `${JSON.stringify(key)}:`;
      next = (frame.value as Record<string, unknown>)[key];
    } else {
      next = (frame.value as readonly unknown[])[frame.index];
    }
    frame.index += 1;
    pending = true;
  }
}
