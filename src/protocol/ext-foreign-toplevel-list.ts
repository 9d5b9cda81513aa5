// GENERATED FILE: do not edit by hand.
// Source: protocol/ext-foreign-toplevel-list-v1.xml (protocol ext_foreign_toplevel_list_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const ext_foreign_toplevel_list_v1 = {
  name: 'ext_foreign_toplevel_list_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'stop', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'toplevel', since: 1, signature: 'n', args: ['toplevel'], types: ['ext_foreign_toplevel_handle_v1'] },
    /* 1 */ { name: 'finished', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const ext_foreign_toplevel_handle_v1 = {
  name: 'ext_foreign_toplevel_handle_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'closed', since: 1, signature: '', args: [], types: [] },
    /* 1 */ { name: 'done', since: 1, signature: '', args: [], types: [] },
    /* 2 */ { name: 'title', since: 1, signature: 's', args: ['title'], types: [null] },
    /* 3 */ { name: 'app_id', since: 1, signature: 's', args: ['app_id'], types: [null] },
    /* 4 */ { name: 'identifier', since: 1, signature: 's', args: ['identifier'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;
