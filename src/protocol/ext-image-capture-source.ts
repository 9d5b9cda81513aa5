// GENERATED FILE: do not edit by hand.
// Source: protocol/ext-image-capture-source-v1.xml (protocol ext_image_capture_source_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const ext_image_capture_source_v1 = {
  name: 'ext_image_capture_source_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const ext_output_image_capture_source_manager_v1 = {
  name: 'ext_output_image_capture_source_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_source', since: 1, signature: 'no', args: ['source', 'output'], types: ['ext_image_capture_source_v1', 'wl_output'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const ext_foreign_toplevel_image_capture_source_manager_v1 = {
  name: 'ext_foreign_toplevel_image_capture_source_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_source', since: 1, signature: 'no', args: ['source', 'toplevel_handle'], types: ['ext_image_capture_source_v1', 'ext_foreign_toplevel_handle_v1'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;
