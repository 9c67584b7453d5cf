/**
 * Exact sliding windows over one key's recent events, in as little memory as the threshold needs: a detector
 * that fires above N events keeps at most N + 1 timestamps per key, and forgets those older than the window.
 */

/** Records an event at `now` and returns how many of the kept events fall within the window. */
export function countEvent(times: number[], now: number, windowMs: number, limit: number): number {
  times.push(now);
  let expired = 0;
  while (expired < times.length && times[expired]! <= now - windowMs) expired += 1;
  const over = Math.max(expired, times.length - limit);
  if (over > 0) times.splice(0, over);
  return times.length;
}

/**
 * Records that `member` (a hashed address) was seen at `now`, and returns how many distinct members were seen
 * within the window. `members` and `seen` are parallel arrays, at most `limit` long (the oldest is dropped).
 */
export function countDistinct(
  members: number[],
  seen: number[],
  member: number,
  now: number,
  windowMs: number,
  limit: number,
): number {
  for (let i = members.length - 1; i >= 0; i -= 1) {
    if (seen[i]! <= now - windowMs) {
      members.splice(i, 1);
      seen.splice(i, 1);
    }
  }
  const index = members.indexOf(member);
  if (index >= 0) {
    members.splice(index, 1);
    seen.splice(index, 1);
  }
  members.push(member);
  seen.push(now);
  if (members.length > limit) {
    members.shift();
    seen.shift();
  }
  return members.length;
}

/** 32-bit FNV-1a of a string: addresses are counted by hash, so a collision can only lower a count, never raise it. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
