/**
 * Fails a test when exported telemetry contains a registered secret: a token, any of its segments, a key,
 * or the raw value of a claim that must not leave the process. Reports where the secret was found.
 */
import assert from 'node:assert/strict';

export class LeakScanner {
  #secrets = new Map();

  /** Registers a secret under a label; values shorter than 6 characters are refused (they match by chance). */
  register(value, label) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    assert.ok(text.length >= 6, `secret "${label}" is too short to scan for`);
    this.#secrets.set(text, label);
  }

  /** A compact token and each of its non-empty segments. */
  registerToken(token, label = 'token') {
    this.register(token, label);
    token.split('.').forEach((segment, index) => {
      if (segment.length >= 6) this.register(segment, `${label} segment ${index}`);
    });
  }

  get size() {
    return this.#secrets.size;
  }

  /** Every exported string, labelled with where it was found. */
  static *exportedStrings({ spans = [], logRecords = [], metricPoints = [] }) {
    function* walk(value, where) {
      if (typeof value === 'string') yield [value, where];
      else if (typeof value === 'number' || typeof value === 'boolean' || value == null) return;
      else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${where}[${i}]`);
      else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) {
        yield [k, `${where} (key)`];
        yield* walk(v, `${where}.${k}`);
      }
    }
    for (const span of spans) {
      const at = `span ${span.name}`;
      yield [span.name, at];
      yield* walk(span.attributes, `${at} attributes`);
      yield* walk(span.status, `${at} status`);
      yield* walk(span.events?.map((e) => ({ name: e.name, attributes: e.attributes })), `${at} events`);
      yield* walk(span.links?.map((l) => l.attributes), `${at} links`);
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
    for (const point of metricPoints) yield* walk(point.attributes, 'metric point attributes');
  }

  /** The first leak in `exported`, as "label found in where", or undefined. */
  findLeak(exported) {
    for (const [text, where] of LeakScanner.exportedStrings(exported)) {
      for (const [secret, label] of this.#secrets) if (text.includes(secret)) return `${label} found in ${where}`;
    }
    return undefined;
  }

  /** Asserts that no exported string contains any registered secret. */
  assertClean(exported) {
    assert.ok(this.#secrets.size > 0, 'no secrets registered: the scan would prove nothing');
    let scanned = 0;
    for (const [text, where] of LeakScanner.exportedStrings(exported)) {
      scanned += 1;
      for (const [secret, label] of this.#secrets) {
        if (text.includes(secret)) assert.fail(`leak: ${label} found in ${where}`);
      }
    }
    assert.ok(scanned > 0, 'nothing was exported: the scan would prove nothing');
    return scanned;
  }
}
