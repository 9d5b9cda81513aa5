// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/tablet/tablet-unstable-v2.xml (protocol tablet_unstable_v2)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_tablet_manager_v2 = {
  name: 'zwp_tablet_manager_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'get_tablet_seat', since: 1, signature: 'no', args: ['tablet_seat', 'seat'], types: ['zwp_tablet_seat_v2', 'wl_seat'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_tablet_seat_v2 = {
  name: 'zwp_tablet_seat_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'tablet_added', since: 1, signature: 'n', args: ['id'], types: ['zwp_tablet_v2'] },
    /* 1 */ { name: 'tool_added', since: 1, signature: 'n', args: ['id'], types: ['zwp_tablet_tool_v2'] },
    /* 2 */ { name: 'pad_added', since: 1, signature: 'n', args: ['id'], types: ['zwp_tablet_pad_v2'] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_tablet_tool_v2 = {
  name: 'zwp_tablet_tool_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_cursor', since: 1, signature: 'u?oii', args: ['serial', 'surface', 'hotspot_x', 'hotspot_y'], types: [null, 'wl_surface', null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'type', since: 1, signature: 'u', args: ['tool_type'], types: [null] },
    /* 1 */ { name: 'hardware_serial', since: 1, signature: 'uu', args: ['hardware_serial_hi', 'hardware_serial_lo'], types: [null, null] },
    /* 2 */ { name: 'hardware_id_wacom', since: 1, signature: 'uu', args: ['hardware_id_hi', 'hardware_id_lo'], types: [null, null] },
    /* 3 */ { name: 'capability', since: 1, signature: 'u', args: ['capability'], types: [null] },
    /* 4 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'removed', since: 1, signature: '', args: [], types: [] },
    /* 6 */ { name: 'proximity_in', since: 1, signature: 'uoo', args: ['serial', 'tablet', 'surface'], types: [null, 'zwp_tablet_v2', 'wl_surface'] },
    /* 7 */ { name: 'proximity_out', since: 1, signature: '', args: [], types: [] },
    /* 8 */ { name: 'down', since: 1, signature: 'u', args: ['serial'], types: [null] },
    /* 9 */ { name: 'up', since: 1, signature: '', args: [], types: [] },
    /* 10 */ { name: 'motion', since: 1, signature: 'ff', args: ['x', 'y'], types: [null, null] },
    /* 11 */ { name: 'pressure', since: 1, signature: 'u', args: ['pressure'], types: [null] },
    /* 12 */ { name: 'distance', since: 1, signature: 'u', args: ['distance'], types: [null] },
    /* 13 */ { name: 'tilt', since: 1, signature: 'ff', args: ['tilt_x', 'tilt_y'], types: [null, null] },
    /* 14 */ { name: 'rotation', since: 1, signature: 'f', args: ['degrees'], types: [null] },
    /* 15 */ { name: 'slider', since: 1, signature: 'i', args: ['position'], types: [null] },
    /* 16 */ { name: 'wheel', since: 1, signature: 'fi', args: ['degrees', 'clicks'], types: [null, null] },
    /* 17 */ { name: 'button', since: 1, signature: 'uuu', args: ['serial', 'button', 'state'], types: [null, null, null] },
    /* 18 */ { name: 'frame', since: 1, signature: 'u', args: ['time'], types: [null] },
  ],
  enums: {
    type: { bitfield: false, since: 1, entries: {
      pen: 320,
      eraser: 321,
      brush: 322,
      pencil: 323,
      airbrush: 324,
      finger: 325,
      mouse: 326,
      lens: 327,
    } },
    capability: { bitfield: false, since: 1, entries: {
      tilt: 1,
      pressure: 2,
      distance: 3,
      rotation: 4,
      slider: 5,
      wheel: 6,
    } },
    button_state: { bitfield: false, since: 1, entries: { released: 0, pressed: 1 } },
    error: { bitfield: false, since: 1, entries: { role: 0 } },
  },
} as const satisfies InterfaceDesc;

export const zwp_tablet_v2 = {
  name: 'zwp_tablet_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'name', since: 1, signature: 's', args: ['name'], types: [null] },
    /* 1 */ { name: 'id', since: 1, signature: 'uu', args: ['vid', 'pid'], types: [null, null] },
    /* 2 */ { name: 'path', since: 1, signature: 's', args: ['path'], types: [null] },
    /* 3 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'removed', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_tablet_pad_ring_v2 = {
  name: 'zwp_tablet_pad_ring_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_feedback', since: 1, signature: 'su', args: ['description', 'serial'], types: [null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'source', since: 1, signature: 'u', args: ['source'], types: [null] },
    /* 1 */ { name: 'angle', since: 1, signature: 'f', args: ['degrees'], types: [null] },
    /* 2 */ { name: 'stop', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'frame', since: 1, signature: 'u', args: ['time'], types: [null] },
  ],
  enums: {
    source: { bitfield: false, since: 1, entries: { finger: 1 } },
  },
} as const satisfies InterfaceDesc;

export const zwp_tablet_pad_strip_v2 = {
  name: 'zwp_tablet_pad_strip_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_feedback', since: 1, signature: 'su', args: ['description', 'serial'], types: [null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'source', since: 1, signature: 'u', args: ['source'], types: [null] },
    /* 1 */ { name: 'position', since: 1, signature: 'u', args: ['position'], types: [null] },
    /* 2 */ { name: 'stop', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'frame', since: 1, signature: 'u', args: ['time'], types: [null] },
  ],
  enums: {
    source: { bitfield: false, since: 1, entries: { finger: 1 } },
  },
} as const satisfies InterfaceDesc;

export const zwp_tablet_pad_group_v2 = {
  name: 'zwp_tablet_pad_group_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'buttons', since: 1, signature: 'a', args: ['buttons'], types: [null] },
    /* 1 */ { name: 'ring', since: 1, signature: 'n', args: ['ring'], types: ['zwp_tablet_pad_ring_v2'] },
    /* 2 */ { name: 'strip', since: 1, signature: 'n', args: ['strip'], types: ['zwp_tablet_pad_strip_v2'] },
    /* 3 */ { name: 'modes', since: 1, signature: 'u', args: ['modes'], types: [null] },
    /* 4 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'mode_switch', since: 1, signature: 'uuu', args: ['time', 'serial', 'mode'], types: [null, null, null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_tablet_pad_v2 = {
  name: 'zwp_tablet_pad_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_feedback', since: 1, signature: 'usu', args: ['button', 'description', 'serial'], types: [null, null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'group', since: 1, signature: 'n', args: ['pad_group'], types: ['zwp_tablet_pad_group_v2'] },
    /* 1 */ { name: 'path', since: 1, signature: 's', args: ['path'], types: [null] },
    /* 2 */ { name: 'buttons', since: 1, signature: 'u', args: ['buttons'], types: [null] },
    /* 3 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'button', since: 1, signature: 'uuu', args: ['time', 'button', 'state'], types: [null, null, null] },
    /* 5 */ { name: 'enter', since: 1, signature: 'uoo', args: ['serial', 'tablet', 'surface'], types: [null, 'zwp_tablet_v2', 'wl_surface'] },
    /* 6 */ { name: 'leave', since: 1, signature: 'uo', args: ['serial', 'surface'], types: [null, 'wl_surface'] },
    /* 7 */ { name: 'removed', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    button_state: { bitfield: false, since: 1, entries: { released: 0, pressed: 1 } },
  },
} as const satisfies InterfaceDesc;
