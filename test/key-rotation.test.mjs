/** The rotation policy alone: which kids changed, per set, within its bounds. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const built = new URL('../packages/instrumentation-jwt/build/policy/key-rotation.js', import.meta.url).pathname;
const { KeyRotationTracker, MAX_KIDS, MAX_KID_LENGTH, MAX_SETS, kidsOf } = require(built);

test('the first lookup of a set is no rotation; a change of kids is, in either direction; the same kids again are not', () => {
  const tracker = new KeyRotationTracker();
  assert.equal(tracker.observe('set', ['a']), undefined);
  assert.equal(tracker.observe('set', ['a']), undefined);
  assert.deepEqual(tracker.observe('set', ['a', 'b']), { added: ['b'], removed: [] });
  assert.deepEqual(tracker.observe('set', ['b']), { added: [], removed: ['a'] });
  assert.equal(tracker.observe('other set', ['a']), undefined, 'sets are tracked apart');
});

test('kids are read sorted, unique, capped in number and length; keys without a string kid are skipped', () => {
  assert.deepEqual(kidsOf([{ kid: 'b' }, { kid: 'a' }, { kid: 'b' }, { kty: 'RSA' }, { kid: 7 }, null, 'x']), [
    'a',
    'b',
  ]);
  assert.equal(kidsOf([{ kid: 'k'.repeat(MAX_KID_LENGTH * 2) }])[0].length, MAX_KID_LENGTH);
  assert.equal(kidsOf(Array.from({ length: MAX_KIDS * 3 }, (_, i) => ({ kid: `kid-${i}` }))).length, MAX_KIDS);
});

test(`at most ${MAX_SETS} sets are remembered, the least recently looked up forgotten first`, () => {
  const tracker = new KeyRotationTracker();
  tracker.observe('first', ['a']);
  tracker.observe('kept', ['a']);
  for (let i = 0; i < MAX_SETS - 2; i += 1) tracker.observe(`set-${i}`, ['a']);
  tracker.observe('kept', ['a']); // looked up again: now the most recent
  tracker.observe('one more', ['a']); // pushes out the least recent: 'first'
  assert.equal(tracker.observe('first', ['b']), undefined, 'forgotten: its next lookup is a first one');
  assert.deepEqual(tracker.observe('kept', ['b']), { added: ['b'], removed: ['a'] }, 'remembered');
});
