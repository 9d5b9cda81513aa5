// The wire codec: round trips for every argument type, the exact bytes of a
// known message, size limits, and every malformed-input error kind (with the
// wl_display.error code it maps to, as libwayland-server 1.21 does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageDesc } from '../../src/protocol/types.js';
import {
  CLIENT_ID_MAX,
  DISPLAY_ERROR_FOR,
  DisplayError,
  HEADER_SIZE,
  MAX_FDS_PER_MESSAGE,
  MAX_MESSAGE_SIZE,
  SERVER_ID_MIN,
  WireEncodeError,
  WireError,
  WireWriter,
  checkMessageSize,
  decode,
  doubleToFixed,
  encode,
  fixedToDouble,
  headerObjectId,
  headerOpcode,
  headerSize,
  type DecodeContext,
  type WireErrorKind,
  type WireValue,
} from '../../src/wire/codec.js';

function msg(name: string, signature: string, types: (string | null)[] = [], args: string[] = []): MessageDesc {
  const n = signature.replace(/[?0-9]/g, '').length;
  return {
    name,
    since: 1,
    signature,
    args: args.length ? args : Array.from({ length: n }, (_, i) => `a${i}`),
    types: types.length ? types : Array.from({ length: n }, () => null),
  };
}

const attach = msg('attach', '?oii', ['wl_buffer', null, null], ['buffer', 'x', 'y']);
const frame = msg('frame', 'n', ['wl_callback'], ['callback']);
const global = msg('global', 'usu', [], ['name', 'interface', 'version']);
const bind = msg('bind', 'usun', [null, null, null, null], ['name', 'interface', 'version', 'id']);

class Ctx implements DecodeContext {
  readonly objects = new Map<number, string | null>();
  constructor(readonly sender: 'client' | 'server', entries: [number, string | null][] = []) {
    for (const [id, iface] of entries) this.objects.set(id, iface);
  }
  lookup(id: number): string | null | undefined {
    return this.objects.get(id);
  }
}

const serverSide = (): Ctx =>
  new Ctx('client', [
    [1, 'wl_display'],
    [3, 'wl_surface'],
    [10, 'wl_buffer'],
    [12, null], // zombie
  ]);

