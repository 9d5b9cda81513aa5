// SafeMapping: a guarded MAP_SHARED view of an fd (docs/contract.md, points 1-12).
//
// Invariants:
//  - `bytes` is an external ArrayBuffer over the exact window; the mapping
//    underneath is page aligned, so any byte offset works;
//  - pages past end of file read as zeros (never SIGBUS), and stay zero
//    until remap(), even if the file grows back;
//  - close() and remap() detach the old ArrayBuffer before unmapping, so
//    stale views see length 0 instead of freed memory;
//  - copyTo() is the guarded way to get bytes out: syscalls reading the
//    mapping directly (fs.writeSync(m.bytes)) see EFAULT past end of file;
//  - `bytes` is marked untransferable (postMessage and structuredClone copy
//    it), so no other thread's isolate can hold the mapping;
//  - the guard stays the first SIGBUS handler: process.on('SIGBUS') makes
//    Node install its own, so ours is put back in front of it at once (and
//    at every map()), with Node's chained for the signals that are not ours.
import { constants as bufferConstants } from 'node:buffer';
import { createRequire } from 'node:module';
import { nosigbusError } from './errors.js';
import { native, type NativeHandle } from './native.js';

export type GuardMode = 'tail' | 'page';

/** node:worker_threads' markAsUntransferable, loaded with the first mapping (importing it costs a start ~1.5 MiB and a few ms). */
let untransferable: ((buffer: ArrayBuffer) => void) | undefined;
function markAsUntransferable(buffer: ArrayBuffer): void {
  untransferable ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).markAsUntransferable;
  untransferable(buffer);
}

export interface MapOptions {
  /** Bytes to map. May exceed the file: the excess is guarded like a truncation. */
  length: number;
  /** File offset of the first byte (any value, not only page multiples). */
  offset?: number;
  /** PROT_WRITE: writes before EOF reach the file, writes past it stay private. */
  writable?: boolean;
  /** 'tail' replaces everything from the faulting page to the end at once (one
   * signal per truncation); 'page' replaces single pages. */
  mode?: GuardMode;
  /** Map files on FUSE filesystems (refused by default: the process serving
   * them can stall every access to the mapping). */
  allowFuse?: boolean;
}

/** The guard's share of vm.max_map_count (docs/contract.md point 9). */
export interface MappingBudget {
  /** vm.max_map_count as last read. */
  limit: number;
  /** VMAs the rest of the process uses, as last counted. */
  others: number;
  /** Kept free for the rest of the process to grow. */
  headroom: number;
  /** VMAs guarded mappings hold or have reserved for their rescues. */
  used: number;
  /** What is left; map() needs 2 and fails with ERR_NOSIGBUS_NO_MAPPINGS below that. */
  available: number;
  /** Closed regions of this thread kept as zeros while a threadpool request may still use them. */
  quarantined: number;
}

export interface Rescues {
  /** Replacements made because an access hit a page past end of file. */
  count: number;
  /** Window offset of the first faulting access, or null if none yet. */
  firstOffset: number | null;
  /** The kernel refused a new mapping (vm.max_map_count) and a whole range was replaced. */
  degraded: boolean;
}

const MODES: Record<GuardMode, number> = { tail: 0, page: 1 };
const out: [ArrayBuffer | undefined] = [undefined]; // native.map's second result

