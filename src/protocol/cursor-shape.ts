// GENERATED FILE: do not edit by hand.
// Source: protocol/cursor-shape-v1.xml (protocol cursor_shape_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wp_cursor_shape_manager_v1 = {
  name: 'wp_cursor_shape_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_pointer', since: 1, signature: 'no', args: ['cursor_shape_device', 'pointer'], types: ['wp_cursor_shape_device_v1', 'wl_pointer'] },
    /* 2 */ { name: 'get_tablet_tool_v2', since: 1, signature: 'no', args: ['cursor_shape_device', 'tablet_tool'], types: ['wp_cursor_shape_device_v1', 'zwp_tablet_tool_v2'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const wp_cursor_shape_device_v1 = {
  name: 'wp_cursor_shape_device_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_shape', since: 1, signature: 'uu', args: ['serial', 'shape'], types: [null, null] },
  ],
  events: [],
  enums: {
    shape: { bitfield: false, since: 1, entries: {
      default: 1,
      context_menu: 2,
      help: 3,
      pointer: 4,
      progress: 5,
      wait: 6,
      cell: 7,
      crosshair: 8,
      text: 9,
      vertical_text: 10,
      alias: 11,
      copy: 12,
      move: 13,
      no_drop: 14,
      not_allowed: 15,
      grab: 16,
      grabbing: 17,
      e_resize: 18,
      n_resize: 19,
      ne_resize: 20,
      nw_resize: 21,
      s_resize: 22,
      se_resize: 23,
      sw_resize: 24,
      w_resize: 25,
      ew_resize: 26,
      ns_resize: 27,
      nesw_resize: 28,
      nwse_resize: 29,
      col_resize: 30,
      row_resize: 31,
      all_scroll: 32,
      zoom_in: 33,
      zoom_out: 34,
    } },
    error: { bitfield: false, since: 1, entries: { invalid_shape: 1 } },
  },
} as const satisfies InterfaceDesc;
