// GENERATED FILE: do not edit by hand.
// Source: protocol/wlr-layer-shell-unstable-v1.xml (protocol wlr_layer_shell_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwlr_layer_shell_v1 = {
  name: 'zwlr_layer_shell_v1',
  version: 4,
  requests: [
    /* 0 */ { name: 'get_layer_surface', since: 1, signature: 'no?ous', args: ['id', 'surface', 'output', 'layer', 'namespace'], types: ['zwlr_layer_surface_v1', 'wl_surface', 'wl_output', null, null] },
    /* 1 */ { name: 'destroy', since: 3, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { role: 0, invalid_layer: 1, already_constructed: 2 } },
    layer: { bitfield: false, since: 1, entries: { background: 0, bottom: 1, top: 2, overlay: 3 } },
  },
} as const satisfies InterfaceDesc;

export const zwlr_layer_surface_v1 = {
  name: 'zwlr_layer_surface_v1',
  version: 4,
  requests: [
    /* 0 */ { name: 'set_size', since: 1, signature: 'uu', args: ['width', 'height'], types: [null, null] },
    /* 1 */ { name: 'set_anchor', since: 1, signature: 'u', args: ['anchor'], types: [null] },
    /* 2 */ { name: 'set_exclusive_zone', since: 1, signature: 'i', args: ['zone'], types: [null] },
    /* 3 */ { name: 'set_margin', since: 1, signature: 'iiii', args: ['top', 'right', 'bottom', 'left'], types: [null, null, null, null] },
    /* 4 */ { name: 'set_keyboard_interactivity', since: 1, signature: 'u', args: ['keyboard_interactivity'], types: [null] },
    /* 5 */ { name: 'get_popup', since: 1, signature: 'o', args: ['popup'], types: ['xdg_popup'] },
    /* 6 */ { name: 'ack_configure', since: 1, signature: 'u', args: ['serial'], types: [null] },
    /* 7 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 8 */ { name: 'set_layer', since: 2, signature: 'u', args: ['layer'], types: [null] },
  ],
  events: [
    /* 0 */ { name: 'configure', since: 1, signature: 'uuu', args: ['serial', 'width', 'height'], types: [null, null, null] },
    /* 1 */ { name: 'closed', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    keyboard_interactivity: { bitfield: false, since: 1, entries: { none: 0, exclusive: 1, on_demand: 2 } },
    error: { bitfield: false, since: 1, entries: {
      invalid_surface_state: 0,
      invalid_size: 1,
      invalid_anchor: 2,
      invalid_keyboard_interactivity: 3,
    } },
    anchor: { bitfield: true, since: 1, entries: { top: 1, bottom: 2, left: 4, right: 8 } },
  },
} as const satisfies InterfaceDesc;
