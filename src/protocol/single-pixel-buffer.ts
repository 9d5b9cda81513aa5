// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/staging/single-pixel-buffer/single-pixel-buffer-v1.xml (protocol single_pixel_buffer_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wp_single_pixel_buffer_manager_v1 = {
  name: 'wp_single_pixel_buffer_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'create_u32_rgba_buffer', since: 1, signature: 'nuuuu', args: ['id', 'r', 'g', 'b', 'a'], types: ['wl_buffer', null, null, null, null] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;
