// GENERATED FILE: do not edit by hand.
// Source: protocol/ext-image-copy-capture-v1.xml (protocol ext_image_copy_capture_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const ext_image_copy_capture_manager_v1 = {
  name: 'ext_image_copy_capture_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_session', since: 1, signature: 'nou', args: ['session', 'source', 'options'], types: ['ext_image_copy_capture_session_v1', 'ext_image_capture_source_v1', null] },
    /* 1 */ { name: 'create_pointer_cursor_session', since: 1, signature: 'noo', args: ['session', 'source', 'pointer'], types: ['ext_image_copy_capture_cursor_session_v1', 'ext_image_capture_source_v1', 'wl_pointer'] },
    /* 2 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_option: 1 } },
    options: { bitfield: true, since: 1, entries: { paint_cursors: 1 } },
  },
} as const satisfies InterfaceDesc;

export const ext_image_copy_capture_session_v1 = {
  name: 'ext_image_copy_capture_session_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_frame', since: 1, signature: 'n', args: ['frame'], types: ['ext_image_copy_capture_frame_v1'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'buffer_size', since: 1, signature: 'uu', args: ['width', 'height'], types: [null, null] },
    /* 1 */ { name: 'shm_format', since: 1, signature: 'u', args: ['format'], types: [null] },
    /* 2 */ { name: 'dmabuf_device', since: 1, signature: 'a', args: ['device'], types: [null] },
    /* 3 */ { name: 'dmabuf_format', since: 1, signature: 'ua', args: ['format', 'modifiers'], types: [null, null] },
    /* 4 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 5 */ { name: 'stopped', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { duplicate_frame: 1 } },
  },
} as const satisfies InterfaceDesc;

export const ext_image_copy_capture_frame_v1 = {
  name: 'ext_image_copy_capture_frame_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'attach_buffer', since: 1, signature: 'o', args: ['buffer'], types: ['wl_buffer'] },
    /* 2 */ { name: 'damage_buffer', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 3 */ { name: 'capture', since: 1, signature: '', args: [], types: [] },
  ],
  events: [
    /* 0 */ { name: 'transform', since: 1, signature: 'u', args: ['transform'], types: [null] },
    /* 1 */ { name: 'damage', since: 1, signature: 'iiii', args: ['x', 'y', 'width', 'height'], types: [null, null, null, null] },
    /* 2 */ { name: 'presentation_time', since: 1, signature: 'uuu', args: ['tv_sec_hi', 'tv_sec_lo', 'tv_nsec'], types: [null, null, null] },
    /* 3 */ { name: 'ready', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'failed', since: 1, signature: 'u', args: ['reason'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      no_buffer: 1,
      invalid_buffer_damage: 2,
      already_captured: 3,
    } },
    failure_reason: { bitfield: false, since: 1, entries: { unknown: 0, buffer_constraints: 1, stopped: 2 } },
  },
} as const satisfies InterfaceDesc;

export const ext_image_copy_capture_cursor_session_v1 = {
  name: 'ext_image_copy_capture_cursor_session_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'get_capture_session', since: 1, signature: 'n', args: ['session'], types: ['ext_image_copy_capture_session_v1'] },
  ],
  events: [
    /* 0 */ { name: 'enter', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'leave', since: 1, signature: '', args: [], types: [] },
    /* 2 */ { name: 'position', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 3 */ { name: 'hotspot', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { duplicate_session: 1 } },
  },
} as const satisfies InterfaceDesc;
