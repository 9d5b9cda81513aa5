// GENERATED FILE: do not edit by hand.
// Source: protocol/wlr-screencopy-unstable-v1.xml (protocol wlr_screencopy_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwlr_screencopy_manager_v1 = {
  name: 'zwlr_screencopy_manager_v1',
  version: 3,
  requests: [
    /* 0 */ { name: 'capture_output', since: 1, signature: 'nio', args: ['frame', 'overlay_cursor', 'output'], types: ['zwlr_screencopy_frame_v1', null, 'wl_output'] },
    /* 1 */ { name: 'capture_output_region', since: 1, signature: 'nioiiii', args: ['frame', 'overlay_cursor', 'output', 'x', 'y', 'width', 'height'], types: ['zwlr_screencopy_frame_v1', null, 'wl_output', null, null, null, null] },
    /* 2 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwlr_screencopy_frame_v1 = {
  name: 'zwlr_screencopy_frame_v1',
  version: 3,
  requests: [
    /* 0 */ { name: 'copy', since: 1, signature: 'o', args: ['buffer'], types: ['wl_buffer'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 2 */ { name: 'copy_with_damage', since: 2, signature: 'o', args: ['buffer'], types: ['wl_buffer'] },
  ],
  events: [
    /* 0 */ { name: 'buffer', since: 1, signature: 'uuuu', args: ['format', 'width', 'height', 'stride'], types: [null, null, null, null] },
    /* 1 */ { name: 'flags', since: 1, signature: 'u', args: ['flags'], types: [null] },
    /* 2 */ { name: 'ready', since: 1, signature: 'uuu', args: ['tv_sec_hi', 'tv_sec_lo', 'tv_nsec'], types: [null, null, null] },
    /* 3 */ { name: 'failed', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'damage', since: 2, signature: 'uuuu', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 5 */ { name: 'linux_dmabuf', since: 3, signature: 'uuu', args: ['format', 'width', 'height'], types: [null, null, null] },
    /* 6 */ { name: 'buffer_done', since: 3, signature: '', args: [], types: [] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { already_used: 0, invalid_buffer: 1 } },
    flags: { bitfield: true, since: 1, entries: { y_invert: 1 } },
  },
} as const satisfies InterfaceDesc;