/** Little-endian body builder, independent of the encoder. */
class Body {
  private readonly bytes: number[] = [];
  u32(v: number): this {
    v >>>= 0;
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    return this;
  }
  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  str(s: string): this {
    const b = [...Buffer.from(s + '\0', 'utf8')];
    this.u32(b.length).raw(...b);
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }
  get(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function fdQueue(fds: number[]): { shift(): number | undefined; rest: number[] } {
  const rest = [...fds];
  return { rest, shift: () => rest.shift() };
}

/** Encodes one message, returns its body (after the header) and fds. */
function encodeBody(desc: MessageDesc, args: WireValue[]): { body: Uint8Array; fds: number[]; size: number } {
  const w = new WireWriter();
  const size = encode(w, 3, 0, desc, args);
  return { body: w.bytes.slice(HEADER_SIZE), fds: [...w.fds], size };
}

function roundTrip(desc: MessageDesc, args: WireValue[], ctx: DecodeContext = serverSide()): WireValue[] {
  const { body, fds } = encodeBody(desc, args);
  const out: WireValue[] = [];
  const err = decode(desc, body, fdQueue(fds), ctx, out);
  assert.equal(err, undefined, err?.message);
  return out;
}

function decodeErr(desc: MessageDesc, body: Uint8Array, ctx: DecodeContext = serverSide(), fds: number[] = []): WireError {
  const err = decode(desc, body, fdQueue(fds), ctx, []);
  assert.ok(err instanceof WireError, `expected a WireError for ${desc.name}(${desc.signature})`);
  return err;
}

function expectKind(err: WireError, kind: WireErrorKind, argIndex?: number): void {
  assert.equal(err.kind, kind, err.message);
  assert.equal(err.displayError, DISPLAY_ERROR_FOR[kind]);
  assert.equal(err.code, 'ERR_NOSIGBUS_WIRE_PROTOCOL');
  if (argIndex !== undefined) assert.equal(err.argIndex, argIndex);
}

// ------------------------------------------------------------ round trips

test('int32 and uint32 extremes round-trip', () => {
  const d = msg('ints', 'iiiuuu');
  const args = [-2147483648, 2147483647, 0, 0, 4294967295, 0x80000000];
  assert.deepEqual(roundTrip(d, args), args);
});

test('fixed values round-trip, negatives included', () => {
  const d = msg('fixed', 'ffffffff');
  const args = [0, 1, -1.5, -0.00390625, 0.00390625, 3.25, 8388607.99609375, -8388608];
  assert.deepEqual(roundTrip(d, args), args);
  // Raw wire values.
  const { body } = encodeBody(msg('f', 'f'), [-1.5]);
  assert.deepEqual([...body], [0x80, 0xfe, 0xff, 0xff]); // -384
  const one = encodeBody(msg('f', 'f'), [-0.00390625]).body;
  assert.deepEqual([...one], [0xff, 0xff, 0xff, 0xff]); // -1
});

test('fixed helpers', () => {
  assert.equal(doubleToFixed(-1.5), -384);
  assert.equal(doubleToFixed(-0.00390625), -1);
  assert.equal(doubleToFixed(1 / 1024), 0); // rounds to nearest
  assert.equal(doubleToFixed(3 / 1024), 1);
  assert.equal(doubleToFixed(8388607.99609375), 0x7fffffff);
  assert.equal(doubleToFixed(-8388608), -0x80000000);
  assert.throws(() => doubleToFixed(8388608), WireEncodeError);
  assert.throws(() => doubleToFixed(Number.NaN), WireEncodeError);
  assert.equal(fixedToDouble(-384), -1.5);
  assert.equal(fixedToDouble(0x7fffffff), 8388607.99609375);
  assert.equal(fixedToDouble(-1), -0.00390625);
});

test('empty string and null string are different', () => {
  const d = msg('strs', '?s?ss');
  assert.deepEqual(roundTrip(d, [null, '', 'x']), [null, '', 'x']);
  const { body } = encodeBody(d, [null, '', 'x']);
  // null: length 0, no bytes; "": length 1 (the NUL), padded to 4.
  assert.deepEqual([...body], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x78, 0, 0, 0]);
  assert.throws(() => encodeBody(msg('s', 's'), [null]), WireEncodeError);
});

test('strings: ASCII, UTF-8, every padding length', () => {
  const d = msg('s', 's');
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'héllo ✓ 🎉', 'wl_compositor', 'x'.repeat(1000)]) {
    assert.deepEqual(roundTrip(d, [s]), [s]);
    const { body } = encodeBody(d, [s]);
    const len = Buffer.byteLength(s) + 1;
    assert.equal(body.length, 4 + Math.ceil(len / 4) * 4);
    for (let i = 4 + len; i < body.length; i++) assert.equal(body[i], 0, 'padding is zeroed');
  }
  assert.throws(() => encodeBody(d, ['a\0b']), WireEncodeError);
  assert.throws(() => encodeBody(d, ['é\0']), WireEncodeError);
});

test('repeated and colliding strings decode right (string cache)', () => {
  const d = msg('s', 's');
  const strings = Array.from({ length: 2000 }, (_, i) => `s${(i * 7919) % 1009}_${'x'.repeat(i % 5)}`);
  strings.push('ab', 'ba', 'abc', 'acb', 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(64));
  for (let round = 0; round < 3; round++) {
    for (const s of strings) assert.equal(roundTrip(d, [s])[0], s);
  }
});

