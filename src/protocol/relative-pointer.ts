// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/relative-pointer/relative-pointer-unstable-v1.xml (protocol relative_pointer_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_relative_pointer_manager_v1 = {
  name: 'zwp_relative_pointer_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_relative_pointer', since: 1, signature: 'no', args: ['id', 'pointer'], types: ['zwp_relative_pointer_v1', 'wl_pointer'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_relative_pointer_v1 = {
  name: 'zwp_relative_pointer_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'relative_motion', since: 1, signature: 'uuffff', args: ['utime_hi', 'utime_lo', 'dx', 'dy', 'dx_unaccel', 'dy_unaccel'], types: [null, null, null, null, null, null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
