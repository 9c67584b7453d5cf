/**
 * Fails a test when exported telemetry contains a registered secret: a token, any of its segments, a key (in
 * every encoding a leak would use), or the raw value of a claim that must not leave the process. Every
 * exported string is read as written and, when it holds `%XX` escapes, decoded too (a token in a URL may be
 * partly percent-encoded). Spans (name, attributes, status, events, links, resource), log records and metrics
 * (names, descriptions, units, data point attributes) are scanned. Reports where the secret was found.
 */
import assert from 'node:assert/strict';

const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;

/** A string as written and, if it has ASCII `%XX` escapes, decoded. */
function readings(text) {
  if (!text.includes('%')) return [text];
  const decoded = text.replace(ASCII_ESCAPE, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return decoded === text ? [text] : [text, decoded];
}

/** Secrets are indexed by their first characters, so a scan costs one lookup per character, however many secrets. */
const PREFIX = 6;

export class LeakScanner {
  #secrets = new Map();
  #byPrefix = new Map();

  /** Registers a secret under a label; values shorter than 6 characters are refused (they match by chance). */
  register(value, label) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    assert.ok(text.length >= PREFIX, `secret "${label}" is too short to scan for`);
    if (this.#secrets.has(text)) return;
    this.#secrets.set(text, label);
    const prefix = text.slice(0, PREFIX);
    const list = this.#byPrefix.get(prefix);
    if (list) list.push(text);
    else this.#byPrefix.set(prefix, [text]);
  }

  /** The first registered secret `text` contains, if any. */
  #secretIn(text) {
    for (let i = 0; i + PREFIX <= text.length; i += 1) {
      const candidates = this.#byPrefix.get(text.slice(i, i + PREFIX));
      if (candidates) for (const secret of candidates) if (text.startsWith(secret, i)) return secret;
    }
    return undefined;
  }

  /** A compact token and each of its segments long enough to scan for (a token too short to scan is skipped). */
  registerToken(token, label = 'token') {
    if (token.length >= PREFIX) this.register(token, label);
    token.split('.').forEach((segment, index) => {
      if (segment.length >= 6) this.register(segment, `${label} segment ${index}`);
    });
  }

  /**
   * Binary key material, in each encoding a leak would use: hex (both cases), base64, base64url, and the bytes
   * as text when they are printable.
   */
  registerKey(bytes, label = 'key') {
    const buffer = Buffer.from(bytes);
    const hex = buffer.toString('hex');
    this.register(hex, `${label} (hex)`);
    this.register(hex.toUpperCase(), `${label} (HEX)`);
    // base64 without padding: a leak may be cut anywhere after the encoded bytes.
    this.register(buffer.toString('base64').replace(/=+$/, ''), `${label} (base64)`);
    this.register(buffer.toString('base64url'), `${label} (base64url)`);
    const text = buffer.toString('utf8');
    if (/^[\x20-\x7e]{6,}$/.test(text)) this.register(text, `${label} (text)`);
  }

  get size() {
    return this.#secrets.size;
  }

  /** Every exported string, labelled with where it was found. */
  static *exportedStrings({ spans = [], logRecords = [], metricPoints = [], metrics = [], resources = [] }) {
    function* walk(value, where) {
      if (typeof value === 'string') yield [value, where];
      else if (typeof value === 'number' || typeof value === 'boolean' || value == null) return;
      else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${where}[${i}]`);
      else if (typeof value === 'object')
        for (const [k, v] of Object.entries(value)) {
          yield [k, `${where} (key)`];
          yield* walk(v, `${where}.${k}`);
        }
    }
    for (const span of spans) {
      const at = `span ${span.name}`;
      yield [span.name, at];
      yield* walk(span.attributes, `${at} attributes`);
      yield* walk(span.status, `${at} status`);
      yield* walk(
        span.events?.map((e) => ({ name: e.name, attributes: e.attributes })),
        `${at} events`,
      );
      yield* walk(
        span.links?.map((l) => l.attributes),
        `${at} links`,
      );
      yield* walk(span.resource?.attributes, `${at} resource`);
    }
    for (const record of logRecords) {
      const at = `log record ${record.eventName ?? ''}`;
      yield* walk(record.eventName, at);
      yield* walk(record.body, `${at} body`);
      yield* walk(record.severityText, `${at} severity`);
      yield* walk(record.attributes, `${at} attributes`);
      yield* walk(record.resource?.attributes, `${at} resource`);
    }
    for (const point of metricPoints) {
      yield* walk(point.name, 'metric point name');
      yield* walk(point.attributes, `metric point ${point.name ?? ''} attributes`);
      yield* walk(point.resource, `metric point ${point.name ?? ''} resource`);
    }
    for (const metric of metrics) {
      const at = `metric ${metric.name}`;
      yield* walk([metric.name, metric.description, metric.unit], at);
      for (const point of metric.dataPoints ?? []) yield* walk(point.attributes, `${at} point attributes`);
    }
    for (const resource of resources) yield* walk(resource, 'resource');
  }

  /** Up to `max` leaks in `exported`, each as "label found in where". */
  findLeaks(exported, max = Infinity) {
    const found = [];
    for (const [text, where] of LeakScanner.exportedStrings(exported)) {
      for (const reading of readings(text)) {
        const secret = this.#secretIn(reading);
        if (secret === undefined) continue;
        found.push(`${this.#secrets.get(secret)} found in ${where}${reading === text ? '' : ' (percent-encoded)'}`);
        if (found.length >= max) return found;
        break;
      }
    }
    return found;
  }

  /** The first leak in `exported`, as "label found in where", or undefined. */
  findLeak(exported) {
    return this.findLeaks(exported, 1)[0];
  }

  /** How many strings `exported` holds (a scan of none proves nothing). */
  scannedCount(exported) {
    let count = 0;
    for (const _ of LeakScanner.exportedStrings(exported)) count += 1;
    return count;
  }

  /** Asserts that no exported string contains any registered secret. */
  assertClean(exported) {
    assert.ok(this.#secrets.size > 0, 'no secrets registered: the scan would prove nothing');
    const scanned = this.scannedCount(exported);
    assert.ok(scanned > 0, 'nothing was exported: the scan would prove nothing');
    const leak = this.findLeak(exported);
    if (leak) assert.fail(`leak: ${leak}`);
    return scanned;
  }
}
