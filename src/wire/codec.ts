// The Wayland wire codec: one table-driven loop over a message's signature,
// as libwayland's connection.c does (wl_connection_demarshal /
// serialize_closure); decoding walks the signature compiled once per message
// (argCodes). No per-argument objects: decoded values go into a
// caller-owned array that is reused from message to message, and encoding
// writes straight into a growable byte buffer.
//
// Message layout (host byte order, i.e. little-endian on every platform we
// run on): u32 object id, u32 (size << 16 | opcode), then the arguments, each
// a multiple of 4 bytes. `size` includes the 8-byte header. fds travel out of
// band (SCM_RIGHTS): an `h` argument takes no bytes in the body.
//
// Decoding is strict and never throws for peer input: it returns a WireError
// whose `kind` says what was wrong and `displayError` which wl_display.error
// code the server posts. libwayland answers every malformed argument of a
// known message with invalid_method ("invalid arguments for %s@%u.%s"), and
// an unknown target object with invalid_object; see DISPLAY_ERROR_FOR.

import { endianness } from 'node:os';
import type { MessageDesc } from '../protocol/types.js';

export const HEADER_SIZE = 8;
export const MAX_MESSAGE_SIZE = 4096;
export const MAX_FDS_PER_MESSAGE = 28;

/** Ids the client allocates: 1..0xfeffffff. */
export const CLIENT_ID_MIN = 1;
export const CLIENT_ID_MAX = 0xfeffffff;
/** Ids the server allocates: 0xff000000..0xffffffff. */
export const SERVER_ID_MIN = 0xff000000;
export const SERVER_ID_MAX = 0xffffffff;

const argTypesOf = new WeakMap<MessageDesc, string>();

/** The argument type characters of a message, one per argument ('?' and
 * libwayland's version digits removed): "?oii" -> "oii". Cached. */
export function argTypes(desc: MessageDesc): string {
  let t = argTypesOf.get(desc);
  if (t === undefined) {
    t = desc.signature.replace(/[?0-9]/g, '');
    argTypesOf.set(desc, t);
  }
  return t;
}

/** wl_display.error codes. */
export const DisplayError = {
  invalid_object: 0,
  invalid_method: 1,
  no_memory: 2,
  implementation: 3,
} as const;
export type DisplayErrorName = keyof typeof DisplayError;

/**
 * A decoded argument: i/u/f/o/n/h → number (f as a double, o as an id with 0
 * for null, h as an fd), s → string or null, a → Uint8Array (a copy).
 * For encoding, o/s/a also accept null (nullable arguments only).
 */
export type WireValue = number | string | Uint8Array | null;

/** Where `h` arguments come from: the connection's queue of received fds. */
export interface FdSource {
  shift(): number | undefined;
}

export interface DecodeContext {
  /** Who sent the message: 'client' for requests, 'server' for events. */
  readonly sender: 'client' | 'server';
  /**
   * Interface name of the live object with this id; undefined if there is
   * none. null marks a zombie (destroyed locally, the peer may not know yet,
   * as libwayland's client side has): an `o` argument naming it decodes as 0
   * (null), and its id still counts as in use for `n`.
   */
  lookup(id: number): string | null | undefined;
}

export type WireErrorKind =
  /** Header size below 8, not a multiple of 4, or above 4096 (framing). */
  | 'bad_size'
  /** Header names an object id that does not exist (checked by the caller). */
  | 'unknown_target'
  /** Opcode beyond the interface's messages, or newer than the object's version. */
  | 'bad_opcode'
  /** The body ends before an argument. */
  | 'too_short'
  /** Bytes left over after the last argument. */
  | 'trailing_bytes'
  /** A string or array length larger than what is left of the body. */
  | 'bad_length'
  /** The length fits but its padding to 4 bytes does not. */
  | 'bad_padding'
  /** Length 0 (null) for a string that is not nullable. */
  | 'null_string'
  /** The last byte of a string is not NUL. */
  | 'unterminated_string'
  /** A NUL inside a string (libwayland would silently truncate). */
  | 'interior_nul'
  /** Id 0 for an object that is not nullable. */
  | 'null_object'
  /** An object argument naming no existing object. */
  | 'unknown_object'
  /** An object argument of another interface than the message's type. */
  | 'wrong_interface'
  /** new_id 0. */
  | 'null_new_id'
  /** new_id outside the sender's id range. */
  | 'new_id_out_of_range'
  /** new_id already used by a live (or zombie) object, or twice in one message. */
  | 'new_id_in_use'
  /** An `h` argument and no fd received for it. */
  | 'missing_fd';

