// Keymaps for wl_keyboard: libxkbcommon through the addon, the sealed memfd
// clients map, and the keysym → key lookup scripted typing needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeSync, ftruncateSync, openSync, closeSync } from 'node:fs';
import { Keymap, keysymFromName, keysymName, keysymOfChar } from '../../../src/compositor/input/xkb.js';
import { seals } from '../../../src/shm/index.js';

test('the us keymap is xkb_v1 text in a sealed memfd, NUL-terminated, that no one can change', () => {
  const km = Keymap.fromNames();
  try {
    assert.match(km.text, /^xkb_keymap \{/);
    assert.equal(km.size, Buffer.byteLength(km.text) + 1);
    const s = seals(km.fd);
    assert.deepEqual([s.write, s.shrink, s.grow, s.seal], [true, true, true, true]);
    const bytes = readFileSync(`/proc/self/fd/${km.fd}`);
    assert.equal(bytes.length, km.size);
    assert.equal(bytes[bytes.length - 1], 0);
    assert.equal(bytes.subarray(0, -1).toString('utf8'), km.text);
    // What a client could try through its own fd.
    const rw = openSync(`/proc/self/fd/${km.fd}`, 'r+');
    try {
      assert.throws(() => writeSync(rw, Buffer.from('x'), 0, 1, 0), { code: 'EPERM' });
      assert.throws(() => ftruncateSync(rw, 0), { code: 'EPERM' });
    } finally {
      closeSync(rw);
    }
  } finally {
    km.close();
  }
});

test('lookup: letters, capitals with Shift, Return, space; modifier keys found', () => {
  const km = Keymap.fromNames({ layout: 'us' });
  try {
    const shift = km.modMask('Shift');
    assert.equal(shift, 1);
    assert.equal(km.modifierKeys.get(shift), 50, 'Shift_L is xkb keycode 50 (evdev 42)');
    assert.deepEqual(km.lookup(keysymOfChar('a')), { keycode: 38, mods: 0 });
    assert.deepEqual(km.lookup(keysymOfChar('A')), { keycode: 38, mods: shift });
    assert.deepEqual(km.lookup(keysymOfChar('!')), { keycode: 10, mods: shift });
    assert.deepEqual(km.lookup(keysymOfChar('\n')), { keycode: 36, mods: 0 });
    assert.deepEqual(km.lookup(keysymFromName('Return')), { keycode: 36, mods: 0 });
    assert.deepEqual(km.lookup(keysymOfChar(' ')), { keycode: 65, mods: 0 });
    assert.equal(km.lookup(keysymOfChar('é')), null, 'not on the us layout');
    assert.equal(keysymName(keysymOfChar('A')), 'A');
    assert.equal(keysymName(keysymFromName('return')), 'Return', 'names are found case-insensitively');
  } finally {
    km.close();
  }
});

test('another layout (de): z and y swap places', () => {
  const us = Keymap.fromNames({ layout: 'us' });
  const de = Keymap.fromNames({ layout: 'de' });
  try {
    assert.equal(us.lookup(keysymOfChar('z'))?.keycode, de.lookup(keysymOfChar('y'))?.keycode);
  } finally {
    us.close();
    de.close();
  }
});

test('a client keymap: compiled when valid, null when not; a bad layout name throws', () => {
  const us = Keymap.fromNames();
  try {
    const copy = Keymap.fromBytes(Buffer.from(`${us.text}\0`));
    assert.ok(copy);
    assert.equal(copy.lookup(keysymOfChar('q'))?.keycode, 24);
    copy.close();
    assert.equal(Keymap.fromBytes(Buffer.from('xkb_keymap { garbage')), null);
    assert.equal(Keymap.fromBytes(new Uint8Array(0)), null);
    assert.throws(() => Keymap.fromNames({ layout: 'no-such-layout' }), { code: 'ERR_NOSIGBUS_XKB' });
  } finally {
    us.close();
  }
});
