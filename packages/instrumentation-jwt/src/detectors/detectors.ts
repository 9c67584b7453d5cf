/**
 * Misuse detectors, per process, over exact sliding windows with bounded memory. Each detector keeps its
 * state in an LRU cache (`lru-cache`) of at most `maxKeys` keys; at the cap the least recently seen key is
 * forgotten, so a key that comes back starts from zero: the cap can delay or miss an alert, never invent one.
 * A detector that fired for a key stays quiet for that key until its window has passed (one alert per
 * episode). Nothing here knows OpenTelemetry or a JWT library.
 */
import { LRUCache } from 'lru-cache';
import { countDistinct, countEvent, hash32 } from './sliding-window';
import type { DetectorName } from './vocabulary';

export interface DetectorThreshold {
  /** Fires when the evidence count exceeds this. */
  readonly threshold: number;
  readonly windowMs: number;
}

/** One detector firing: the evidence, keyed by what it is about (a fingerprint, an address or a subject). */
export interface Firing {
  readonly name: DetectorName;
  readonly count: number;
  readonly threshold: number;
  readonly windowMs: number;
}

interface TokenState {
  readonly uses: number[];
  readonly addresses: number[];
  readonly seen: number[];
}

export class Detectors {
  private readonly tokens: LRUCache<string, TokenState>;
  private readonly failures: LRUCache<string, number[]>;
  private readonly issuances: LRUCache<string, number[]>;
  private readonly revokedUses: LRUCache<string, number[]>;
  /** `<detector>|<key>` → when it last fired. */
  private readonly fired: LRUCache<string, number>;

  constructor(
    private readonly thresholds: Readonly<Record<DetectorName, DetectorThreshold>>,
    maxKeys: number,
  ) {
    this.tokens = new LRUCache({ max: maxKeys });
    this.failures = new LRUCache({ max: maxKeys });
    this.issuances = new LRUCache({ max: maxKeys });
    this.revokedUses = new LRUCache({ max: maxKeys });
    this.fired = new LRUCache({ max: maxKeys });
  }

  private fire(name: DetectorName, key: string, count: number, now: number, out: Firing[]): void {
    const { threshold, windowMs } = this.thresholds[name];
    if (count <= threshold) return;
    const tag = `${name}|${key}`;
    const last = this.fired.get(tag);
    if (last !== undefined && now - last < windowMs) return;
    this.fired.set(tag, now);
    out.push({ name, count, threshold, windowMs });
  }

  /**
   * Counts one event for `key`. A new key's array is made as a one-element literal: an array grown from
   * empty by push reserves room for 17 numbers, which at the key cap would multiply the retained memory.
   */
  private count(cache: LRUCache<string, number[]>, name: DetectorName, key: string, now: number, out: Firing[]): void {
    const { windowMs, threshold } = this.thresholds[name];
    const times = cache.get(key);
    if (!times) {
      cache.set(key, [now]);
      this.fire(name, key, 1, now, out);
    } else {
      this.fire(name, key, countEvent(times, now, windowMs, threshold + 1), now, out);
    }
  }

  /** A token was presented (from `address`, when known): `token_hammering`, `token_replay_multi_ip`. */
  tokenUsed(fingerprint: string, address: string | undefined, now: number): Firing[] {
    const out: Firing[] = [];
    const state = this.tokens.get(fingerprint);
    if (!state) {
      // One-element literals, as in count(); an empty literal reserves nothing.
      const hashed = address === undefined ? [] : [hash32(address)];
      this.tokens.set(fingerprint, { uses: [now], addresses: hashed, seen: address === undefined ? [] : [now] });
      this.fire('token_hammering', fingerprint, 1, now, out);
      if (address !== undefined) this.fire('token_replay_multi_ip', fingerprint, 1, now, out);
      return out;
    }
    const hammering = this.thresholds.token_hammering;
    this.fire(
      'token_hammering',
      fingerprint,
      countEvent(state.uses, now, hammering.windowMs, hammering.threshold + 1),
      now,
      out,
    );
    if (address !== undefined) {
      const replay = this.thresholds.token_replay_multi_ip;
      const distinct = countDistinct(
        state.addresses,
        state.seen,
        hash32(address),
        now,
        replay.windowMs,
        replay.threshold + 1,
      );
      this.fire('token_replay_multi_ip', fingerprint, distinct, now, out);
    }
    return out;
  }

  /** An invalid token came from `address`: `failure_burst`. */
  failure(address: string, now: number): Firing[] {
    const out: Firing[] = [];
    this.count(this.failures, 'failure_burst', address, now, out);
    return out;
  }

  /** A token was issued for `subject` (a pseudonym): `reissue_storm`. */
  issued(subject: string, now: number): Firing[] {
    const out: Firing[] = [];
    this.count(this.issuances, 'reissue_storm', subject, now, out);
    return out;
  }

  /** A revoked token was accepted: `revoked_token_used`. */
  revokedUsed(fingerprint: string, now: number): Firing[] {
    const out: Firing[] = [];
    this.count(this.revokedUses, 'revoked_token_used', fingerprint, now, out);
    return out;
  }
}
