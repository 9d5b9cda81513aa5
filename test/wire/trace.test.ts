// WAYLAND_DEBUG lines against samples printed by libwayland 1.21 itself
// (weston 10 + wayland-info / weston-simple-shm, and a client marshalling a
// test message with every argument type), byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageDesc } from '../../src/protocol/types.js';
import { WireWriter, decode, encode, type WireValue } from '../../src/wire/codec.js';
import { formatFixed, formatTrace, traceTimestamp, tracingEnabled } from '../../src/wire/trace.js';

function msg(name: string, signature: string, types: (string | null)[]): MessageDesc {
  return { name, since: 1, signature, args: types.map((_, i) => `a${i}`), types };
}

const get_registry = msg('get_registry', 'n', ['wl_registry']);
const global = msg('global', 'usu', [null, null, null]);
const bind = msg('bind', 'usun', [null, null, null, null]);
const get_xdg_output = msg('get_xdg_output', 'no', ['zxdg_output_v1', 'wl_output']);
const create_pool = msg('create_pool', 'nhi', ['wl_shm_pool', null, null]);
const configure = msg('configure', 'iia', [null, null, null]);
const enter = msg('enter', 'o', ['wl_output']);
const attach = msg('attach', '?oii', ['wl_buffer', null, null]);
const commit = msg('commit', '', []);
const delete_id = msg('delete_id', 'u', [null]);
const everything = msg('test', 'fffff?s?oiuau', Array<null>(11).fill(null));

// µs timestamps of the samples ("[2417437.262]" = 2417437262 µs mod 2^32).
const at = (stamp: string): number => Number(stamp.replace('.', ''));

const samples: [string, string, number, MessageDesc, WireValue[], 'send' | 'receive'][] = [
  ['[2417437.262]  -> wl_display@1.get_registry(new id wl_registry@2)', 'wl_display', 1, get_registry, [2], 'send'],
  ['[2417437.446] wl_display@1.delete_id(3)', 'wl_display', 1, delete_id, [3], 'receive'],
  ['[2417437.452] wl_registry@2.global(1, "wl_compositor", 4)', 'wl_registry', 2, global, [1, 'wl_compositor', 4], 'receive'],
  [
    '[2417437.464]  -> wl_registry@2.bind(4, "zxdg_output_manager_v1", 2, new id [unknown]@4)',
    'wl_registry', 2, bind, [4, 'zxdg_output_manager_v1', 2, 4], 'send',
  ],
  [
    '[2415521.096] wl_registry@2.bind(6, "zwp_relative_pointer_manager_v1", 1, new id [unknown]@7)',
    'wl_registry', 2, bind, [6, 'zwp_relative_pointer_manager_v1', 1, 7], 'receive',
  ],
  [
    '[2417437.485]  -> zxdg_output_manager_v1@4.get_xdg_output(new id zxdg_output_v1@8, wl_output@7)',
    'zxdg_output_manager_v1', 4, get_xdg_output, [8, 7], 'send',
  ],
  ['[2417440.489]  -> wl_shm@5.create_pool(new id wl_shm_pool@9, fd 5, 250000)', 'wl_shm', 5, create_pool, [9, 5, 250000], 'send'],
  ['[2415550.760] wl_shm@10.create_pool(new id wl_shm_pool@16, fd 20, 576000)', 'wl_shm', 10, create_pool, [16, 20, 576000], 'receive'],
  ['[2417440.402] xdg_toplevel@8.configure(0, 0, array[0])', 'xdg_toplevel', 8, configure, [0, 0, new Uint8Array(0)], 'receive'],
  ['[2415578.111]  -> wl_surface@15.enter(wl_output@13)', 'wl_surface', 15, enter, [13], 'send'],
  ['[2417440.641]  -> wl_surface@3.attach(wl_buffer@10, 0, 0)', 'wl_surface', 3, attach, [10, 0, 0], 'send'],
  ['[2417440.346]  -> wl_surface@3.commit()', 'wl_surface', 3, commit, [], 'send'],
  [
    '[2436810.465]  -> fake_iface@2.test(-1.50000000, -0.00390625, -8388608.00000000, 8388607.99609375, 3.25000000, nil, nil, -2147483648, 4294967295, array[5], 5)',
    'fake_iface', 2, everything, [-1.5, -0.00390625, -8388608, 8388607.99609375, 3.25, null, 0, -2147483648, 4294967295, new Uint8Array(5), 5], 'send',
  ],
];