test('arrays: empty, null (nullable), padded, copied', () => {
  const d = msg('arr', 'a?aa');
  const five = Uint8Array.from([1, 2, 3, 4, 5]);
  const out = roundTrip(d, [new Uint8Array(0), null, five]);
  // libwayland: an array is never NULL on receipt; a null array is sent as length 0.
  assert.deepEqual(out, [new Uint8Array(0), new Uint8Array(0), five]);
  const { body } = encodeBody(d, [new Uint8Array(0), null, five]);
  assert.deepEqual([...body], [0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0]);
  assert.throws(() => encodeBody(msg('a', 'a'), [null]), WireEncodeError);
  // The decoded array is a copy, not a view of the receive buffer.
  const src = new Body().u32(2).raw(7, 8, 0, 0).get();
  const o: WireValue[] = [];
  assert.equal(decode(msg('a', 'a'), src, fdQueue([]), serverSide(), o), undefined);
  src[4] = 99;
  assert.deepEqual(o[0], Uint8Array.from([7, 8]));
});

test('objects and new ids round-trip; null object is 0', () => {
  assert.deepEqual(roundTrip(attach, [10, -5, 7]), [10, -5, 7]);
  assert.deepEqual(roundTrip(attach, [null, 0, 0]), [0, 0, 0]);
  assert.deepEqual(roundTrip(attach, [0, 0, 0]), [0, 0, 0]);
  assert.deepEqual(roundTrip(frame, [4]), [4]);
  assert.deepEqual(roundTrip(bind, [1, 'wl_compositor', 5, 4]), [1, 'wl_compositor', 5, 4]);
  assert.throws(() => encodeBody(msg('o', 'o'), [null]), WireEncodeError);
  assert.throws(() => encodeBody(frame, [0]), WireEncodeError);
});

test('zombie objects decode as null; untyped object arguments accept any interface', () => {
  assert.deepEqual(roundTrip(attach, [12, 1, 2]), [0, 1, 2]);
  assert.deepEqual(roundTrip(msg('error', 'ous'), [3, 1, 'boom']), [3, 1, 'boom']);
});

test('fds come from the queue in order and take no bytes', () => {
  const d = msg('fds', 'hih');
  const w = new WireWriter();
  const size = encode(w, 3, 1, d, [7, 42, 9]);
  assert.equal(size, HEADER_SIZE + 4);
  assert.deepEqual(w.fds, [7, 9]);
  const q = fdQueue([7, 9, 11]);
  const out: WireValue[] = [];
  assert.equal(decode(d, w.bytes.subarray(HEADER_SIZE), q, serverSide(), out), undefined);
  assert.deepEqual(out, [7, 42, 9]);
  assert.deepEqual(q.rest, [11], 'only the fds of this message are taken');
});

test('everything in one message', () => {
  const d = msg('all', 'iuf?s?osna?ah', [null, null, null, null, 'wl_surface', null, 'wl_callback', null, null, null]);
  const args: WireValue[] = [-7, 7, 2.5, null, 3, 'hi', 20, Uint8Array.from([9]), null, 5];
  const out = roundTrip(d, args);
  assert.deepEqual(out, [-7, 7, 2.5, null, 3, 'hi', 20, Uint8Array.from([9]), new Uint8Array(0), 5]);
});

test('exact bytes of wl_registry@2.global(1, "wl_compositor", 5), and the header helpers', () => {
  const w = new WireWriter();
  assert.equal(encode(w, 2, 0, global, [1, 'wl_compositor', 5]), 36);
  const expected = new Body().u32(2).u32((36 << 16) | 0).u32(1).str('wl_compositor').u32(5).get();
  assert.deepEqual(w.bytes, expected);
  assert.equal(headerObjectId(w.bytes, 0), 2);
  assert.equal(headerSize(w.bytes, 0), 36);
  assert.equal(headerOpcode(w.bytes, 0), 0);
  // Messages append; header fields of the second one.
  encode(w, 0xff000001, 0xffff, msg('commit', ''), []);
  assert.equal(w.length, 44);
  assert.equal(headerObjectId(w.bytes, 36), 0xff000001);
  assert.equal(headerSize(w.bytes, 36), 8);
  assert.equal(headerOpcode(w.bytes, 36), 0xffff);
  w.consume(36);
  assert.equal(w.length, 8);
  assert.equal(headerObjectId(w.bytes, 0), 0xff000001);
  w.clear();
  assert.equal(w.length, 0);
});

