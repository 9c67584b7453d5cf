/**
 * What the instrumentation holds, at the moment a diagnostic is written, that must never reach `diag`: the
 * current request's credentials (as sent and decoded), and the token, key and unexported claims of the
 * operation being recorded (a user hook runs while it is). The redacting diagnostic logger removes each of
 * these by value before it redacts by shape, so a hook's error quoting an e-mail, a `sub` or a name is caught
 * as surely as one quoting the token.
 *
 * The operation is held by reference while its record is made (a module variable set and restored around
 * the synchronous steps, no allocation); the values are read from it only when a diagnostic is written.
 */
import type { JsonObject, OperationResult } from '../events/audit-event';
import type { ClaimAction } from '../policy/claim-policy';
import { currentRequest } from './request-recording';

/** An operation whose values are held: what the library call gave, and which claims leave the process raw. */
export interface HeldOperation {
  readonly heldResult: OperationResult | undefined;
  readonly claimActions: ReadonlyMap<string, ClaimAction>;
}

let held: HeldOperation | undefined;

/** Holds `operation` until the returned previous one is held again (`hold(previous)`), in a `finally`. */
export function hold(operation: HeldOperation | undefined): HeldOperation | undefined {
  const previous = held;
  held = operation;
  return previous;
}

/** Shorter credentials are not removed by value (they would match unrelated text); shape redaction still runs. */
const MIN_CREDENTIAL_LENGTH = 8;
/** Shorter claim values are not removed by value: a `sub` of `42` would take every 42 out of a stack trace. */
const MIN_CLAIM_LENGTH = 4;
/** The claim values read: a bounded walk, since a token's claims are attacker-controlled. */
const MAX_CLAIM_VALUES = 64;
const MAX_CLAIM_DEPTH = 8;

function addCredential(values: Set<string>, value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_CREDENTIAL_LENGTH) values.add(value);
}

/** The string and number leaves of the claims not kept raw, breadth-first and bounded. */
function addClaims(values: Set<string>, claims: JsonObject, actions: ReadonlyMap<string, ClaimAction>): void {
  const queue: Array<[unknown, number]> = [];
  for (const name of Object.keys(claims)) if (actions.get(name) !== 'keep') queue.push([claims[name], 0]);
  let read = 0;
  for (let i = 0; i < queue.length && read < MAX_CLAIM_VALUES; i += 1) {
    const [value, depth] = queue[i]!;
    read += 1;
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      if (text.length >= MIN_CLAIM_LENGTH) values.add(text);
    } else if (value !== null && typeof value === 'object' && depth < MAX_CLAIM_DEPTH) {
      for (const member of Array.isArray(value) ? value : Object.values(value)) queue.push([member, depth + 1]);
    }
  }
}

function addKey(values: Set<string>, key: unknown): void {
  if (typeof key === 'string') addCredential(values, key);
  else if (key instanceof Uint8Array) {
    const bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    for (const encoding of ['utf8', 'latin1', 'hex', 'base64', 'base64url'] as const) addCredential(values, bytes.toString(encoding));
  }
}

/** Every value held now, longest first (so a token goes before the segments it contains). */
export function heldSecrets(): string[] {
  const values = new Set<string>();
  for (const credential of currentRequest()?.credentials ?? []) {
    addCredential(values, credential.token);
    addCredential(values, credential.value);
    addCredential(values, credential.sent);
  }
  const result = held?.heldResult;
  if (result) {
    if (result.token !== undefined) {
      addCredential(values, result.token);
      for (const segment of result.token.split('.', 5)) addCredential(values, segment);
    }
    if (result.claims) addClaims(values, result.claims, held!.claimActions);
    addKey(values, result.key);
  }
  return [...values].sort((a, b) => b.length - a.length);
}
