// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/staging/fractional-scale/fractional-scale-v1.xml (protocol fractional_scale_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wp_fractional_scale_manager_v1 = {
  name: 'wp_fractional_scale_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_fractional_scale', since: 1, signature: 'no', args: ['id', 'surface'], types: ['wp_fractional_scale_v1', 'wl_surface'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { fractional_scale_exists: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wp_fractional_scale_v1 = {
  name: 'wp_fractional_scale_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'preferred_scale', since: 1, signature: 'u', args: ['scale'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
