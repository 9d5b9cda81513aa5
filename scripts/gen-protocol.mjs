#!/usr/bin/env node
// Generates src/protocol/{wayland,xdg-shell,xdg-output,wlr-screencopy,wlr-data-control,
// virtual-keyboard,wlr-virtual-pointer,xdg-activation,primary-selection,wlr-layer-shell,
// wlr-output-management,xdg-decoration,viewporter,presentation-time,
// single-pixel-buffer,xdg-foreign,relative-pointer,pointer-constraints,fractional-scale,
// idle-inhibit,tablet,cursor-shape,ext-data-control,ext-foreign-toplevel-list,
// ext-image-capture-source,ext-image-copy-capture}.ts from
// the protocol XML: facts only (names, versions, opcodes = array order,
// argument types, enum values), never description text.
//
//   node scripts/gen-protocol.mjs           write the files
//   node scripts/gen-protocol.mjs --check   exit 1 if a committed file is stale
//
// Signatures follow libwayland's wl_message: i u f s o n a h, '?' before a
// nullable s/o/n/a (allow-null="true"). The `since` version is kept in its
// own field, not prefixed to the signature. A new_id without an interface
// attribute (wl_registry.bind) is expanded to "sun" (interface name, version,
// id) with the argument names 'interface', 'version' and the arg's own name.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = 'scripts/gen-protocol.mjs';

const PROTOCOLS = [
  { xml: '/usr/share/wayland/wayland.xml', out: 'src/protocol/wayland.ts' },
  { xml: '/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml', out: 'src/protocol/xdg-shell.ts' },
  {
    xml: '/usr/share/wayland-protocols/unstable/xdg-output/xdg-output-unstable-v1.xml',
    out: 'src/protocol/xdg-output.ts',
  },
  { xml: join(root, 'protocol/wlr-screencopy-unstable-v1.xml'), out: 'src/protocol/wlr-screencopy.ts' },
  { xml: join(root, 'protocol/wlr-data-control-unstable-v1.xml'), out: 'src/protocol/wlr-data-control.ts' },
  { xml: join(root, 'protocol/virtual-keyboard-unstable-v1.xml'), out: 'src/protocol/virtual-keyboard.ts' },
  { xml: join(root, 'protocol/wlr-virtual-pointer-unstable-v1.xml'), out: 'src/protocol/wlr-virtual-pointer.ts' },
  { xml: '/usr/share/wayland-protocols/staging/xdg-activation/xdg-activation-v1.xml', out: 'src/protocol/xdg-activation.ts' },
  {
    xml: '/usr/share/wayland-protocols/unstable/primary-selection/primary-selection-unstable-v1.xml',
    out: 'src/protocol/primary-selection.ts',
  },
  { xml: join(root, 'protocol/wlr-layer-shell-unstable-v1.xml'), out: 'src/protocol/wlr-layer-shell.ts' },
  { xml: join(root, 'protocol/wlr-output-management-unstable-v1.xml'), out: 'src/protocol/wlr-output-management.ts' },
  {
    xml: '/usr/share/wayland-protocols/unstable/xdg-decoration/xdg-decoration-unstable-v1.xml',
    out: 'src/protocol/xdg-decoration.ts',
  },
  { xml: '/usr/share/wayland-protocols/stable/viewporter/viewporter.xml', out: 'src/protocol/viewporter.ts' },
  {
    xml: '/usr/share/wayland-protocols/stable/presentation-time/presentation-time.xml',
    out: 'src/protocol/presentation-time.ts',
  },
  {
    xml: '/usr/share/wayland-protocols/staging/single-pixel-buffer/single-pixel-buffer-v1.xml',
    out: 'src/protocol/single-pixel-buffer.ts',
  },
  { xml: '/usr/share/wayland-protocols/unstable/xdg-foreign/xdg-foreign-unstable-v2.xml', out: 'src/protocol/xdg-foreign.ts' },
  {
    xml: '/usr/share/wayland-protocols/unstable/relative-pointer/relative-pointer-unstable-v1.xml',
    out: 'src/protocol/relative-pointer.ts',
  },
  {
    xml: '/usr/share/wayland-protocols/unstable/pointer-constraints/pointer-constraints-unstable-v1.xml',
    out: 'src/protocol/pointer-constraints.ts',
  },
  {
    xml: '/usr/share/wayland-protocols/staging/fractional-scale/fractional-scale-v1.xml',
    out: 'src/protocol/fractional-scale.ts',
  },
  {
    xml: '/usr/share/wayland-protocols/unstable/idle-inhibit/idle-inhibit-unstable-v1.xml',
    out: 'src/protocol/idle-inhibit.ts',
  },
  // Not served: cursor-shape's get_tablet_tool_v2 names zwp_tablet_tool_v2.
  { xml: '/usr/share/wayland-protocols/unstable/tablet/tablet-unstable-v2.xml', out: 'src/protocol/tablet.ts' },
  { xml: join(root, 'protocol/cursor-shape-v1.xml'), out: 'src/protocol/cursor-shape.ts' },
  { xml: join(root, 'protocol/ext-data-control-v1.xml'), out: 'src/protocol/ext-data-control.ts' },
  // Not served: ext-image-capture-source's toplevel source manager names ext_foreign_toplevel_handle_v1.
  { xml: join(root, 'protocol/ext-foreign-toplevel-list-v1.xml'), out: 'src/protocol/ext-foreign-toplevel-list.ts' },
  { xml: join(root, 'protocol/ext-image-capture-source-v1.xml'), out: 'src/protocol/ext-image-capture-source.ts' },
  { xml: join(root, 'protocol/ext-image-copy-capture-v1.xml'), out: 'src/protocol/ext-image-copy-capture.ts' },
];