test('decode reads a body at an offset inside a larger buffer', () => {
  const w = new WireWriter();
  encode(w, 2, 0, global, [1, 'wl_shm', 1]);
  encode(w, 2, 0, global, [2, 'wl_seat', 7]);
  const backing = new Uint8Array(w.length + 3);
  backing.set(w.bytes, 3);
  const bytes = backing.subarray(3); // unaligned byteOffset
  const second = headerSize(bytes, 0);
  const out: WireValue[] = ['stale', 'stale', 'stale', 'stale'];
  const err = decode(global, bytes, fdQueue([]), serverSide(), out, second + HEADER_SIZE, second + headerSize(bytes, second));
  assert.equal(err, undefined);
  assert.deepEqual(out, [2, 'wl_seat', 7], 'out is truncated to the argument count');
});

test('padding bytes are zero on encode; non-zero padding is accepted on decode (libwayland does not zero it)', () => {
  const body = new Body().u32(2).raw(0x61, 0, 0xaa, 0xbb).get();
  const out: WireValue[] = [];
  assert.equal(decode(msg('s', 's'), body, fdQueue([]), serverSide(), out), undefined);
  assert.deepEqual(out, ['a']);
});

test('a message of exactly 4096 bytes encodes; one byte more fails and leaves the writer unchanged', () => {
  const d = msg('s', 's');
  const w = new WireWriter(16);
  encode(w, 1, 0, msg('h', 'h'), [3]);
  // header 8 + length 4 + string 4084 (4083 chars + NUL) = 4096
  assert.equal(encode(w, 1, 0, d, ['x'.repeat(4083)]), MAX_MESSAGE_SIZE);
  const before = w.length;
  assert.throws(() => encode(w, 1, 0, d, ['x'.repeat(4084)]), /larger than 4096/);
  assert.throws(() => encode(w, 1, 0, d, ['é'.repeat(2042)]), /larger than 4096/); // 4084 bytes + NUL
  assert.equal(encode(w, 1, 0, d, ['é'.repeat(2041) + 'x']), MAX_MESSAGE_SIZE);
  const a = msg('a', 'ha');
  assert.throws(() => encode(w, 1, 0, a, [5, new Uint8Array(4096 - 12 + 1)]), /larger than 4096/);
  assert.equal(w.length, before + MAX_MESSAGE_SIZE);
  assert.deepEqual(w.fds, [3], 'fds of a failed message are dropped');
  assert.equal(encode(w, 1, 0, a, [5, new Uint8Array(4096 - 12)]), MAX_MESSAGE_SIZE);
  assert.deepEqual(w.fds, [3, 5]);
  // Many big messages grow the buffer.
  for (let i = 0; i < 10; i++) encode(w, 1, 0, d, ['y'.repeat(4083)]);
  assert.equal(w.length, before + 12 * MAX_MESSAGE_SIZE);
  assert.equal(headerSize(w.bytes, w.length - MAX_MESSAGE_SIZE), MAX_MESSAGE_SIZE);
});

test('at most 28 fds per message', () => {
  const w = new WireWriter();
  const ok = msg('fds', 'h'.repeat(MAX_FDS_PER_MESSAGE));
  encode(w, 1, 0, ok, Array.from({ length: MAX_FDS_PER_MESSAGE }, (_, i) => i + 3));
  assert.equal(w.fds.length, 28);
  const tooMany = msg('fds', 'h'.repeat(MAX_FDS_PER_MESSAGE + 1));
  assert.throws(() => encode(w, 1, 0, tooMany, Array.from({ length: 29 }, (_, i) => i + 3)), /28 fds/);
  assert.equal(w.fds.length, 28);
});

