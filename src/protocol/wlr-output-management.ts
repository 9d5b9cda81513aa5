// GENERATED FILE: do not edit by hand.
// Source: protocol/wlr-output-management-unstable-v1.xml (protocol wlr_output_management_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwlr_output_manager_v1 = {
  name: 'zwlr_output_manager_v1',
  version: 2,
  requests: [
    /* 0 */ { name: 'create_configuration', since: 1, signature: 'nu', args: ['id', 'serial'], types: ['zwlr_output_configuration_v1', null] },
    /* 1 */ { name: 'stop', since: 1, signature: '', args: [], types: [] },
  ],
  events: [
    /* 0 */ { name: 'head', since: 1, signature: 'n', args: ['head'], types: ['zwlr_output_head_v1'] },
    /* 1 */ { name: 'done', since: 1, signature: 'u', args: ['serial'], types: [null] },
    /* 2 */ { name: 'finished', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwlr_output_head_v1 = {
  name: 'zwlr_output_head_v1',
  version: 2,
  requests: [],
  events: [
    /* 0 */ { name: 'name', since: 1, signature: 's', args: ['name'], types: [null] },
    /* 1 */ { name: 'description', since: 1, signature: 's', args: ['description'], types: [null] },
    /* 2 */ { name: 'physical_size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 3 */ { name: 'mode', since: 1, signature: 'n', args: ['mode'], types: ['zwlr_output_mode_v1'] },
    /* 4 */ { name: 'enabled', since: 1, signature: 'i', args: ['enabled'], types: [null] },
    /* 5 */ { name: 'current_mode', since: 1, signature: 'o', args: ['mode'], types: ['zwlr_output_mode_v1'] },
    /* 6 */ { name: 'position', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 7 */ { name: 'transform', since: 1, signature: 'i', args: ['transform'], types: [null] },
    /* 8 */ { name: 'scale', since: 1, signature: 'f', args: ['scale'], types: [null] },
    /* 9 */ { name: 'finished', since: 1, signature: '', args: [], types: [] },
    /* 10 */ { name: 'make', since: 2, signature: 's', args: ['make'], types: [null] },
    /* 11 */ { name: 'model', since: 2, signature: 's', args: ['model'], types: [null] },
    /* 12 */ { name: 'serial_number', since: 2, signature: 's', args: ['serial_number'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwlr_output_mode_v1 = {
  name: 'zwlr_output_mode_v1',
  version: 2,
  requests: [],
  events: [
    /* 0 */ { name: 'size', since: 1, signature: 'ii', args: ['width', 'height'], types: [null, null] },
    /* 1 */ { name: 'refresh', since: 1, signature: 'i', args: ['refresh'], types: [null] },
    /* 2 */ { name: 'preferred', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'finished', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwlr_output_configuration_v1 = {
  name: 'zwlr_output_configuration_v1',
  version: 2,
  requests: [
    /* 0 */ { name: 'enable_head', since: 1, signature: 'no', args: ['id', 'head'], types: ['zwlr_output_configuration_head_v1', 'zwlr_output_head_v1'] },
    /* 1 */ { name: 'disable_head', since: 1, signature: 'o', args: ['head'], types: ['zwlr_output_head_v1'] },
    /* 2 */ { name: 'apply', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'test', since: 1, signature: '', args: [], types: [] },
    /* 4 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'succeeded', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'failed', since: 1, signature: '', args: [], types: [] },
    /* 2 */ { name: 'cancelled', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      already_configured_head: 1,
      unconfigured_head: 2,
      already_used: 3,
    } },
  },
} as const satisfies InterfaceDesc;

export const zwlr_output_configuration_head_v1 = {
  name: 'zwlr_output_configuration_head_v1',
  version: 2,
  requests: [
    /* 0 */ { name: 'set_mode', since: 1, signature: 'o', args: ['mode'], types: ['zwlr_output_mode_v1'] },
    /* 1 */ { name: 'set_custom_mode', since: 1, signature: 'iii', args: ['width', 'height', 'refresh'], types: [null, null, null] },
    /* 2 */ { name: 'set_position', since: 1, signature: 'ii', args: ['x', 'y'], types: [null, null] },
    /* 3 */ { name: 'set_transform', since: 1, signature: 'i', args: ['transform'], types: [null] },
    /* 4 */ { name: 'set_scale', since: 1, signature: 'f', args: ['scale'], types: [null] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: {
      already_set: 1,
      invalid_mode: 2,
      invalid_custom_mode: 3,
      invalid_transform: 4,
      invalid_scale: 5,
    } },
  },
} as const satisfies InterfaceDesc;
