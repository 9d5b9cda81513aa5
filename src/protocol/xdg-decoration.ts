// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/xdg-decoration/xdg-decoration-unstable-v1.xml (protocol xdg_decoration_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zxdg_decoration_manager_v1 = {
  name: 'zxdg_decoration_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_toplevel_decoration', since: 1, signature: 'no', args: ['id', 'toplevel'], types: ['zxdg_toplevel_decoration_v1', 'xdg_toplevel'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zxdg_toplevel_decoration_v1 = {
  name: 'zxdg_toplevel_decoration_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_mode', since: 1, signature: 'u', args: ['mode'], types: [null] },
    /* 2 */ { name: 'unset_mode', since: 1, signature: '', args: [], types: [] },
  ],
  events: [
    /* 0 */ { name: 'configure', since: 1, signature: 'u', args: ['mode'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      unconfigured_buffer: 0,
      already_constructed: 1,
      orphaned: 2,
    } },
    mode: { bitfield: false, since: 1, entries: { client_side: 1, server_side: 2 } },
  },
} as const satisfies InterfaceDesc;