function checkInteger(value: unknown, name: string, code: 'ERR_NOSIGBUS_BAD_LENGTH' | 'ERR_NOSIGBUS_BAD_OFFSET', min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw nosigbusError(code, `${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  return value;
}

let handleOfMapping: (m: SafeMapping) => NativeHandle;
const CONSTRUCT: unique symbol = Symbol('SafeMapping');

export class SafeMapping {
  static {
    handleOfMapping = (m) => m.#handle;
  }

  readonly offset: number;
  readonly writable: boolean;
  readonly mode: GuardMode;
  #handle: NativeHandle;
  #buffer: ArrayBuffer | undefined;
  #bytes: Uint8Array | undefined;
  #length: number;
  #closed = false;
  #external = false; // the runtime gave this window an external buffer

  /** Use map(): a SafeMapping cannot be made from outside. */
  constructor(key: typeof CONSTRUCT, handle: NativeHandle, buffer: ArrayBuffer | undefined, offset: number, length: number, writable: boolean, mode: GuardMode) {
    if (key !== CONSTRUCT) throw nosigbusError('ERR_NOSIGBUS_BAD_ARGUMENT', 'SafeMapping cannot be constructed; use map()');
    this.#handle = handle;
    this.offset = offset;
    this.writable = writable;
    this.mode = mode;
    this.#length = length;
    this.#setBuffer(buffer);
  }

  // The view (and the untransferable mark) are made at the first `bytes`:
  // nothing else hands the buffer to JS, and a mapping only copied from
  // (copyTo) or closed unread never pays for them.
  #setBuffer(buffer: ArrayBuffer | undefined): void {
    this.#buffer = buffer;
    this.#bytes = undefined;
    this.#external = buffer !== undefined;
  }

  /** Length of the window in bytes (0 once closed). */
  get length(): number {
    return this.#closed ? 0 : this.#length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The file has F_SEAL_SHRINK and covers the window (asked now; false once
   * closed). Information only: the mapping is guarded all the same. */
  get sealed(): boolean {
    return native.sealed(this.#handle);
  }

  /** The window as bytes. Detached (length 0) after close(). Throws
   * ERR_NOSIGBUS_NO_EXTERNAL_BUFFERS where the runtime refuses external
   * ArrayBuffers (e.g. Electron); copyTo() works there. */
  get bytes(): Uint8Array {
    if (this.#bytes) return this.#bytes;
    if (this.#buffer) {
      markAsUntransferable(this.#buffer);
      return (this.#bytes = new Uint8Array(this.#buffer));
    }
    if (this.#closed) return new Uint8Array(0);
    throw nosigbusError('ERR_NOSIGBUS_NO_EXTERNAL_BUFFERS', 'this runtime refuses external ArrayBuffers; use copyTo()');
  }

  /** True when `bytes` is available (the runtime allows external buffers). */
  get hasBytes(): boolean {
    return this.#external;
  }

  /** rescues.count alone, cheaper (no objects made): for comparing before and after an access. */
  get rescueCount(): number {
    return native.rescueCount(this.#handle);
  }

  get rescues(): Rescues {
    const [count, first, degraded] = native.stats(this.#handle);
    return { count, firstOffset: first < 0 ? null : first, degraded };
  }

  /** A fresh mapping of the same fd and offset with a new length (what
   * wl_shm_pool.resize calls). Rescued pages show the file again. The old
   * bytes are detached. On failure the current mapping is left as it was. */
  remap(newLength: number): Uint8Array | undefined {
    this.#assertOpen();
    checkInteger(newLength, 'length', 'ERR_NOSIGBUS_BAD_LENGTH', 1, bufferConstants.MAX_LENGTH);
    const buffer = native.remap(this.#handle, newLength, this.#buffer);
    this.#length = newLength;
    this.#setBuffer(buffer);
    return buffer ? this.bytes : undefined;
  }

  /** Guarded copy of window bytes [from, from+length) into target (at
   * targetOffset): zeros past end of file, never EFAULT or SIGBUS. Returns the
   * number of bytes copied (clamped to both ends). */
  copyTo(target: ArrayBufferView | ArrayBuffer, from = 0, length = Number.MAX_SAFE_INTEGER, targetOffset = 0): number {
    this.#assertOpen();
    return native.copyTo(this.#handle, target, targetOffset, from, length);
  }

  /** A guarded copy of [from, from+length) as a new Buffer. */
  read(from = 0, length = this.#length - from): Buffer {
    const out = Buffer.alloc(Math.max(0, Math.min(length, this.#length - from)));
    this.copyTo(out, from, out.length);
    return out;
  }

  /** Detaches `bytes`, waits for rescues in flight, unmaps, closes the dup'd fd. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    native.close(this.#handle, this.#buffer);
    this.#buffer = undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw nosigbusError('ERR_NOSIGBUS_CLOSED', 'the mapping is closed');
  }
}

/** Maps `length` bytes of fd at `offset`, guarded against SIGBUS. */
export function map(fd: number, options: MapOptions): SafeMapping {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw nosigbusError('ERR_NOSIGBUS_BAD_FD', `fd must be a non-negative integer, got ${String(fd)}`);
  if (typeof options !== 'object' || options === null)
    throw nosigbusError('ERR_NOSIGBUS_BAD_ARGUMENT', 'options { length } are required');
  const length = checkInteger(options.length, 'length', 'ERR_NOSIGBUS_BAD_LENGTH', 1, bufferConstants.MAX_LENGTH);
  const offset = checkInteger(options.offset ?? 0, 'offset', 'ERR_NOSIGBUS_BAD_OFFSET', 0, Number.MAX_SAFE_INTEGER - length);
  const mode = options.mode ?? 'tail';
  if (typeof mode !== 'string' || !Object.hasOwn(MODES, mode))
    throw nosigbusError('ERR_NOSIGBUS_BAD_ARGUMENT', `mode must be 'tail' or 'page', got ${String(mode)}`);
  const writable = options.writable ?? false;
  const handle = native.map(fd, offset, length, writable, MODES[mode], options.allowFuse === true, out);
  const buffer = out[0];
  out[0] = undefined;
  return new SafeMapping(CONSTRUCT, handle, buffer, offset, length, writable, mode);
}

/** The guard's VMA budget now. */
export function mappingBudget(): MappingBudget {
  const [limit, others, headroom, used, available, quarantined] = native.budget();
  return { limit, others, headroom, used, available, quarantined };
}

// Node installs its own SIGBUS action when the first 'SIGBUS' listener is
// added (and SIG_DFL when the last goes). Its own hooks on these events were
// registered at bootstrap, so they run before ours: put the guard back first.
const onSignalListener = (event: string | symbol): void => {
  if (event === 'SIGBUS') native.ensureGuard();
};
process.on('newListener', onSignalListener);
process.on('removeListener', onSignalListener);

/** The native handle (for other layers' native calls and tests; not re-exported). */
export function handleOf(m: SafeMapping): NativeHandle {
  return handleOfMapping(m);
}

/** Guarded mappings alive in this process (all threads). */
export function activeMappings(): number {
  return native.activeMappings();
}

/** The page size the guard works in. */
export const pageSize: number = native.pageSize;
