// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland/wayland.xml (protocol wayland)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wl_display = {
  name: 'wl_display',
  version: 1,
  requests: [
    /* 0 */ { name: 'sync', since: 1, signature: 'n', args: ['callback'], types: ['wl_callback'] },
    /* 1 */ { name: 'get_registry', since: 1, signature: 'n', args: ['registry'], types: ['wl_registry'] },
  ],
  events: [
    /* 0 */ { name: 'error', since: 1, signature: 'ous', args: ['object_id', 'code', 'message'], types: [null, null, null] },
    /* 1 */ { name: 'delete_id', since: 1, signature: 'u', args: ['id'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      invalid_object: 0,
      invalid_method: 1,
      no_memory: 2,
      implementation: 3,
    } },
  },
} as const satisfies InterfaceDesc;

export const wl_registry = {
  name: 'wl_registry',
  version: 1,
  requests: [
    /* 0 */ { name: 'bind', since: 1, signature: 'usun', args: ['name', 'interface', 'version', 'id'], types: [null, null, null, null] },
  ],
  events: [
    /* 0 */ { name: 'global', since: 1, signature: 'usu', args: ['name', 'interface', 'version'], types: [null, null, null] },
    /* 1 */ { name: 'global_remove', since: 1, signature: 'u', args: ['name'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_callback = {
  name: 'wl_callback',
  version: 1,
  requests: [],
  events: [
    /* 0 */ { name: 'done', since: 1, signature: 'u', args: ['callback_data'], types: [null], destructor: true },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_compositor = {
  name: 'wl_compositor',
  version: 5,
  requests: [
    /* 0 */ { name: 'create_surface', since: 1, signature: 'n', args: ['id'], types: ['wl_surface'] },
    /* 1 */ { name: 'create_region', since: 1, signature: 'n', args: ['id'], types: ['wl_region'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_shm_pool = {
  name: 'wl_shm_pool',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_buffer', since: 1, signature: 'niiiiu', args: ['id', 'offset', 'width', 'height', 'stride', 'format'], types: ['wl_buffer', null, null, null, null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 2 */ { name: 'resize', since: 1, signature: 'i', args: ['size'], types: [null] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_shm = {
  name: 'wl_shm',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_pool', since: 1, signature: 'nhi', args: ['id', 'fd', 'size'], types: ['wl_shm_pool', null, null] },
  ],
  events: [
    /* 0 */ { name: 'format', since: 1, signature: 'u', args: ['format'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_format: 0, invalid_stride: 1, invalid_fd: 2 } },
    format: { bitfield: false, since: 1, entries: {
      argb8888: 0,
      xrgb8888: 1,
      c8: 0x20203843,
      rgb332: 0x38424752,
      bgr233: 0x38524742,
      xrgb4444: 0x32315258,
      xbgr4444: 0x32314258,
      rgbx4444: 0x32315852,
      bgrx4444: 0x32315842,
      argb4444: 0x32315241,
      abgr4444: 0x32314241,
      rgba4444: 0x32314152,
      bgra4444: 0x32314142,
      xrgb1555: 0x35315258,
      xbgr1555: 0x35314258,
      rgbx5551: 0x35315852,
      bgrx5551: 0x35315842,
      argb1555: 0x35315241,
      abgr1555: 0x35314241,
      rgba5551: 0x35314152,
      bgra5551: 0x35314142,
      rgb565: 0x36314752,
      bgr565: 0x36314742,
      rgb888: 0x34324752,
      bgr888: 0x34324742,
      xbgr8888: 0x34324258,
      rgbx8888: 0x34325852,
      bgrx8888: 0x34325842,
      abgr8888: 0x34324241,
      rgba8888: 0x34324152,
      bgra8888: 0x34324142,
      xrgb2101010: 0x30335258,
      xbgr2101010: 0x30334258,
      rgbx1010102: 0x30335852,
      bgrx1010102: 0x30335842,
      argb2101010: 0x30335241,
      abgr2101010: 0x30334241,
      rgba1010102: 0x30334152,
      bgra1010102: 0x30334142,
      yuyv: 0x56595559,
      yvyu: 0x55595659,
      uyvy: 0x59565955,
      vyuy: 0x59555956,
      ayuv: 0x56555941,
      nv12: 0x3231564e,
      nv21: 0x3132564e,
      nv16: 0x3631564e,
      nv61: 0x3136564e,
      yuv410: 0x39565559,
      yvu410: 0x39555659,
      yuv411: 0x31315559,
      yvu411: 0x31315659,
      yuv420: 0x32315559,
      yvu420: 0x32315659,
      yuv422: 0x36315559,
      yvu422: 0x36315659,
      yuv444: 0x34325559,
      yvu444: 0x34325659,
      r8: 0x20203852,
      r16: 0x20363152,
      rg88: 0x38384752,
      gr88: 0x38385247,
      rg1616: 0x32334752,
      gr1616: 0x32335247,
      xrgb16161616f: 0x48345258,
      xbgr16161616f: 0x48344258,
      argb16161616f: 0x48345241,
      abgr16161616f: 0x48344241,
      xyuv8888: 0x56555958,
      vuy888: 0x34325556,
      vuy101010: 0x30335556,
      y210: 0x30313259,
      y212: 0x32313259,
      y216: 0x36313259,
      y410: 0x30313459,
      y412: 0x32313459,
      y416: 0x36313459,
      xvyu2101010: 0x30335658,
      xvyu12_16161616: 0x36335658,
      xvyu16161616: 0x38345658,
      y0l0: 0x304c3059,
      x0l0: 0x304c3058,
      y0l2: 0x324c3059,
      x0l2: 0x324c3058,
      yuv420_8bit: 0x38305559,
      yuv420_10bit: 0x30315559,
      xrgb8888_a8: 0x38415258,
      xbgr8888_a8: 0x38414258,
      rgbx8888_a8: 0x38415852,
      bgrx8888_a8: 0x38415842,
      rgb888_a8: 0x38413852,
      bgr888_a8: 0x38413842,
      rgb565_a8: 0x38413552,
      bgr565_a8: 0x38413542,
      nv24: 0x3432564e,
      nv42: 0x3234564e,
      p210: 0x30313250,
      p010: 0x30313050,
      p012: 0x32313050,
      p016: 0x36313050,
      axbxgxrx106106106106: 0x30314241,
      nv15: 0x3531564e,
      q410: 0x30313451,
      q401: 0x31303451,
      xrgb16161616: 0x38345258,
      xbgr16161616: 0x38344258,
      argb16161616: 0x38345241,
      abgr16161616: 0x38344241,
    } },
  },
} as const satisfies InterfaceDesc;

export const wl_buffer = {
  name: 'wl_buffer',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'release', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_data_offer = {
  name: 'wl_data_offer',
  version: 3,
  requests: [
    /* 0 */ { name: 'accept', since: 1, signature: 'u?s', args: ['serial', 'mime_type'], types: [null, null] },
    /* 1 */ { name: 'receive', since: 1, signature: 'sh', args: ['mime_type', 'fd'], types: [null, null] },
    /* 2 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 3 */ { name: 'finish', since: 3, signature: '', args: [], types: [] },
    /* 4 */ { name: 'set_actions', since: 3, signature: 'uu', args: ['dnd_actions', 'preferred_action'], types: [null, null] },
  ],
  events: [
    /* 0 */ { name: 'offer', since: 1, signature: 's', args: ['mime_type'], types: [null] },
    /* 1 */ { name: 'source_actions', since: 3, signature: 'u', args: ['source_actions'], types: [null] },
    /* 2 */ { name: 'action', since: 3, signature: 'u', args: ['dnd_action'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      invalid_finish: 0,
      invalid_action_mask: 1,
      invalid_action: 2,
      invalid_offer: 3,
    } },
  },
} as const satisfies InterfaceDesc;

export const wl_data_source = {
  name: 'wl_data_source',
  version: 3,
  requests: [
    /* 0 */ { name: 'offer', since: 1, signature: 's', args: ['mime_type'], types: [null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 2 */ { name: 'set_actions', since: 3, signature: 'u', args: ['dnd_actions'], types: [null] },
  ],
  events: [
    /* 0 */ { name: 'target', since: 1, signature: '?s', args: ['mime_type'], types: [null] },
    /* 1 */ { name: 'send', since: 1, signature: 'sh', args: ['mime_type', 'fd'], types: [null, null] },
    /* 2 */ { name: 'cancelled', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'dnd_drop_performed', since: 3, signature: '', args: [], types: [] },
    /* 4 */ { name: 'dnd_finished', since: 3, signature: '', args: [], types: [] },
    /* 5 */ { name: 'action', since: 3, signature: 'u', args: ['dnd_action'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_action_mask: 0, invalid_source: 1 } },
  },
} as const satisfies InterfaceDesc;

export const wl_data_device = {
  name: 'wl_data_device',
  version: 3,
  requests: [
    /* 0 */ { name: 'start_drag', since: 1, signature: '?oo?ou', args: ['source', 'origin', 'icon', 'serial'], types: ['wl_data_source', 'wl_surface', 'wl_surface', null] },
    /* 1 */ { name: 'set_selection', since: 1, signature: '?ou', args: ['source', 'serial'], types: ['wl_data_source', null] },
    /* 2 */ { name: 'release', since: 2, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'data_offer', since: 1, signature: 'n', args: ['id'], types: ['wl_data_offer'] },
    /* 1 */ { name: 'enter', since: 1, signature: 'uoff?o', args: ['serial', 'surface', 'x', 'y', 'id'], types: [null, 'wl_surface', null, null, 'wl_data_offer'] },
    /* 2 */ { name: 'leave', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'motion', since: 1, signature: 'uff', args: ['time', 'x', 'y'], types: [null, null, null] },
    /* 4 */ { name: 'drop', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'selection', since: 1, signature: '?o', args: ['id'], types: ['wl_data_offer'] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { role: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wl_data_device_manager = {
  name: 'wl_data_device_manager',
  version: 3,
  requests: [
    /* 0 */ { name: 'create_data_source', since: 1, signature: 'n', args: ['id'], types: ['wl_data_source'] },
    /* 1 */ { name: 'get_data_device', since: 1, signature: 'no', args: ['id', 'seat'], types: ['wl_data_device', 'wl_seat'] },
  ],
  events: [],
  enums: {
    dnd_action: { bitfield: true, since: 3, entries: { none: 0, copy: 1, move: 2, ask: 4 } },
  },
} as const satisfies InterfaceDesc;

export const wl_shell = {
  name: 'wl_shell',
  version: 1,
  requests: [
    /* 0 */ { name: 'get_shell_surface', since: 1, signature: 'no', args: ['id', 'surface'], types: ['wl_shell_surface', 'wl_surface'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { role: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wl_shell_surface = {
  name: 'wl_shell_surface',
  version: 1,
  requests: [
    /* 0 */ { name: 'pong', since: 1, signature: 'u', args: ['serial'], types: [null] },
    /* 1 */ { name: 'move', since: 1, signature: 'ou', args: ['seat', 'serial'], types: ['wl_seat', null] },
    /* 2 */ { name: 'resize', since: 1, signature: 'ouu', args: ['seat', 'serial', 'edges'], types: ['wl_seat', null, null] },
    /* 3 */ { name: 'set_toplevel', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'set_transient', since: 1, signature: 'oiiu', args: ['parent', 'x', 'y', 'flags'], types: ['wl_surface', null, null, null] },
    /* 5 */ { name: 'set_fullscreen', since: 1, signature: 'uu?o', args: ['method', 'framerate', 'output'], types: [null, null, 'wl_output'] },
    /* 6 */ { name: 'set_popup', since: 1, signature: 'ouoiiu', args: ['seat', 'serial', 'parent', 'x', 'y', 'flags'], types: ['wl_seat', null, 'wl_surface', null, null, null] },
    /* 7 */ { name: 'set_maximized', since: 1, signature: '?o', args: ['output'], types: ['wl_output'] },
    /* 8 */ { name: 'set_title', since: 1, signature: 's', args: ['title'], types: [null] },
    /* 9 */ { name: 'set_class', since: 1, signature: 's', args: ['class_'], types: [null] },
  ],
  events: [
    /* 0 */ { name: 'ping', since: 1, signature: 'u', args: ['serial'], types: [null] },
    /* 1 */ { name: 'configure', since: 1, signature: 'uii', args: ['edges', 'width', 'height'], types: [null, null, null] },
    /* 2 */ { name: 'popup_done', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    resize: { bitfield: true, since: 1, entries: {
      none: 0,
      top: 1,
      bottom: 2,
      left: 4,
      top_left: 5,
      bottom_left: 6,
      right: 8,
      top_right: 9,
      bottom_right: 10,
    } },
    transient: { bitfield: true, since: 1, entries: { inactive: 1 } },
    fullscreen_method: { bitfield: false, since: 1, entries: { default: 0, scale: 1, driver: 2, fill: 3 } },
  },
} as const satisfies InterfaceDesc;

export const wl_surface = {
  name: 'wl_surface',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'attach', since: 1, signature: '?oii', args: ['buffer', 'x', 'y'], types: ['wl_buffer', null, null] },
    /* 2 */ { name: 'damage', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 3 */ { name: 'frame', since: 1, signature: 'n', args: ['callback'], types: ['wl_callback'] },
    /* 4 */ { name: 'set_opaque_region', since: 1, signature: '?o', args: ['region'], types: ['wl_region'] },
    /* 5 */ { name: 'set_input_region', since: 1, signature: '?o', args: ['region'], types: ['wl_region'] },
    /* 6 */ { name: 'commit', since: 1, signature: '', args: [], types: [] },
    /* 7 */ { name: 'set_buffer_transform', since: 2, signature: 'i', args: ['transform'], types: [null] },
    /* 8 */ { name: 'set_buffer_scale', since: 3, signature: 'i', args: ['scale'], types: [null] },
    /* 9 */ { name: 'damage_buffer', since: 4, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 10 */ { name: 'offset', since: 5, signature: 'ii', args: ['x', 'y'], types: [null, null] },
  ],
  events: [
    /* 0 */ { name: 'enter', since: 1, signature: 'o', args: ['output'], types: ['wl_output'] },
    /* 1 */ { name: 'leave', since: 1, signature: 'o', args: ['output'], types: ['wl_output'] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      invalid_scale: 0,
      invalid_transform: 1,
      invalid_size: 2,
      invalid_offset: 3,
    } },
  },
} as const satisfies InterfaceDesc;

export const wl_seat = {
  name: 'wl_seat',
  version: 8,
  requests: [
    /* 0 */ { name: 'get_pointer', since: 1, signature: 'n', args: ['id'], types: ['wl_pointer'] },
    /* 1 */ { name: 'get_keyboard', since: 1, signature: 'n', args: ['id'], types: ['wl_keyboard'] },
    /* 2 */ { name: 'get_touch', since: 1, signature: 'n', args: ['id'], types: ['wl_touch'] },
    /* 3 */ { name: 'release', since: 5, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'capabilities', since: 1, signature: 'u', args: ['capabilities'], types: [null] },
    /* 1 */ { name: 'name', since: 2, signature: 's', args: ['name'], types: [null] },
  ],
  enums: {
    capability: { bitfield: true, since: 1, entries: { pointer: 1, keyboard: 2, touch: 4 } },
    error: { bitfield: false, since: 1, entries: { missing_capability: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wl_pointer = {
  name: 'wl_pointer',
  version: 8,
  requests: [
    /* 0 */ { name: 'set_cursor', since: 1, signature: 'u?oii', args: ['serial', 'surface', 'hotspot_x', 'hotspot_y'], types: [null, 'wl_surface', null, null] },
    /* 1 */ { name: 'release', since: 3, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'enter', since: 1, signature: 'uoff', args: ['serial', 'surface', 'surface_x', 'surface_y'], types: [null, 'wl_surface', null, null] },
    /* 1 */ { name: 'leave', since: 1, signature: 'uo', args: ['serial', 'surface'], types: [null, 'wl_surface'] },
    /* 2 */ { name: 'motion', since: 1, signature: 'uff', args: ['time', 'surface_x', 'surface_y'], types: [null, null, null] },
    /* 3 */ { name: 'button', since: 1, signature: 'uuuu', args: ['serial', 'time', 'button', 'state'], types: [null, null, null, null] },
    /* 4 */ { name: 'axis', since: 1, signature: 'uuf', args: ['time', 'axis', 'value'], types: [null, null, null] },
    /* 5 */ { name: 'frame', since: 5, signature: '', args: [], types: [] },
    /* 6 */ { name: 'axis_source', since: 5, signature: 'u', args: ['axis_source'], types: [null] },
    /* 7 */ { name: 'axis_stop', since: 5, signature: 'uu', args: ['time', 'axis'], types: [null, null] },
    /* 8 */ { name: 'axis_discrete', since: 5, signature: 'ui', args: ['axis', 'discrete'], types: [null, null] },
    /* 9 */ { name: 'axis_value120', since: 8, signature: 'ui', args: ['axis', 'value120'], types: [null, null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { role: 0 } },
    button_state: { bitfield: false, since: 1, entries: { released: 0, pressed: 1 } },
    axis: { bitfield: false, since: 1, entries: { vertical_scroll: 0, horizontal_scroll: 1 } },
    axis_source: { bitfield: false, since: 1, entries: {
      wheel: 0,
      finger: 1,
      continuous: 2,
      wheel_tilt: 3,
    } },
  },
} as const satisfies InterfaceDesc;

export const wl_keyboard = {
  name: 'wl_keyboard',
  version: 8,
  requests: [
    /* 0 */ { name: 'release', since: 3, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'keymap', since: 1, signature: 'uhu', args: ['format', 'fd', 'size'], types: [null, null, null] },
    /* 1 */ { name: 'enter', since: 1, signature: 'uoa', args: ['serial', 'surface', 'keys'], types: [null, 'wl_surface', null] },
    /* 2 */ { name: 'leave', since: 1, signature: 'uo', args: ['serial', 'surface'], types: [null, 'wl_surface'] },
    /* 3 */ { name: 'key', since: 1, signature: 'uuuu', args: ['serial', 'time', 'key', 'state'], types: [null, null, null, null] },
    /* 4 */ { name: 'modifiers', since: 1, signature: 'uuuuu', args: ['serial', 'mods_depressed', 'mods_latched', 'mods_locked', 'group'], types: [null, null, null, null, null] },
    /* 5 */ { name: 'repeat_info', since: 4, signature: 'ii', args: ['rate', 'delay'], types: [null, null] },
  ],
  enums: {
    keymap_format: { bitfield: false, since: 1, entries: { no_keymap: 0, xkb_v1: 1 } },
    key_state: { bitfield: false, since: 1, entries: { released: 0, pressed: 1 } },
  },
} as const satisfies InterfaceDesc;

export const wl_touch = {
  name: 'wl_touch',
  version: 8,
  requests: [
    /* 0 */ { name: 'release', since: 3, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'down', since: 1, signature: 'uuoiff', args: ['serial', 'time', 'surface', 'id', 'x', 'y'], types: [null, null, 'wl_surface', null, null, null] },
    /* 1 */ { name: 'up', since: 1, signature: 'uui', args: ['serial', 'time', 'id'], types: [null, null, null] },
    /* 2 */ { name: 'motion', since: 1, signature: 'uiff', args: ['time', 'id', 'x', 'y'], types: [null, null, null, null] },
    /* 3 */ { name: 'frame', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'cancel', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'shape', since: 6, signature: 'iff', args: ['id', 'major', 'minor'], types: [null, null, null] },
    /* 6 */ { name: 'orientation', since: 6, signature: 'if', args: ['id', 'orientation'], types: [null, null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_output = {
  name: 'wl_output',
  version: 4,
  requests: [
    /* 0 */ { name: 'release', since: 3, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'geometry', since: 1, signature: 'iiiiissi', args: ['x', 'y', 'physical_width', 'physical_height', 'subpixel', 'make', 'model', 'transform'], types: [null, null, null, null, null, null, null, null] },
    /* 1 */ { name: 'mode', since: 1, signature: 'uiii', args: ['flags', 'width', 'height', 'refresh'], types: [null, null, null, null] },
    /* 2 */ { name: 'done', since: 2, signature: '', args: [], types: [] },
    /* 3 */ { name: 'scale', since: 2, signature: 'i', args: ['factor'], types: [null] },
    /* 4 */ { name: 'name', since: 4, signature: 's', args: ['name'], types: [null] },
    /* 5 */ { name: 'description', since: 4, signature: 's', args: ['description'], types: [null] },
  ],
  enums: {
    subpixel: { bitfield: false, since: 1, entries: {
      unknown: 0,
      none: 1,
      horizontal_rgb: 2,
      horizontal_bgr: 3,
      vertical_rgb: 4,
      vertical_bgr: 5,
    } },
    transform: { bitfield: false, since: 1, entries: {
      '90': 1,
      '180': 2,
      '270': 3,
      normal: 0,
      flipped: 4,
      flipped_90: 5,
      flipped_180: 6,
      flipped_270: 7,
    } },
    mode: { bitfield: true, since: 1, entries: { current: 1, preferred: 2 } },
  },
} as const satisfies InterfaceDesc;

export const wl_region = {
  name: 'wl_region',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'add', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 2 */ { name: 'subtract', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const wl_subcompositor = {
  name: 'wl_subcompositor',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_subsurface', since: 1, signature: 'noo', args: ['id', 'surface', 'parent'], types: ['wl_subsurface', 'wl_surface', 'wl_surface'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { bad_surface: 0 } },
  },
} as const satisfies InterfaceDesc;

export const wl_subsurface = {
  name: 'wl_subsurface',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_position', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 2 */ { name: 'place_above', since: 1, signature: 'o', args: ['sibling'], types: ['wl_surface'] },
    /* 3 */ { name: 'place_below', since: 1, signature: 'o', args: ['sibling'], types: ['wl_surface'] },
    /* 4 */ { name: 'set_sync', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'set_desync', since: 1, signature: '', args: [], types: [] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { bad_surface: 0 } },
  },
} as const satisfies InterfaceDesc;