const TYPE_CHARS = {
  int: 'i',
  uint: 'u',
  fixed: 'f',
  string: 's',
  object: 'o',
  new_id: 'n',
  array: 'a',
  fd: 'h',
};
const NULLABLE = new Set(['string', 'object', 'new_id', 'array']);
const LISTS = new Set(['interface', 'request', 'event', 'arg', 'enum', 'entry']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && LISTS.has(name),
});

function fail(where, msg) {
  throw new Error(`${where}: ${msg}`);
}

function positiveInt(where, text, dflt) {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) fail(where, `bad version "${text}"`);
  return n;
}

function boolAttr(where, text) {
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  return fail(where, `bad boolean "${text}"`);
}

function parseMessage(ifaceName, ifaceVersion, kind, m) {
  const name = m['@_name'];
  const where = `${ifaceName}.${name ?? '?'} (${kind})`;
  if (!name) fail(where, 'message without name');
  const since = positiveInt(where, m['@_since'], 1);
  if (since > ifaceVersion) fail(where, `since ${since} > interface version ${ifaceVersion}`);
  let signature = '';
  const args = [];
  const types = [];
  for (const a of m.arg ?? []) {
    const argName = a['@_name'];
    const type = a['@_type'];
    const aw = `${where} arg ${argName ?? '?'}`;
    if (!argName) fail(aw, 'arg without name');
    const ch = TYPE_CHARS[type];
    if (!ch) fail(aw, `unknown type "${type}"`);
    const nullable = boolAttr(aw, a['@_allow-null']);
    if (nullable && !NULLABLE.has(type)) fail(aw, `allow-null on ${type}`);
    const iface = a['@_interface'];
    if (iface !== undefined && type !== 'object' && type !== 'new_id') fail(aw, `interface on ${type}`);
    if (type === 'new_id' && iface === undefined) {
      // Untyped new_id: libwayland puts the interface name and version on
      // the wire before the id.
      if (nullable) fail(aw, 'nullable untyped new_id');
      signature += 'sun';
      args.push('interface', 'version', argName);
      types.push(null, null, null);
      continue;
    }
    signature += (nullable ? '?' : '') + ch;
    args.push(argName);
    types.push(iface ?? null);
  }
  if (new Set(args).size !== args.length) fail(where, 'duplicate argument names');
  const msg = { name, since, signature, args, types };
  const t = m['@_type'];
  if (t === 'destructor') msg.destructor = true;
  else if (t !== undefined) fail(where, `unknown message type "${t}"`);
  return msg;
}

function parseEnum(ifaceName, e) {
  const name = e['@_name'];
  const where = `${ifaceName}.${name ?? '?'} (enum)`;
  if (!name) fail(where, 'enum without name');
  const entries = {};
  for (const en of e.entry ?? []) {
    const en_name = en['@_name'];
    const v = en['@_value'];
    if (!en_name) fail(where, 'entry without name');
    if (Object.hasOwn(entries, en_name)) fail(where, `duplicate entry ${en_name}`);
    const n = Number(v);
    if (typeof v !== 'string' || !/^(0x[0-9a-fA-F]+|\d+)$/.test(v) || !Number.isInteger(n) || n > 0xffffffff) {
      fail(where, `entry ${en_name}: bad value "${v}"`);
    }
    entries[en_name] = n;
  }
  return {
    name,
    desc: {
      bitfield: boolAttr(where, e['@_bitfield']),
      since: positiveInt(where, e['@_since'], 1),
      entries,
    },
  };
}

