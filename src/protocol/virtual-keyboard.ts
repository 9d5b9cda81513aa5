// GENERATED FILE: do not edit by hand.
// Source: protocol/virtual-keyboard-unstable-v1.xml (protocol virtual_keyboard_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_virtual_keyboard_v1 = {
  name: 'zwp_virtual_keyboard_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'keymap', since: 1, signature: 'uhu', args: ['format', 'fd', 'size'], types: [null, null, null] },
    /* 1 */ { name: 'key', since: 1, signature: 'uuu', args: ['time', 'key', 'state'], types: [null, null, null] },
    /* 2 */ { name: 'modifiers', since: 1, signature: 'uuuu', args: ['mods_depressed', 'mods_latched', 'mods_locked', 'group'], types: [null, null, null, null] },
    /* 3 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { no_keymap: 0 } },
  },
} as const satisfies InterfaceDesc;

export const zwp_virtual_keyboard_manager_v1 = {
  name: 'zwp_virtual_keyboard_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_virtual_keyboard', since: 1, signature: 'on', args: ['seat', 'id'], types: ['wl_seat', 'zwp_virtual_keyboard_v1'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { unauthorized: 0 } },
  },
} as const satisfies InterfaceDesc;
