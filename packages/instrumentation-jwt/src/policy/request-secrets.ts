/**
 * What must never leave in the telemetry of one request: every credential it carried (as sent and as
 * decoded), every JWT written anywhere in its target or headers, and every token verified, decoded or signed
 * while it ran, each whole and segment by segment. {@link scrubText} replaces them in any text, including a
 * text that wrote some of their characters percent-encoded.
 */
import type { Credential } from '../events/request-event';

export const REDACTED = 'REDACTED';
/** Values shorter than this are not scrubbed by value (they would match unrelated text). */
const MIN_SCRUBBED_LENGTH = 8;
/** Characters that stay the same when URL-encoded: a value made only of these has no other written form. */
const URL_SAFE = /^[A-Za-z0-9._~-]*$/;
/** Request headers whose every value is a credential: captured on a request that carried one, they are replaced whole. */
const ALWAYS_WHOLE = ['authorization', 'proxy-authorization', 'cookie'];
/** Tokens kept per request: a request making more is scrubbed of the first ones. */
const MAX_TOKENS = 64;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** The secret forms, longest first, and the beginning of each (to find one cut short). */
export interface SecretForms {
  readonly forms: readonly string[];
  readonly heads: readonly string[];
}

/**
 * Kept in arrays, not sets: a set hashes every character of a value it is asked about (about 1 µs a kilobyte),
 * and an attacker's bearer token is 14 KB; an array compares lengths first, and holds a few values per token.
 */
export class RequestSecrets {
  private readonly values: string[] = [];
  private readonly tokens: string[] = [];
  private sorted: SecretForms | undefined;
  constructor(
    credentials: readonly Credential[],
    embedded: Iterable<string>,
    private readonly headerNames: readonly string[],
  ) {
    for (const { value, token, sent } of credentials) {
      if (token !== undefined) this.addToken(token);
      else if (URL_SAFE.test(value)) this.addValue(value);
      else
        for (const form of [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)])
          this.addValue(form);
      if (sent !== undefined) this.addValue(sent);
    }
    for (const token of embedded) this.addToken(token);
  }

  /** Whether a captured request header (lower-case name) is a credential header, replaced whole. */
  isWholeHeader(name: string): boolean {
    return ALWAYS_WHOLE.includes(name) || this.headerNames.includes(name);
  }

  private addValue(form: string): void {
    if (form.length >= MIN_SCRUBBED_LENGTH && !this.values.includes(form)) {
      this.values.push(form);
      this.sorted = undefined;
    }
  }

  /** A token seen by the request: it and each of its segments. */
  addToken(token: string): void {
    if (this.tokens.length >= MAX_TOKENS || this.tokens.includes(token)) return;
    this.tokens.push(token);
    this.addValue(token);
    for (const segment of token.split('.')) this.addValue(segment);
  }

  /** Every secret form, longest first (a token before its segments); made once until a token is added. */
  forms(): SecretForms {
    if (this.sorted === undefined) {
      const forms = this.values.toSorted((a, b) => b.length - a.length);
      this.sorted = { forms, heads: forms.map((form) => form.slice(0, MIN_SCRUBBED_LENGTH)) };
    }
    return this.sorted;
  }
}

/** `text` with every one of `forms` (longest first) replaced by `REDACTED`. */
export function replaceAll(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * Replaces what a percent-encoded text hides: the text is read with its `%XX` escapes decoded, each match is
 * mapped back to the written characters, and those are replaced.
 */
function replaceEscaped(text: string, forms: readonly string[]): string {
  let decoded = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    origin.push(i);
    const code = text[i] === '%' && i + 2 < text.length ? parseInt(text.slice(i + 1, i + 3), 16) : NaN;
    if (code >= 0 && code < 0x80 && HEX_PAIR.test(text.slice(i + 1, i + 3))) {
      decoded += String.fromCharCode(code);
      i += 3;
    } else {
      decoded += text[i];
      i += 1;
    }
  }
  origin.push(text.length);
  const ranges: Array<[number, number]> = [];
  for (const form of forms) {
    for (let at = decoded.indexOf(form); at >= 0; at = decoded.indexOf(form, at + form.length))
      ranges.push([origin[at]!, origin[at + form.length]!]);
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  for (const [start, end] of ranges) {
    if (end <= from) continue;
    out += text.slice(from, Math.max(start, from)) + (start >= from ? REDACTED : '');
    from = end;
  }
  return out + text.slice(from);
}

/** A text cut short (a length limit) inside a secret ends with the secret's beginning: that end is replaced too. */
function replaceCutTail(text: string, { forms, heads }: SecretForms): string {
  for (let i = 0; i < forms.length; i += 1) {
    const at = text.lastIndexOf(heads[i]!);
    if (at >= 0 && forms[i]!.startsWith(text.slice(at))) return text.slice(0, at) + REDACTED;
  }
  return text;
}

/**
 * `text` with every secret form replaced by `REDACTED`, however much of it was percent-encoded, and with a
 * secret's beginning replaced where the text was cut short inside it.
 */
export function scrubText(text: string, secrets: SecretForms): string {
  if (text.length < MIN_SCRUBBED_LENGTH) return text;
  // Escaped first: a secret partly escaped is then replaced whole rather than segment by segment.
  const unescaped = text.includes('%') ? replaceEscaped(text, secrets.forms) : text;
  return replaceCutTail(replaceAll(unescaped, secrets.forms), secrets);
}

/** A string, or the strings of an array, scrubbed; undefined when nothing in it changed. */
export function scrubValue<T>(value: T, forms: SecretForms): T | undefined {
  if (typeof value === 'string') {
    const clean = scrubText(value, forms);
    return clean === value ? undefined : (clean as T);
  }
  if (!Array.isArray(value)) return undefined;
  let changed = false;
  const clean = value.map((item: unknown) => {
    if (typeof item !== 'string') return item;
    const text = scrubText(item, forms);
    changed ||= text !== item;
    return text;
  });
  return changed ? (clean as T) : undefined;
}

/** The attributes with every string (and string in an array) scrubbed; the same object when nothing changed. */
export function scrubbedAttributes<T extends Record<string, unknown>>(attributes: T, forms: SecretForms): T {
  let out: T | undefined;
  for (const key in attributes) {
    const clean = scrubValue(attributes[key], forms);
    if (clean !== undefined) {
      out ??= { ...attributes };
      out[key] = clean;
    }
  }
  return out ?? attributes;
}
