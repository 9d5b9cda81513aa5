// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/primary-selection/primary-selection-unstable-v1.xml (protocol wp_primary_selection_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_primary_selection_device_manager_v1 = {
  name: 'zwp_primary_selection_device_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'create_source', since: 1, signature: 'n', args: ['id'], types: ['zwp_primary_selection_source_v1'] },
    /* 1 */ { name: 'get_device', since: 1, signature: 'no', args: ['id', 'seat'], types: ['zwp_primary_selection_device_v1', 'wl_seat'] },
    /* 2 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_primary_selection_device_v1 = {
  name: 'zwp_primary_selection_device_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'set_selection', since: 1, signature: '?ou', args: ['source', 'serial'], types: ['zwp_primary_selection_source_v1', null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'data_offer', since: 1, signature: 'n', args: ['offer'], types: ['zwp_primary_selection_offer_v1'] },
    /* 1 */ { name: 'selection', since: 1, signature: '?o', args: ['id'], types: ['zwp_primary_selection_offer_v1'] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_primary_selection_offer_v1 = {
  name: 'zwp_primary_selection_offer_v1',
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

export const zwp_primary_selection_source_v1 = {
  name: 'zwp_primary_selection_source_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'offer', since: 1, signature: 's', args: ['mime_type'], types: [null] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'send', since: 1, signature: 'sh', args: ['mime_type', 'fd'], types: [null, null] },
    /* 1 */ { name: 'cancelled', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