/**
 * wl_display.error code per error kind, as libwayland-server 1.21 does:
 * wl_client_connection_data posts invalid_object only for an unknown target
 * ("invalid object %u"); a bad opcode is invalid_method ("invalid method %d");
 * every failure of wl_connection_demarshal or wl_closure_lookup_objects —
 * short body, null string/object/new_id, missing NUL, unknown or mistyped
 * object argument, bad new id, missing fd — is invalid_method ("invalid
 * arguments for %s@%u.%s"). Trailing bytes, interior NULs and bad sizes are
 * checks libwayland does not make (it ignores trailing bytes, truncates at a
 * NUL, and drops a client whose message overflows its 4096-byte buffer
 * without a protocol error); we answer them with invalid_method too.
 */
export const DISPLAY_ERROR_FOR: Readonly<Record<WireErrorKind, DisplayErrorName>> = {
  bad_size: 'invalid_method',
  unknown_target: 'invalid_object',
  bad_opcode: 'invalid_method',
  too_short: 'invalid_method',
  trailing_bytes: 'invalid_method',
  bad_length: 'invalid_method',
  bad_padding: 'invalid_method',
  null_string: 'invalid_method',
  unterminated_string: 'invalid_method',
  interior_nul: 'invalid_method',
  null_object: 'invalid_method',
  unknown_object: 'invalid_method',
  wrong_interface: 'invalid_method',
  null_new_id: 'invalid_method',
  new_id_out_of_range: 'invalid_method',
  new_id_in_use: 'invalid_method',
  missing_fd: 'invalid_method',
};

/** A malformed message from the peer. Returned by decode(), not thrown. */
export class WireError extends Error {
  override readonly name = 'WireError';
  readonly code = 'ERR_NOSIGBUS_WIRE_PROTOCOL';
  /** wl_display.error name the server posts for this error. */
  readonly displayError: DisplayErrorName;
  constructor(
    readonly kind: WireErrorKind,
    message: string,
    /** Index of the offending argument, -1 for header-level errors. */
    readonly argIndex: number = -1,
    /** fds this message already took from the queue: the caller closes them. */
    readonly fds: readonly number[] = [],
  ) {
    super(message);
    this.displayError = DISPLAY_ERROR_FOR[kind];
  }
  /** Numeric wl_display.error code. */
  get displayErrorCode(): number {
    return DisplayError[this.displayError];
  }
}

/** A bug in our own outgoing message (bad value, too big): thrown by encode(). */
export class WireEncodeError extends Error {
  override readonly name = 'WireEncodeError';
  readonly code = 'ERR_NOSIGBUS_WIRE_ENCODE';
}

const LE = endianness() === 'LE';

// Signature characters.
const C_I = 0x69; // i
const C_U = 0x75; // u
const C_F = 0x66; // f
const C_S = 0x73; // s
const C_O = 0x6f; // o
const C_N = 0x6e; // n
const C_A = 0x61; // a
const C_H = 0x68; // h
const C_Q = 0x3f; // ?
const C_0 = 0x30;
const C_9 = 0x39;

// ---------------------------------------------------------------- fixed

/** 24.8 fixed-point (int32 raw value) to double. */
export function fixedToDouble(f: number): number {
  return (f | 0) / 256;
}

/** `d` saturated to what a 24.8 fixed can hold: a surface 2^30 units away
 * from the pointer is a legal scene, and its coordinates must still encode. */
export function clampFixed(d: number): number {
  return Math.min(0x7fffffff / 256, Math.max(-0x80000000 / 256, d));
}

/** Double to 24.8 fixed-point (int32 raw value), rounding to nearest. */
export function doubleToFixed(d: number): number {
  const f = Math.round(d * 256);
  if (!(f >= -0x80000000 && f <= 0x7fffffff)) {
    throw new WireEncodeError(`fixed value out of range: ${d}`);
  }
  return f | 0;
}

// ---------------------------------------------------------------- header