test('encode rejects values that do not fit their type', () => {
  const w = new WireWriter();
  const bad: [string, WireValue[]][] = [
    ['i', [2147483648]],
    ['i', [1.5]],
    ['i', ['1']],
    ['u', [-1]],
    ['u', [4294967296]],
    ['f', [8388608]],
    ['f', [Number.NaN]],
    ['o', [-1]],
    ['h', [-1]],
    ['s', [5]],
    ['a', ['abc']],
    ['ii', [1]],
    ['i', [1, 2]],
  ];
  for (const [sig, args] of bad) {
    assert.throws(() => encode(w, 1, 0, msg('m', sig), args), WireEncodeError, `${sig} ${String(args)}`);
  }
  assert.throws(() => encode(w, 0, 0, msg('m', ''), []), WireEncodeError);
  assert.throws(() => encode(w, 1, 0x10000, msg('m', ''), []), WireEncodeError);
  assert.equal(w.length, 0);
});

// ------------------------------------------------------------ malformed input

test('too_short: the body ends before an argument', () => {
  expectKind(decodeErr(msg('ii', 'ii'), new Body().u32(1).get()), 'too_short', 1);
  expectKind(decodeErr(msg('s', 's'), new Uint8Array(0)), 'too_short', 0);
  expectKind(decodeErr(msg('i', 'i'), new Uint8Array(3)), 'too_short', 0);
});

test('trailing_bytes: bytes after the last argument', () => {
  expectKind(decodeErr(msg('i', 'i'), new Body().u32(1).u32(2).get()), 'trailing_bytes');
  expectKind(decodeErr(msg('commit', ''), new Body().u32(0).get()), 'trailing_bytes');
  expectKind(decodeErr(msg('s', 's'), new Body().str('ab').u32(0).get()), 'trailing_bytes');
});

test('null_string: length 0 where not nullable; nullable gives null', () => {
  expectKind(decodeErr(global, new Body().u32(1).u32(0).u32(1).get()), 'null_string', 1);
  const out: WireValue[] = [];
  assert.equal(decode(msg('s', '?s'), new Body().u32(0).get(), fdQueue([]), serverSide(), out), undefined);
  assert.deepEqual(out, [null]);
});

test('unterminated_string and interior_nul', () => {
  expectKind(decodeErr(msg('s', 's'), new Body().u32(4).raw(0x61, 0x62, 0x63, 0x64).get()), 'unterminated_string', 0);
  expectKind(decodeErr(msg('s', 's'), new Body().u32(3).raw(0x61, 0x62, 0x63, 0).get()), 'unterminated_string', 0);
  expectKind(decodeErr(msg('s', 's'), new Body().u32(4).raw(0x61, 0, 0x62, 0).get()), 'interior_nul', 0);
  expectKind(decodeErr(msg('s', 's'), new Body().u32(1).raw(0x61, 0, 0, 0).get()), 'unterminated_string', 0);
});

test('bad_length and bad_padding: string/array length past the end of the body', () => {
  expectKind(decodeErr(msg('s', 's'), new Body().u32(100).raw(0x61, 0, 0, 0).get()), 'bad_length', 0);
  expectKind(decodeErr(msg('s', 's'), new Body().u32(0xffffffff).raw(0x61, 0, 0, 0).get()), 'bad_length', 0);
  expectKind(decodeErr(msg('a', 'a'), new Body().u32(5).raw(1, 2, 3, 4).get()), 'bad_length', 0);
  expectKind(decodeErr(msg('a', 'ia'), new Body().u32(1).u32(0x80000000).get()), 'bad_length', 1);
  // Length fits, padding to 4 does not.
  expectKind(decodeErr(msg('s', 's'), new Body().u32(5).raw(0x61, 0x62, 0x63, 0x64, 0).get()), 'bad_padding', 0);
  expectKind(decodeErr(msg('a', 'a'), new Body().u32(2).raw(1, 2).get()), 'bad_padding', 0);
});

