// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml (protocol xdg_shell)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const xdg_wm_base = {
  name: 'xdg_wm_base',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'create_positioner', since: 1, signature: 'n', args: ['id'], types: ['xdg_positioner'] },
    /* 2 */ { name: 'get_xdg_surface', since: 1, signature: 'no', args: ['id', 'surface'], types: ['xdg_surface', 'wl_surface'] },
    /* 3 */ { name: 'pong', since: 1, signature: 'u', args: ['serial'], types: [null] },
  ],
  events: [
    /* 0 */ { name: 'ping', since: 1, signature: 'u', args: ['serial'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      role: 0,
      defunct_surfaces: 1,
      not_the_topmost_popup: 2,
      invalid_popup_parent: 3,
      invalid_surface_state: 4,
      invalid_positioner: 5,
      unresponsive: 6,
    } },
  },
} as const satisfies InterfaceDesc;

export const xdg_positioner = {
  name: 'xdg_positioner',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 2 */ { name: 'set_anchor_rect', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 3 */ { name: 'set_anchor', since: 1, signature: 'u', args: ['anchor'], types: [null] },
    /* 4 */ { name: 'set_gravity', since: 1, signature: 'u', args: ['gravity'], types: [null] },
    /* 5 */ { name: 'set_constraint_adjustment', since: 1, signature: 'u', args: ['constraint_adjustment'], types: [null] },
    /* 6 */ { name: 'set_offset', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 7 */ { name: 'set_reactive', since: 3, signature: '', args: [], types: [] },
    /* 8 */ { name: 'set_parent_size', since: 3, signature: 'ii', args: ['parent_width', 'parent_height'], types: [null, null] },
    /* 9 */ { name: 'set_parent_configure', since: 3, signature: 'u', args: ['serial'], types: [null] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_input: 0 } },
    anchor: { bitfield: false, since: 1, entries: {
      none: 0,
      top: 1,
      bottom: 2,
      left: 3,
      right: 4,
      top_left: 5,
      bottom_left: 6,
      top_right: 7,
      bottom_right: 8,
    } },
    gravity: { bitfield: false, since: 1, entries: {
      none: 0,
      top: 1,
      bottom: 2,
      left: 3,
      right: 4,
      top_left: 5,
      bottom_left: 6,
      top_right: 7,
      bottom_right: 8,
    } },
    constraint_adjustment: { bitfield: true, since: 1, entries: {
      none: 0,
      slide_x: 1,
      slide_y: 2,
      flip_x: 4,
      flip_y: 8,
      resize_x: 16,
      resize_y: 32,
    } },
  },
} as const satisfies InterfaceDesc;

export const xdg_surface = {
  name: 'xdg_surface',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_toplevel', since: 1, signature: 'n', args: ['id'], types: ['xdg_toplevel'] },
    /* 2 */ { name: 'get_popup', since: 1, signature: 'n?oo', args: ['id', 'parent', 'positioner'], types: ['xdg_popup', 'xdg_surface', 'xdg_positioner'] },
    /* 3 */ { name: 'set_window_geometry', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 4 */ { name: 'ack_configure', since: 1, signature: 'u', args: ['serial'], types: [null] },
  ],
  events: [
    /* 0 */ { name: 'configure', since: 1, signature: 'u', args: ['serial'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      not_constructed: 1,
      already_constructed: 2,
      unconfigured_buffer: 3,
      invalid_serial: 4,
      invalid_size: 5,
      defunct_role_object: 6,
    } },
  },
} as const satisfies InterfaceDesc;

export const xdg_toplevel = {
  name: 'xdg_toplevel',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_parent', since: 1, signature: '?o', args: ['parent'], types: ['xdg_toplevel'] },
    /* 2 */ { name: 'set_title', since: 1, signature: 's', args: ['title'], types: [null] },
    /* 3 */ { name: 'set_app_id', since: 1, signature: 's', args: ['app_id'], types: [null] },
    /* 4 */ { name: 'show_window_menu', since: 1, signature: 'ouii', args: ['seat', 'serial', 'x', 'y'], types: ['wl_seat', null, null, null] },
    /* 5 */ { name: 'move', since: 1, signature: 'ou', args: ['seat', 'serial'], types: ['wl_seat', null] },
    /* 6 */ { name: 'resize', since: 1, signature: 'ouu', args: ['seat', 'serial', 'edges'], types: ['wl_seat', null, null] },
    /* 7 */ { name: 'set_max_size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 8 */ { name: 'set_min_size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 9 */ { name: 'set_maximized', since: 1, signature: '', args: [], types: [] },
    /* 10 */ { name: 'unset_maximized', since: 1, signature: '', args: [], types: [] },
    /* 11 */ { name: 'set_fullscreen', since: 1, signature: '?o', args: ['output'], types: ['wl_output'] },
    /* 12 */ { name: 'unset_fullscreen', since: 1, signature: '', args: [], types: [] },
    /* 13 */ { name: 'set_minimized', since: 1, signature: '', args: [], types: [] },
  ],
  events: [
    /* 0 */ { name: 'configure', since: 1, signature: 'iia', args: ['width', 'height', 'states'], types: [null, null, null] },
    /* 1 */ { name: 'close', since: 1, signature: '', args: [], types: [] },
    /* 2 */ { name: 'configure_bounds', since: 4, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 3 */ { name: 'wm_capabilities', since: 5, signature: 'a', args: ['capabilities'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      invalid_resize_edge: 0,
      invalid_parent: 1,
      invalid_size: 2,
    } },
    resize_edge: { bitfield: false, since: 1, entries: {
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
    state: { bitfield: false, since: 1, entries: {
      maximized: 1,
      fullscreen: 2,
      resizing: 3,
      activated: 4,
      tiled_left: 5,
      tiled_right: 6,
      tiled_top: 7,
      tiled_bottom: 8,
    } },
    wm_capabilities: { bitfield: false, since: 5, entries: {
      window_menu: 1,
      maximize: 2,
      fullscreen: 3,
      minimize: 4,
    } },
  },
} as const satisfies InterfaceDesc;

export const xdg_popup = {
  name: 'xdg_popup',
  version: 5,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'grab', since: 1, signature: 'ou', args: ['seat', 'serial'], types: ['wl_seat', null] },
    /* 2 */ { name: 'reposition', since: 3, signature: 'ou', args: ['positioner', 'token'], types: ['xdg_positioner', null] },
  ],
  events: [
    /* 0 */ { name: 'configure', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 1 */ { name: 'popup_done', since: 1, signature: '', args: [], types: [] },
    /* 2 */ { name: 'repositioned', since: 3, signature: 'u', args: ['token'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_grab: 0 } },
  },
} as const satisfies InterfaceDesc;
