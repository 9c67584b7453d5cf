/** Helpers for the findings, lifecycle, revocation and detector suites: tokens made at run time, and what one call exported. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 token with exactly this header and payload (for headers the libraries would not write themselves). */
export function hs256(header, payload, secret) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsecured token (`alg: none`, empty signature). */
export function unsecured(payload) {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/**
 * Runs one library call and returns the last jwt.<operation> span and log record it exported, its findings,
 * and the call's value or error. The span's and the record's findings must agree.
 */
export async function run(telemetry, fn, { operation } = {}) {
  telemetry.reset();
  let value;
  let error;
  try {
    value = await fn();
  } catch (e) {
    error = e;
  }
  const isOperation = (name) =>
    name?.startsWith('jwt.') &&
    name !== 'jwt.alert' &&
    name !== 'jwt.revoke' &&
    name !== 'jwt.request' &&
    (!operation || name === `jwt.${operation}`);
  const span = telemetry
    .spans()
    .filter((s) => isOperation(s.name))
    .at(-1);
  const logRecord = telemetry
    .logRecords()
    .filter((r) => isOperation(r.eventName))
    .at(-1);
  assert.ok(span, 'the call was recorded');
  const findings = span.attributes['jwt.findings'] ?? [];
  assert.deepEqual(logRecord?.attributes['jwt.findings'] ?? [], findings, "the log record carries the span's findings");
  const alerts = telemetry.logRecords().filter((r) => r.eventName === 'jwt.alert');
  return { value, error, span, logRecord, findings, alerts };
}

/** Sum of a counter's points whose attributes include `match`. */
export async function counterValue(telemetry, name, match) {
  const points = await telemetry.metricPoints(name);
  return points
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + p.value, 0);
}