function word(b: Uint8Array, p: number): number {
  return LE
    ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
    : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Object id of the message header at `offset`. */
export function headerObjectId(bytes: Uint8Array, offset: number): number {
  return word(bytes, offset);
}
/** Total size (header included) of the message header at `offset`. */
export function headerSize(bytes: Uint8Array, offset: number): number {
  return word(bytes, offset + 4) >>> 16;
}
/** Opcode of the message header at `offset`. */
export function headerOpcode(bytes: Uint8Array, offset: number): number {
  return word(bytes, offset + 4) & 0xffff;
}
/** A 'bad_size' error if a header's size field cannot be a message, else undefined. */
export function checkMessageSize(size: number): WireError | undefined {
  if (size >= HEADER_SIZE && size <= MAX_MESSAGE_SIZE && (size & 3) === 0) return undefined;
  return new WireError('bad_size', `invalid message size ${size}`);
}

// ---------------------------------------------------------------- decode

const utf8 = new TextDecoder('utf-8');

// A signature compiled once per descriptor: one code per argument, its kind
// in the low bits and NULLABLE set for '?'. The loop over it has no '?' or
// version digit to skip, and its switch is a jump table.
const K_I = 0;
const K_U = 1;
const K_F = 2;
const K_S = 3;
const K_O = 4;
const K_N = 5;
const K_A = 6;
const K_H = 7;
const KIND = 7;
const NULLABLE = 8;

/** A message's signature compiled for decodeWith(): one code per argument. */
export type ArgCodes = Uint8Array;

const argCodesOf = new WeakMap<MessageDesc, ArgCodes>();

/** The compiled signature of a message (cached). Throws for a character that
 * is not a signature character (a malformed descriptor). */
export function argCodes(desc: MessageDesc): ArgCodes {
  let codes = argCodesOf.get(desc);
  if (codes === undefined) {
    const sig = desc.signature;
    const list: number[] = [];
    let nullable = 0;
    for (let k = 0; k < sig.length; k++) {
      const c = sig.charCodeAt(k);
      if (c === C_Q) {
        nullable = NULLABLE;
        continue;
      }
      if (c >= C_0 && c <= C_9) continue; // libwayland's "since" prefix
      const kind = c === C_I ? K_I : c === C_U ? K_U : c === C_F ? K_F : c === C_S ? K_S : c === C_O ? K_O : c === C_N ? K_N : c === C_A ? K_A : c === C_H ? K_H : -1;
      if (kind < 0) throw new Error(`bad signature character '${sig[k] ?? ''}' in ${desc.name}(${sig})`);
      list.push(kind | nullable);
      nullable = 0;
    }
    codes = Uint8Array.from(list);
    argCodesOf.set(desc, codes);
  }
  return codes;
}

/**
 * Decodes the arguments of one message. `body` holds the bytes after the
 * header, from `start` to `end` (default: all of `body`). Values are written
 * to `out[0..n)` and `out.length` is set to n. fds are taken from `fds` in
 * order. Returns undefined on success, or a WireError (never throws for
 * malformed input; throws only for a malformed descriptor).
 */
export function decode(
  desc: MessageDesc,
  body: Uint8Array,
  fds: FdSource,
  ctx: DecodeContext,
  out: WireValue[],
  start = 0,
  end: number = body.length,
): WireError | undefined {
  return decodeWith(desc, argCodes(desc), body, fds, ctx, out, start, end);
}

/** decode() with the message's compiled signature at hand (argCodes(desc)):
 * what a dispatcher that keeps it per message calls, per message. */
export function decodeWith(
  desc: MessageDesc,
  codes: ArgCodes,
  body: Uint8Array,
  fds: FdSource,
  ctx: DecodeContext,
  out: WireValue[],
  start: number,
  end: number,
): WireError | undefined {
  const b = body;
  const n = codes.length;
  let p = start;
  let firstNewId = 0;
  for (let argc = 0; argc < n; argc++) {
    const code = codes[argc]!;
    const kind = code & KIND;
    if (kind === K_H) {
      const fd = fds.shift();
      if (fd === undefined) {
        return fail(desc, out, argc, 'missing_fd', `file descriptor expected, message ${desc.name}(${desc.signature})`);
      }
      out[argc] = fd;
      continue;
    }
    if (end - p < 4) {
      return fail(desc, out, argc, 'too_short', `message too short, message ${desc.name}(${desc.signature}) arg ${argc}`);
    }
    // One 32-bit word in host order; int32 here, `>>> 0` for uint32.
    const w = LE ? b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24) : (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    switch (kind) {
      case K_I:
        out[argc] = w;
        break;
      case K_U:
        out[argc] = w >>> 0;
        break;
      case K_F:
        out[argc] = w / 256;
        break;
      case K_S: {
        const len = w >>> 0;
        if (len === 0) {
          if ((code & NULLABLE) === 0) {
            return fail(desc, out, argc, 'null_string', `NULL string received on non-nullable type, message ${desc.name}(${desc.signature})`);
          }
          out[argc] = null;
          break;
        }
        if (len > end - p) {
          return fail(desc, out, argc, 'bad_length', `string length ${len} exceeds message, message ${desc.name}(${desc.signature})`);
        }
        const padded = (len + 3) & ~3;
        if (padded > end - p) {
          return fail(desc, out, argc, 'bad_padding', `string padding exceeds message, message ${desc.name}(${desc.signature})`);
        }
        const last = p + len - 1;
        if (b[last] !== 0) {
          return fail(desc, out, argc, 'unterminated_string', `string not nul-terminated, message ${desc.name}(${desc.signature})`);
        }
        let bits = 0;
        let hash = 0x811c9dc5;
        for (let q = p; q < last; q++) {
          const x = b[q]!;
          if (x === 0) {
            return fail(desc, out, argc, 'interior_nul', `string contains a NUL byte, message ${desc.name}(${desc.signature})`);
          }
          bits |= x;
          hash = Math.imul(hash ^ x, 0x01000193);
        }
        out[argc] = decodeString(b, p, last, bits, hash);
        p += padded;
        break;
      }
      case K_O: {
        const id = w >>> 0;
        if (id === 0) {
          if ((code & NULLABLE) === 0) {
            return fail(desc, out, argc, 'null_object', `NULL object received on non-nullable type, message ${desc.name}(${desc.signature})`);
          }
          out[argc] = 0;
          break;
        }
        const iface = ctx.lookup(id);
        if (iface === undefined) {
          return fail(desc, out, argc, 'unknown_object', `unknown object (${id}), message ${desc.name}(${desc.signature})`);
        }
        if (iface === null) {
          out[argc] = 0; // zombie: references an object destroyed on our side
          break;
        }
        const want = desc.types[argc];
        if (want != null && want !== iface) {
          return fail(desc, out, argc, 'wrong_interface', `invalid object (${id}), type (${iface}), message ${desc.name}(${desc.signature})`);
        }
        out[argc] = id;
        break;
      }
      case K_N: {
        const id = w >>> 0;
        if (id === 0) {
          if ((code & NULLABLE) === 0) {
            return fail(desc, out, argc, 'null_new_id', `NULL new ID received on non-nullable type, message ${desc.name}(${desc.signature})`);
          }
          out[argc] = 0;
          break;
        }
        if (ctx.sender === 'client' ? id > CLIENT_ID_MAX : id < SERVER_ID_MIN) {
          return fail(desc, out, argc, 'new_id_out_of_range', `not a valid new object id (${id}), message ${desc.name}(${desc.signature})`);
        }
        if (id === firstNewId || ctx.lookup(id) !== undefined) {
          return fail(desc, out, argc, 'new_id_in_use', `new object id (${id}) already in use, message ${desc.name}(${desc.signature})`);
        }
        if (firstNewId === 0) firstNewId = id;
        out[argc] = id;
        break;
      }
      default: {
        // K_A
        const len = w >>> 0;
        if (len > end - p) {
          return fail(desc, out, argc, 'bad_length', `array length ${len} exceeds message, message ${desc.name}(${desc.signature})`);
        }
        const padded = (len + 3) & ~3;
        if (padded > end - p) {
          return fail(desc, out, argc, 'bad_padding', `array padding exceeds message, message ${desc.name}(${desc.signature})`);
        }
        out[argc] = b.slice(p, p + len);
        p += padded;
        break;
      }
    }
  }
  if (p !== end) {
    return fail(desc, out, n, 'trailing_bytes', `${end - p} trailing bytes, message ${desc.name}(${desc.signature})`);
  }
  if (out.length !== n) out.length = n;
  return undefined;
}

// Short ASCII strings repeat (interface names, mime types, app ids): a small
// direct-mapped cache, verified byte for byte, avoids building them again.
const STRING_CACHE_SLOTS = 256;
const STRING_CACHE_MAX = 64;
const stringCache: string[] = new Array<string>(STRING_CACHE_SLOTS).fill('');

/**
 * Bytes [from, to) as a string. `bits` is the OR of the bytes (bit 7 set: not
 * ASCII), `hash` their FNV-1a hash.
 */
function decodeString(b: Uint8Array, from: number, to: number, bits: number, hash: number): string {
  const len = to - from;
  if ((bits & 0x80) !== 0 || len > STRING_CACHE_MAX) return utf8.decode(b.subarray(from, to));
  const slot = (hash ^ (hash >>> 16)) & (STRING_CACHE_SLOTS - 1);
  const cached = stringCache[slot]!;
  if (cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === b[from + i]) i++;
    if (i === len) return cached;
  }
  let s = '';
  for (let q = from; q < to; q++) s += String.fromCharCode(b[q]!);
  stringCache[slot] = s;
  return s;
}