test('null_object, unknown_object, wrong_interface', () => {
  expectKind(decodeErr(msg('o', 'o', ['wl_buffer']), new Body().u32(0).get()), 'null_object', 0);
  expectKind(decodeErr(attach, new Body().u32(99).u32(0).u32(0).get()), 'unknown_object', 0);
  expectKind(decodeErr(attach, new Body().u32(3).u32(0).u32(0).get()), 'wrong_interface', 0);
});

test('new ids: null, out of the sender range, in use', () => {
  expectKind(decodeErr(frame, new Body().u32(0).get()), 'null_new_id', 0);
  // A client may not create server-range ids, and the server may not create client-range ones.
  expectKind(decodeErr(frame, new Body().u32(SERVER_ID_MIN).get()), 'new_id_out_of_range', 0);
  expectKind(decodeErr(frame, new Body().u32(0xffffffff).get()), 'new_id_out_of_range', 0);
  expectKind(decodeErr(frame, new Body().u32(CLIENT_ID_MAX).get(), new Ctx('server')), 'new_id_out_of_range', 0);
  expectKind(decodeErr(frame, new Body().u32(5).get(), new Ctx('server')), 'new_id_out_of_range', 0);
  expectKind(decodeErr(frame, new Body().u32(3).get()), 'new_id_in_use', 0);
  expectKind(decodeErr(frame, new Body().u32(12).get()), 'new_id_in_use', 0); // zombie still holds the id
  expectKind(decodeErr(msg('nn', 'nn'), new Body().u32(5).u32(5).get()), 'new_id_in_use', 1);
  // Accepted edges.
  const out: WireValue[] = [];
  assert.equal(decode(frame, new Body().u32(CLIENT_ID_MAX).get(), fdQueue([]), serverSide(), out), undefined);
  assert.equal(decode(frame, new Body().u32(0xffffffff).get(), fdQueue([]), new Ctx('server'), out), undefined);
  assert.deepEqual(out, [0xffffffff]);
  assert.equal(decode(msg('n', '?n'), new Body().u32(0).get(), fdQueue([]), serverSide(), out), undefined);
  assert.deepEqual(out, [0]);
});

test('missing_fd reports the fds already taken so the caller can close them', () => {
  const err = decodeErr(msg('hh', 'hih'), new Body().u32(1).get(), serverSide(), [40]);
  expectKind(err, 'missing_fd', 2);
  assert.deepEqual(err.fds, [40]);
  const err2 = decodeErr(msg('hs', 'hs'), new Body().u32(0).get(), serverSide(), [41]);
  expectKind(err2, 'null_string', 1);
  assert.deepEqual(err2.fds, [41]);
});

test('every decode error maps to invalid_method; an unknown target to invalid_object (libwayland 1.21)', () => {
  for (const [kind, name] of Object.entries(DISPLAY_ERROR_FOR)) {
    assert.equal(name, kind === 'unknown_target' ? 'invalid_object' : 'invalid_method', kind);
  }
  const e = new WireError('unknown_target', 'invalid object 7');
  assert.equal(e.displayErrorCode, DisplayError.invalid_object);
  assert.equal(decodeErr(frame, new Body().u32(0).get()).displayErrorCode, DisplayError.invalid_method);
});

test('checkMessageSize', () => {
  assert.equal(checkMessageSize(8), undefined);
  assert.equal(checkMessageSize(4096), undefined);
  for (const bad of [0, 4, 7, 10, 4100, 0xffff]) expectKind(checkMessageSize(bad) ?? assert.fail(String(bad)), 'bad_size');
});

test('a malformed descriptor throws (our bug, not the peer’s)', () => {
  assert.throws(() => decode(msg('x', 'x'), new Uint8Array(4), fdQueue([]), serverSide(), []), /bad signature/);
  assert.throws(() => encode(new WireWriter(), 1, 0, msg('x', 'x'), [1]), /bad signature/);
});
