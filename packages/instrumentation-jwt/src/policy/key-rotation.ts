/**
 * Whether a remote key set was rotated: the `kid`s a set holds are remembered per set (host, port and path of
 * its URL), and a change between two lookups is a rotation. Bounded: at most {@link MAX_SETS} sets are
 * remembered (the least recently seen is forgotten) and {@link MAX_KIDS} `kid`s of at most
 * {@link MAX_KID_LENGTH} characters per set.
 */
export const MAX_SETS = 64;
export const MAX_KIDS = 64;
export const MAX_KID_LENGTH = 128;

export interface KeyRotation {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The set's `kid`s, sorted and unique; keys without a string `kid` are not tracked. */
export function kidsOf(keys: readonly unknown[]): string[] {
  const kids = new Set<string>();
  for (const key of keys) {
    const kid = key !== null && typeof key === 'object' ? (key as { kid?: unknown }).kid : undefined;
    if (typeof kid === 'string' && kid.length > 0) kids.add(kid.slice(0, MAX_KID_LENGTH));
    if (kids.size >= MAX_KIDS) break;
  }
  return [...kids].sort();
}

export class KeyRotationTracker {
  private readonly sets = new Map<string, readonly string[]>();

  /** Records the set's current `kid`s; returns what changed since the last lookup of the same set, if anything. */
  observe(setId: string, kids: readonly string[]): KeyRotation | undefined {
    const previous = this.sets.get(setId);
    this.sets.delete(setId);
    this.sets.set(setId, kids);
    if (this.sets.size > MAX_SETS) this.sets.delete(this.sets.keys().next().value as string);
    if (!previous) return undefined;
    const added = kids.filter((kid) => !previous.includes(kid));
    const removed = previous.filter((kid) => !kids.includes(kid));
    return added.length > 0 || removed.length > 0 ? { added, removed } : undefined;
  }
}