test('lines match libwayland 1.21 output exactly', () => {
  for (const [line, iface, id, desc, args, dir] of samples) {
    const stamp = line.slice(1, line.indexOf(']'));
    assert.equal(formatTrace(iface, id, desc, args, dir, { timeUs: at(stamp) }), line);
  }
});

test('decoded arguments trace the same as the originals', () => {
  const w = new WireWriter();
  const args = samples[12]![4];
  encode(w, 2, 0, everything, args);
  const out: WireValue[] = [];
  const err = decode(everything, w.bytes.subarray(8), { shift: () => undefined }, { sender: 'client', lookup: () => undefined }, out);
  assert.equal(err, undefined);
  assert.equal(formatTrace('fake_iface', 2, everything, out, 'send', { timeUs: at('2436810.465') }), samples[12]![0]);
});

test('object names come from the object, then the declared type, then [unknown]', () => {
  const error = msg('error', 'ous', [null, null, null]);
  const t = { timeUs: 1_000_000 };
  assert.equal(
    formatTrace('wl_display', 1, error, [3, 2, 'bad'], 'send', { ...t, objectInterface: (i) => (i === 3 ? 'wl_surface' : undefined) }),
    '[   1000.000]  -> wl_display@1.error(wl_surface@3, 2, "bad")',
  );
  assert.equal(formatTrace('wl_display', 1, error, [3, 2, 'bad'], 'send', t), '[   1000.000]  -> wl_display@1.error([unknown]@3, 2, "bad")');
  assert.equal(formatTrace('wl_surface', 3, attach, [0, 1, -1], 'receive', t), '[   1000.000] wl_surface@3.attach(nil, 1, -1)');
  assert.equal(
    formatTrace('x', 4294967295, msg('m', '?n?s', [null, null]), [0, ''], 'receive', t),
    '[   1000.000] x@4294967295.m(new id [unknown]@nil, "")',
  );
  assert.equal(
    formatTrace('wl_callback', 3, delete_id, [0], 'receive', { ...t, discarded: true }),
    '[   1000.000] discarded wl_callback@3.delete_id(0)',
  );
});

test('timestamp: %7u.%03u of 32-bit microseconds', () => {
  assert.equal(traceTimestamp(0), '[      0.000]');
  assert.equal(traceTimestamp(1234567890), '[1234567.890]');
  assert.equal(traceTimestamp(4294967295), '[4294967.295]');
  assert.equal(traceTimestamp(4294967296 + 5), '[      0.005]');
  assert.equal(traceTimestamp(1_700_000_000_123_456), `[${String(Math.floor((1_700_000_000_123_456 % 4294967296) / 1000)).padStart(7)}.${String(1_700_000_000_123_456 % 4294967296 % 1000).padStart(3, '0')}]`);
  assert.match(traceTimestamp(), /^\[[ 0-9]{7,}\.[0-9]{3}\]$/);
});

test('fixed: exact %d.%08d', () => {
  assert.equal(formatFixed(0), '0.00000000');
  assert.equal(formatFixed(1), '1.00000000');
  assert.equal(formatFixed(0.00390625), '0.00390625');
  assert.equal(formatFixed(-0.00390625), '-0.00390625');
  assert.equal(formatFixed(-1.5), '-1.50000000');
  assert.equal(formatFixed(-256.99609375), '-256.99609375');
  assert.equal(formatFixed(123.5), '123.50000000');
});

test('tracingEnabled reads WAYLAND_DEBUG as libwayland does (strstr)', () => {
  assert.equal(tracingEnabled('server', undefined), false);
  assert.equal(tracingEnabled('client', undefined), false);
  assert.equal(tracingEnabled('server', '1'), true);
  assert.equal(tracingEnabled('client', '1'), true);
  assert.equal(tracingEnabled('server', 'server'), true);
  assert.equal(tracingEnabled('client', 'server'), false);
  assert.equal(tracingEnabled('client', 'client'), true);
  assert.equal(tracingEnabled('server', 'client'), false);
  assert.equal(tracingEnabled('server', 'client,server'), true);
  assert.equal(tracingEnabled('server', '0'), false);
  assert.equal(tracingEnabled('server', ''), false);
  const saved = process.env.WAYLAND_DEBUG;
  try {
    process.env.WAYLAND_DEBUG = 'server';
    assert.equal(tracingEnabled('server'), true);
    assert.equal(tracingEnabled('client'), false);
  } finally {
    if (saved === undefined) delete process.env.WAYLAND_DEBUG;
    else process.env.WAYLAND_DEBUG = saved;
  }
});
