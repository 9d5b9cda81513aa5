// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/staging/xdg-activation/xdg-activation-v1.xml (protocol xdg_activation_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const xdg_activation_v1 = {
  name: 'xdg_activation_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_activation_token', since: 1, signature: 'n', args: ['id'], types: ['xdg_activation_token_v1'] },
    /* 2 */ { name: 'activate', since: 1, signature: 'so', args: ['token', 'surface'], types: [null, 'wl_surface'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const xdg_activation_token_v1 = {
  name: 'xdg_activation_token_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_serial', since: 1, signature: 'uo', args: ['serial', 'seat'], types: [null, 'wl_seat'] },
    /* 1 */ { name: 'set_app_id', since: 1, signature: 's', args: ['app_id'], types: [null] },
    /* 2 */ { name: 'set_surface', since: 1, signature: 'o', args: ['surface'], types: ['wl_surface'] },
    /* 3 */ { name: 'commit', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'done', since: 1, signature: 's', args: ['token'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { already_used: 0 } },
  },
} as const satisfies InterfaceDesc;