/** Builds the error, listing the fds already taken (out[0..argc) at 'h'). */
function fail(desc: MessageDesc, out: WireValue[], argc: number, kind: WireErrorKind, message: string): WireError {
  const taken: number[] = [];
  const sig = desc.signature;
  let i = 0;
  for (let k = 0; k < sig.length && i < argc; k++) {
    const c = sig.charCodeAt(k);
    if (c === C_Q || (c >= C_0 && c <= C_9)) continue;
    if (c === C_H) taken.push(out[i] as number);
    i++;
  }
  out.length = argc;
  return new WireError(kind, message, kind === 'trailing_bytes' ? -1 : argc, taken);
}

// ---------------------------------------------------------------- encode

const encoder = new TextEncoder();

/**
 * A growable output buffer of whole messages, plus the fds they carry. The
 * connection sends `bytes` and `fds`, then `consume()`s what went out.
 */
export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes of complete messages in the buffer. */
  length = 0;
  /** fds of the messages in the buffer, in order. */
  readonly fds: number[] = [];

  constructor(initialCapacity: number = 4 * MAX_MESSAGE_SIZE) {
    this.buf = new Uint8Array(Math.max(initialCapacity, MAX_MESSAGE_SIZE));
    this.view = new DataView(this.buf.buffer);
  }

  /** The encoded messages (a view, valid until the next write). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets everything: bytes and fds. */
  clear(): void {
    this.length = 0;
    this.fds.length = 0;
  }

  /** Drops the first `n` bytes (sent already); fds are the caller's to manage. */
  consume(n: number): void {
    if (n >= this.length) {
      this.length = 0;
      return;
    }
    this.buf.copyWithin(0, n, this.length);
    this.length -= n;
  }

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /**
   * Appends one message; returns its size in bytes. Throws WireEncodeError
   * (leaving the writer unchanged) for a value that does not fit its type,
   * a null where not nullable, a message over 4096 bytes or over 28 fds.
   */
  encode(objectId: number, opcode: number, desc: MessageDesc, args: readonly WireValue[]): number {
    this.reserve(MAX_MESSAGE_SIZE);
    const buf = this.buf;
    const view = this.view;
    const fds = this.fds;
    const fdStart = fds.length;
    const start = this.length;
    const limit = start + MAX_MESSAGE_SIZE;
    const sig = desc.signature;
    let p = start + HEADER_SIZE;
    let argc = 0;
    let nullable = false;
    for (let k = 0; k < sig.length; k++) {
      const c = sig.charCodeAt(k);
      if (c === C_Q) {
        nullable = true;
        continue;
      }
      if (c >= C_0 && c <= C_9) continue;
      const v = args[argc];
      if (c !== C_H && p + 4 > limit) tooBig(fds, fdStart, desc);
      switch (c) {
        case C_I:
          if (typeof v !== 'number' || (v | 0) !== v) badValue(fds, fdStart, desc, argc, 'an int32', v);
          view.setInt32(p, v as number, LE);
          p += 4;
          break;
        case C_U:
          if (typeof v !== 'number' || v >>> 0 !== v) badValue(fds, fdStart, desc, argc, 'a uint32', v);
          view.setUint32(p, v as number, LE);
          p += 4;
          break;
        case C_F: {
          if (typeof v !== 'number') badValue(fds, fdStart, desc, argc, 'a number', v);
          const f = Math.round((v as number) * 256);
          if (!(f >= -0x80000000 && f <= 0x7fffffff)) badValue(fds, fdStart, desc, argc, 'a 24.8 fixed', v);
          view.setInt32(p, f, LE);
          p += 4;
          break;
        }
        case C_O:
        case C_N:
          if (v === null || v === 0) {
            if (!nullable) badValue(fds, fdStart, desc, argc, 'an object id (not nullable)', v);
            view.setUint32(p, 0, LE);
          } else {
            if (typeof v !== 'number' || v >>> 0 !== v) badValue(fds, fdStart, desc, argc, 'an object id', v);
            view.setUint32(p, v as number, LE);
          }
          p += 4;
          break;
        case C_S: {
          if (v === null) {
            if (!nullable) badValue(fds, fdStart, desc, argc, 'a string (not nullable)', v);
            view.setUint32(p, 0, LE);
            p += 4;
            break;
          }
          if (typeof v !== 'string') badValue(fds, fdStart, desc, argc, 'a string', v);
          const s = v as string;
          const n = s.length;
          const first = p + 4;
          let q = first;
          if (first + n + 1 > limit) {
            // Even ASCII would not fit; UTF-8 is never shorter.
            tooBig(fds, fdStart, desc);
          }
          let i = 0;
          for (; i < n; i++) {
            const ch = s.charCodeAt(i);
            if (ch >= 0x80) break;
            if (ch === 0) badValue(fds, fdStart, desc, argc, 'a string without NUL', v);
            buf[q++] = ch;
          }
          if (i < n) {
            if (s.indexOf('\0', i) >= 0) badValue(fds, fdStart, desc, argc, 'a string without NUL', v);
            const r = encoder.encodeInto(s.slice(i), buf.subarray(q, limit - 1));
            if (r.read < n - i) tooBig(fds, fdStart, desc);
            q += r.written;
          }
          buf[q++] = 0;
          const len = q - first;
          const end = first + ((len + 3) & ~3);
          if (end > limit) tooBig(fds, fdStart, desc);
          while (q < end) buf[q++] = 0;
          view.setUint32(p, len, LE);
          p = end;
          break;
        }
        case C_A: {
          if (v === null) {
            if (!nullable) badValue(fds, fdStart, desc, argc, 'a Uint8Array (not nullable)', v);
            view.setUint32(p, 0, LE);
            p += 4;
            break;
          }
          if (!(v instanceof Uint8Array)) badValue(fds, fdStart, desc, argc, 'a Uint8Array', v);
          const a = v as Uint8Array;
          const len = a.length;
          const first = p + 4;
          const end = first + ((len + 3) & ~3);
          if (len > MAX_MESSAGE_SIZE || end > limit) tooBig(fds, fdStart, desc);
          view.setUint32(p, len, LE);
          buf.set(a, first);
          for (let q = first + len; q < end; q++) buf[q] = 0;
          p = end;
          break;
        }
        case C_H:
          if (typeof v !== 'number' || (v | 0) !== v || v < 0) badValue(fds, fdStart, desc, argc, 'an fd', v);
          if (fds.length - fdStart >= MAX_FDS_PER_MESSAGE) {
            fds.length = fdStart;
            throw new WireEncodeError(`${desc.name}: more than ${MAX_FDS_PER_MESSAGE} fds in one message`);
          }
          fds.push(v as number);
          break;
        default:
          fds.length = fdStart;
          throw new WireEncodeError(`bad signature character '${sig[k] ?? ''}' in ${desc.name}(${sig})`);
      }
      nullable = false;
      argc++;
    }
    if (args.length !== argc) {
      fds.length = fdStart;
      throw new WireEncodeError(`${desc.name}(${sig}) takes ${argc} arguments, got ${args.length}`);
    }
    if (objectId >>> 0 !== objectId || objectId === 0 || opcode >>> 0 !== opcode || opcode > 0xffff) {
      fds.length = fdStart;
      throw new WireEncodeError(`${desc.name}: bad object id ${objectId} or opcode ${opcode}`);
    }
    const size = p - start;
    view.setUint32(start, objectId, LE);
    view.setUint32(start + 4, ((size << 16) | opcode) >>> 0, LE);
    this.length = p;
    return size;
  }
}

/** Appends one message to `w` (see WireWriter.encode). */
export function encode(
  w: WireWriter,
  objectId: number,
  opcode: number,
  desc: MessageDesc,
  args: readonly WireValue[],
): number {
  return w.encode(objectId, opcode, desc, args);
}

function tooBig(fds: number[], fdStart: number, desc: MessageDesc): never {
  fds.length = fdStart;
  throw new WireEncodeError(`${desc.name}: message larger than ${MAX_MESSAGE_SIZE} bytes`);
}

function badValue(fds: number[], fdStart: number, desc: MessageDesc, argc: number, what: string, v: unknown): never {
  fds.length = fdStart;
  const shown = v instanceof Uint8Array ? `Uint8Array(${v.length})` : typeof v === 'string' ? JSON.stringify(v) : String(v);
  throw new WireEncodeError(`${desc.name}(${desc.signature}) argument ${argc} (${desc.args[argc] ?? '?'}): expected ${what}, got ${shown}`);
}
