/**
 * Sessions across refreshes (Q12): each `jwt.sign` with `jwt.lifecycle` `refreshed` links its token to the one
 * that authenticated the refresh (`jwt.token.previous_fingerprint`); linked tokens form one session
 * (union–find). At most {@link MAX_TOKENS} tokens are followed; past that, `complete` is false.
 */
import type { AuditFields } from './audit-fields';
import type { Questions } from './report-model';
import { safeText } from './safe-text';
import { isoTime, rounded, TOP_ROWS } from './tally-rows';

export const MAX_TOKENS = 200_000;

interface Session {
  tokens: number;
  user: string | null;
  first: string;
  last: string;
  lastTime: number;
  firstRefreshed: number;
  lastRefreshed: number;
}

export class SessionChains {
  readonly #parent = new Map<string, string>();
  /** Only roots have a session. */
  readonly #sessions = new Map<string, Session>();
  #refreshes = 0;
  #complete = true;

  #root(fingerprint: string): string {
    let node = fingerprint;
    for (
      let parent = this.#parent.get(node);
      parent !== undefined && parent !== node;
      parent = this.#parent.get(node)
    ) {
      const grand = this.#parent.get(parent);
      if (grand !== undefined) this.#parent.set(node, grand);
      node = parent;
    }
    return node;
  }

  #node(fingerprint: string, time: number): string {
    if (this.#parent.has(fingerprint)) return this.#root(fingerprint);
    this.#parent.set(fingerprint, fingerprint);
    this.#sessions.set(fingerprint, {
      tokens: 1,
      user: null,
      first: fingerprint,
      last: fingerprint,
      lastTime: time,
      firstRefreshed: Infinity,
      lastRefreshed: -Infinity,
    });
    return fingerprint;
  }

  add(fields: AuditFields): void {
    if (fields.lifecycle !== 'refreshed' || fields.fingerprint === undefined) return;
    this.#refreshes += fields.weight;
    if (fields.previousFingerprint === undefined) return;
    if (
      this.#parent.size >= MAX_TOKENS &&
      !(this.#parent.has(fields.previousFingerprint) && this.#parent.has(fields.fingerprint))
    ) {
      this.#complete = false;
      return;
    }
    const time = fields.timeMs;
    const older = this.#node(safeText(fields.previousFingerprint), time);
    const newer = this.#node(safeText(fields.fingerprint), time);
    const a = this.#sessions.get(older)!;
    if (older !== newer) {
      const b = this.#sessions.get(newer)!;
      this.#parent.set(newer, older);
      this.#sessions.delete(newer);
      a.tokens += b.tokens;
      if (b.lastTime >= a.lastTime && b.tokens > 1) Object.assign(a, { last: b.last, lastTime: b.lastTime });
      a.firstRefreshed = Math.min(a.firstRefreshed, b.firstRefreshed);
      a.lastRefreshed = Math.max(a.lastRefreshed, b.lastRefreshed);
      a.user ??= b.user;
    }
    if (time >= a.lastTime || a.last === a.first)
      Object.assign(a, { last: safeText(fields.fingerprint), lastTime: time });
    a.user ??= fields.user === undefined ? null : safeText(fields.user);
    a.firstRefreshed = Math.min(a.firstRefreshed, time);
    a.lastRefreshed = Math.max(a.lastRefreshed, time);
  }

  q12(): Questions['q12'] {
    const sessions = [...this.#sessions.values()].filter((session) => session.tokens > 1);
    sessions.sort((a, b) => b.tokens - a.tokens || a.firstRefreshed - b.firstRefreshed);
    return {
      refreshes: rounded(this.#refreshes),
      sessions: sessions.length,
      longest: sessions[0]?.tokens ?? 0,
      complete: this.#complete,
      chains: sessions.slice(0, TOP_ROWS).map((s) => ({
        user: s.user,
        tokens: s.tokens,
        first: s.first,
        last: s.last,
        firstRefreshed: isoTime(s.firstRefreshed),
        lastRefreshed: isoTime(s.lastRefreshed),
      })),
    };
  }
}
