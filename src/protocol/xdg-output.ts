// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/xdg-output/xdg-output-unstable-v1.xml (protocol xdg_output_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zxdg_output_manager_v1 = {
  name: 'zxdg_output_manager_v1',
  version: 3,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_xdg_output', since: 1, signature: 'no', args: ['id', 'output'], types: ['zxdg_output_v1', 'wl_output'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zxdg_output_v1 = {
  name: 'zxdg_output_v1',
  version: 3,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'logical_position', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 1 */ { name: 'logical_size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 2 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'name', since: 2, signature: 's', args: ['name'], types: [null] },
    /* 4 */ { name: 'description', since: 2, signature: 's', args: ['description'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
