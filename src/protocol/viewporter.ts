// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/stable/viewporter/viewporter.xml (protocol viewporter)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wp_viewporter = {
  name: 'wp_viewporter',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_viewport', since: 1, signature: 'no', args: ['id', 'surface'], types: ['wp_viewport', 'wl_surface'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { viewport_exists: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wp_viewport = {
  name: 'wp_viewport',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_source', since: 1, signature: 'ffff', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 2 */ { name: 'set_destination', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      bad_value: 0,
      bad_size: 1,
      out_of_buffer: 2,
      no_surface: 3,
    } },
  },
} as const satisfies InterfaceDesc;
