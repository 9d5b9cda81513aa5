// GENERATED FILE: do not edit by hand.
// Source: protocol/wlr-virtual-pointer-unstable-v1.xml (protocol wlr_virtual_pointer_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwlr_virtual_pointer_v1 = {
  name: 'zwlr_virtual_pointer_v1',
  version: 2,
  requests: [
    /* 0 */ { name: 'motion', since: 1, signature: 'uff', args: ['time', 'dx', 'dy'], types: [null, null, null] },
    /* 1 */ { name: 'motion_absolute', since: 1, signature: 'uuuuu', args: ['time', 'x', 'y', 'x_extent', 'y_extent'], types: [null, null, null, null, null] },
    /* 2 */ { name: 'button', since: 1, signature: 'uuu', args: ['time', 'button', 'state'], types: [null, null, null] },
    /* 3 */ { name: 'axis', since: 1, signature: 'uuf', args: ['time', 'axis', 'value'], types: [null, null, null] },
    /* 4 */ { name: 'frame', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'axis_source', since: 1, signature: 'u', args: ['axis_source'], types: [null] },
    /* 6 */ { name: 'axis_stop', since: 1, signature: 'uu', args: ['time', 'axis'], types: [null, null] },
    /* 7 */ { name: 'axis_discrete', since: 1, signature: 'uufi', args: ['time', 'axis', 'value', 'discrete'], types: [null, null, null, null] },
    /* 8 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_axis: 0, invalid_axis_source: 1 } },
  },
} as const satisfies InterfaceDesc;

export const zwlr_virtual_pointer_manager_v1 = {
  name: 'zwlr_virtual_pointer_manager_v1',
  version: 2,
  requests: [
    /* 0 */ { name: 'create_virtual_pointer', since: 1, signature: '?on', args: ['seat', 'id'], types: ['wl_seat', 'zwlr_virtual_pointer_v1'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 2 */ { name: 'create_virtual_pointer_with_output', since: 2, signature: '?o?on', args: ['seat', 'output', 'id'], types: ['wl_seat', 'wl_output', 'zwlr_virtual_pointer_v1'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;
