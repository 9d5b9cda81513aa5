// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/pointer-constraints/pointer-constraints-unstable-v1.xml (protocol pointer_constraints_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_pointer_constraints_v1 = {
  name: 'zwp_pointer_constraints_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'lock_pointer', since: 1, signature: 'noo?ou', args: ['id', 'surface', 'pointer', 'region', 'lifetime'], types: ['zwp_locked_pointer_v1', 'wl_surface', 'wl_pointer', 'wl_region', null] },
    /* 2 */ { name: 'confine_pointer', since: 1, signature: 'noo?ou', args: ['id', 'surface', 'pointer', 'region', 'lifetime'], types: ['zwp_confined_pointer_v1', 'wl_surface', 'wl_pointer', 'wl_region', null] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { already_constrained: 1 } },
    lifetime: { bitfield: false, since: 1, entries: { oneshot: 1, persistent: 2 } },
  },
} as const satisfies InterfaceDesc;

export const zwp_locked_pointer_v1 = {
  name: 'zwp_locked_pointer_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_cursor_position_hint', since: 1, signature: 'ff', args: ['surface_x', 'surface_y'], types: [null, null] },
    /* 2 */ { name: 'set_region', since: 1, signature: '?o', args: ['region'], types: ['wl_region'] },
  ],
  events: [
    /* 0 */ { name: 'locked', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'unlocked', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_confined_pointer_v1 = {
  name: 'zwp_confined_pointer_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_region', since: 1, signature: '?o', args: ['region'], types: ['wl_region'] },
  ],
  events: [
    /* 0 */ { name: 'confined', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'unconfined', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
