// GENERATED FILE: do not edit by hand.
// Source: protocol/ext-data-control-v1.xml (protocol ext_data_control_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const ext_data_control_manager_v1 = {
  name: 'ext_data_control_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_data_source', since: 1, signature: 'n', args: ['id'], types: ['ext_data_control_source_v1'] },
    /* 1 */ { name: 'get_data_device', since: 1, signature: 'no', args: ['id', 'seat'], types: ['ext_data_control_device_v1', 'wl_seat'] },
    /* 2 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const ext_data_control_device_v1 = {
  name: 'ext_data_control_device_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_selection', since: 1, signature: '?o', args: ['source'], types: ['ext_data_control_source_v1'] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 2 */ { name: 'set_primary_selection', since: 1, signature: '?o', args: ['source'], types: ['ext_data_control_source_v1'] },
  ],
  events: [
    /* 0 */ { name: 'data_offer', since: 1, signature: 'n', args: ['id'], types: ['ext_data_control_offer_v1'] },
    /* 1 */ { name: 'selection', since: 1, signature: '?o', args: ['id'], types: ['ext_data_control_offer_v1'] },
    /* 2 */ { name: 'finished', since: 1, signature: '', args: [], types: [] },
    /* 3 */ { name: 'primary_selection', since: 1, signature: '?o', args: ['id'], types: ['ext_data_control_offer_v1'] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { used_source: 1 } },
  },
} as const satisfies InterfaceDesc;

export const ext_data_control_source_v1 = {
  name: 'ext_data_control_source_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'offer', since: 1, signature: 's', args: ['mime_type'], types: [null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'send', since: 1, signature: 'sh', args: ['mime_type', 'fd'], types: [null, null] },
    /* 1 */ { name: 'cancelled', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_offer: 1 } },
  },
} as const satisfies InterfaceDesc;

export const ext_data_control_offer_v1 = {
  name: 'ext_data_control_offer_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'receive', since: 1, signature: 'sh', args: ['mime_type', 'fd'], types: [null, null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'offer', since: 1, signature: 's', args: ['mime_type'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
