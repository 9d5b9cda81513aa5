// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/xdg-foreign/xdg-foreign-unstable-v2.xml (protocol xdg_foreign_unstable_v2)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zxdg_exporter_v2 = {
  name: 'zxdg_exporter_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'export_toplevel', since: 1, signature: 'no', args: ['id', 'surface'], types: ['zxdg_exported_v2', 'wl_surface'] },
  ],
  events: [],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_surface: 0 } },
  },
} as const satisfies InterfaceDesc;

export const zxdg_importer_v2 = {
  name: 'zxdg_importer_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'import_toplevel', since: 1, signature: 'ns', args: ['id', 'handle'], types: ['zxdg_imported_v2', null] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zxdg_exported_v2 = {
  name: 'zxdg_exported_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [
    /* 0 */ { name: 'handle', since: 1, signature: 's', args: ['handle'], types: [null] },
  ],
  enums: {},
} as const satisfies InterfaceDesc;

export const zxdg_imported_v2 = {
  name: 'zxdg_imported_v2',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'set_parent_of', since: 1, signature: 'o', args: ['surface'], types: ['wl_surface'] },
  ],
  events: [
    /* 0 */ { name: 'destroyed', since: 1, signature: '', args: [], types: [] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_surface: 0 } },
  },
} as const satisfies InterfaceDesc;