export function parseProtocol(xmlText) {
  const doc = parser.parse(xmlText);
  const proto = doc.protocol;
  if (!proto || !proto['@_name']) throw new Error('no <protocol name=...>');
  const interfaces = [];
  for (const i of proto.interface ?? []) {
    const name = i['@_name'];
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(String(name), 'bad interface name');
    const version = positiveInt(name, i['@_version'], undefined);
    if (version === undefined) fail(name, 'interface without version');
    const requests = (i.request ?? []).map((m) => parseMessage(name, version, 'request', m));
    const events = (i.event ?? []).map((m) => parseMessage(name, version, 'event', m));
    for (const [kind, list] of [['request', requests], ['event', events]]) {
      if (new Set(list.map((m) => m.name)).size !== list.length) fail(name, `duplicate ${kind} names`);
    }
    const enums = {};
    for (const e of i.enum ?? []) {
      const { name: en, desc } = parseEnum(name, e);
      if (Object.hasOwn(enums, en)) fail(name, `duplicate enum ${en}`);
      enums[en] = desc;
    }
    interfaces.push({ name, version, requests, events, enums });
  }
  return { name: proto['@_name'], interfaces };
}

// ---- emitting ----

const str = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (s) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : str(s));
const hex = (n) => (n > 0xffff ? `0x${n.toString(16)}` : String(n));

function emitMessage(m, opcode) {
  const parts = [
    `name: ${str(m.name)}`,
    `since: ${m.since}`,
    `signature: ${str(m.signature)}`,
    `args: [${m.args.map(str).join(', ')}]`,
    `types: [${m.types.map((t) => (t === null ? 'null' : str(t))).join(', ')}]`,
  ];
  if (m.destructor) parts.push('destructor: true');
  return `    /* ${opcode} */ { ${parts.join(', ')} },`;
}

function emitInterface(i) {
  const out = [];
  out.push(`export const ${i.name} = {`);
  out.push(`  name: ${str(i.name)},`);
  out.push(`  version: ${i.version},`);
  for (const kind of ['requests', 'events']) {
    const list = i[kind];
    if (list.length === 0) {
      out.push(`  ${kind}: [],`);
      continue;
    }
    out.push(`  ${kind}: [`);
    list.forEach((m, op) => out.push(emitMessage(m, op)));
    out.push('  ],');
  }
  const enumNames = Object.keys(i.enums);
  if (enumNames.length === 0) {
    out.push('  enums: {},');
  } else {
    out.push('  enums: {');
    for (const en of enumNames) {
      const e = i.enums[en];
      const entries = Object.entries(e.entries);
      const head = `    ${key(en)}: { bitfield: ${e.bitfield}, since: ${e.since}, entries: {`;
      const body = entries.map(([k, v]) => `${key(k)}: ${hex(v)}`);
      const oneLine = `${head} ${body.join(', ')} } },`;
      if (oneLine.length <= 110) {
        out.push(oneLine);
      } else {
        out.push(head);
        for (const b of body) out.push(`      ${b},`);
        out.push('    } },');
      }
    }
    out.push('  },');
  }
  out.push('} as const satisfies InterfaceDesc;');
  return out.join('\n');
}

export function emitFile(proto, xmlPath) {
  const src = xmlPath.startsWith(root) ? relative(root, xmlPath) : xmlPath;
  const header = [
    `// GENERATED FILE: do not edit by hand.`,
    `// Source: ${src} (protocol ${proto.name})`,
    `// Generator: ${SCRIPT} (facts only: names, versions, opcodes = array`,
    `// index, signatures, interface types, enum values; no description text).`,
    '',
    "import type { InterfaceDesc } from './types.js';",
    '',
  ];
  return header.join('\n') + '\n' + proto.interfaces.map(emitInterface).join('\n\n') + '\n';
}

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const p of PROTOCOLS) {
    if (!existsSync(p.xml)) {
      console.error(`missing ${p.xml} (Debian packages libwayland-dev, wayland-protocols)`);
      process.exit(2);
    }
    const text = emitFile(parseProtocol(readFileSync(p.xml, 'utf8')), p.xml);
    const outPath = join(root, p.out);
    const old = existsSync(outPath) ? readFileSync(outPath, 'utf8') : null;
    if (old === text) continue;
    if (check) {
      console.error(`stale: ${p.out} (run node ${SCRIPT})`);
      stale++;
    } else {
      writeFileSync(outPath, text);
      console.log(`wrote ${p.out}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
