/**
 * What the instrumentation holds, at the moment a diagnostic is written, that must never reach `diag`: the
 * current request's credentials (as sent and decoded), and the token, key and unexported claims of the
 * operation being recorded (a user hook runs while it is). The redacting diagnostic logger removes each of
 * these by value before it redacts by shape, so a hook's error quoting an e-mail, a `sub` or a name is caught
 * as surely as one quoting the token.
 *
 * The operation is held by reference while its record is made (a field of the pipeline's {@link HeldSecrets},
 * set and restored around the synchronous steps, no allocation); the values are read from it only when a
 * diagnostic is written.
 */
import type { JsonObject, OperationResult } from '../events/audit-event';
import type { ClaimAction } from '../policy/claim-policy';
import type { Credential } from '../events/request-event';

/** An operation whose values are held: what the library call gave, and which claims leave the process raw. */
export interface HeldOperation {
  readonly heldResult: OperationResult | undefined;
  readonly claimActions: ReadonlyMap<string, ClaimAction>;
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
    for (const encoding of ['utf8', 'latin1', 'hex', 'base64', 'base64url'] as const)
      addCredential(values, bytes.toString(encoding));
  }
}

/** The operation one pipeline is recording at the moment, if any. */
export class HeldSecrets {
  private held: HeldOperation | undefined;

  /** Holds `operation` until the returned previous one is held again (`hold(previous)`), in a `finally`. */
  hold(operation: HeldOperation | undefined): HeldOperation | undefined {
    const previous = this.held;
    this.held = operation;
    return previous;
  }

  /** Every value held now, with the current request's credentials, longest first (so a token goes before its segments). */
  values(credentials: readonly Credential[] | undefined): string[] {
    const values = new Set<string>();
    for (const credential of credentials ?? []) {
      addCredential(values, credential.token);
      addCredential(values, credential.value);
      addCredential(values, credential.sent);
    }
    const held = this.held;
    const result = held?.heldResult;
    if (held && result) {
      if (result.token !== undefined) {
        addCredential(values, result.token);
        for (const segment of result.token.split('.', 5)) addCredential(values, segment);
      }
      if (result.claims) addClaims(values, result.claims, held.claimActions);
      addKey(values, result.key);
    }
    return [...values].sort((a, b) => b.length - a.length);
  }
}
