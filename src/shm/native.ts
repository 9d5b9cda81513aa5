// The one place that loads the C addon. Every other module imports the
// typed binding from here, so the native surface is written down once.
//
// Two builds of it (binding.gyp): build/Release/nosigbus.node, the
// production addon (native/guard + native/addon), and
// build/Release/nosigbus_testing.node, the same sources plus the test hooks
// of native/addon/testing.c. A process loads one of them, once: the
// production addon, unless NOSIGBUS_TEST_BUILD=1 was set before this module
// loaded (test/support/test-build.ts sets it for the tests and benchmarks
// that need the hooks). The hooks must act on the very guard and mappings
// src/ uses, and two addons in one process would be two guards, each
// chaining the other's SIGBUS handler; workers and child processes inherit
// the variable, so they load the same build. Nothing in src/ uses the hooks:
// NativeBinding below is the production addon's surface.
import { createRequire } from 'node:module';

/** Opaque native handle of one guarded mapping. */
export type NativeHandle = { readonly __nativeMapping: unique symbol };
/** A compiled xkb keymap (libxkbcommon) and a keyboard state over one. */
export type XkbKeymapHandle = { readonly __xkbKeymap: unique symbol };
export type XkbStateHandle = { readonly __xkbState: unique symbol };
/** Memory of pixelsAlloc (native/addon/pixels.c). */
export type PixelsHandle = { readonly __pixels: unique symbol };

export interface XkbBinding {
  /** Compiles from RMLVO names (null or '' = the default); throws ERR_NOSIGBUS_XKB. */
  keymapFromNames(rules: string | null, model: string | null, layout: string | null, variant: string | null, options: string | null): XkbKeymapHandle;
  /** Compiles xkb_v1 text (up to its first NUL); null if it does not compile. */
  keymapFromBytes(bytes: Uint8Array): XkbKeymapHandle | null;
  keymapText(keymap: XkbKeymapHandle): string;
  /** [keycode, level, keysym, modmask] × n for the first layout. */
  keymapKeys(keymap: XkbKeymapHandle): Uint32Array;
  /** Modifier index by name, -1 if none. */
  modIndex(keymap: XkbKeymapHandle, name: string): number;
  stateNew(keymap: XkbKeymapHandle): XkbStateHandle;
  /** Presses (down) or releases an xkb keycode (< 8: no key, just read); out = [depressed, latched, locked, group]. */
  stateUpdateKey(state: XkbStateHandle, keycode: number, down: boolean, out: Uint32Array): void;
  /** Keysym by name (exact, then case-insensitive); 0 if none. */
  keysymFromName(name: string): number;
  keysymName(keysym: number): string;
  utf32ToKeysym(codepoint: number): number;
}

/** A Unix socket peer's credentials (SO_PEERCRED). */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** Opaque native uv_poll handle. */
export type NativePollHandle = { readonly __nativePoll: unique symbol };

export interface NativeListenResult {
  fd: number;
  lockFd: number;
  path: string;
  lockPath: string;
  name: string;
}

export interface NativeSocketBinding {
  readonly maxFdsPerSend: number;
  readonly maxFdsPerRecv: number;
  readonly sunPathMax: number;
  listen(name: string | null, runtimeDir: string | null): NativeListenResult;
  /** Unlinks socket and lock file, closes both fds (also done at env teardown). */
  closeListener(fd: number): void;
  /** fd, or -1 when nothing is pending. */
  accept(fd: number): number;
  peerCredentials(fd: number): PeerCredentials;
  connect(path: string): number;
  pair(nonblock: boolean): [number, number];
  setNonBlocking(fd: number, on: boolean): void;
  dup(fd: number): number;
  closeFd(fd: number): void;
  /** bytes > 0, 0 at EOF, -1 for EAGAIN; fds appended to fdSink. */
  recv(fd: number, buffer: ArrayBufferView | ArrayBuffer, offset: number, length: number, fdSink: number[]): number;
  /** bytes > 0 (fds sent), -1 for EAGAIN (nothing sent). */
  send(fd: number, buffer: ArrayBufferView | ArrayBuffer, offset: number, length: number, fds: readonly number[] | null): number;
  pollOpen(fd: number, callback: (status: number, events: number) => void): NativePollHandle;
  pollStart(handle: NativePollHandle, events: number): void;
  pollRef(handle: NativePollHandle, ref: boolean): void;
  pollClose(handle: NativePollHandle): void;
  activePolls(): number;
}

export interface NativeBinding {
  readonly pageSize: number;
  /** The handle; out[0] = the window's external ArrayBuffer, or undefined
   * where the runtime refuses external buffers. */
  map(fd: number, offset: number, length: number, writable: boolean, mode: number, allowFuse: boolean, out: [ArrayBuffer | undefined]): NativeHandle;
  close(handle: NativeHandle, buffer: ArrayBuffer | undefined): void;
  /** The new window's buffer (undefined where external buffers are refused). */
  remap(handle: NativeHandle, length: number, oldBuffer: ArrayBuffer | undefined): ArrayBuffer | undefined;
  sealed(handle: NativeHandle): boolean;
  stats(handle: NativeHandle): [rescues: number, firstOffset: number, degraded: boolean];
  /** stats()[0] alone (no array made). */
  rescueCount(handle: NativeHandle): number;
  copyTo(handle: NativeHandle, target: ArrayBufferView | ArrayBuffer, targetOffset: number, from: number, length: number): number;
  activeMappings(): number;
  handlerInstalled(): boolean;
  ensureGuard(): boolean;
  budget(): [limit: number, others: number, headroom: number, used: number, available: number, quarantined: number];
  memfd(name: string, size: number, seals: number, noexec: boolean): number;
  seals(fd: number): number;
  fileSize(fd: number): number;
  addSeals(fd: number, seals: number): void;
  /** [0, length) of fd copied out of a plain mmap that nosigbus does not guard
   * (native/addon/unguarded.c): past end of file the process dies of SIGBUS,
   * which is the main job's contrast (src/cli/unguarded-reader.ts). */
  readUnguarded(fd: number, length: number): ArrayBuffer;
  xkb: XkbBinding;
  /** Unix sockets, SCM_RIGHTS, flock, uv_poll (native/addon/socket.c), used by src/wire/socket.ts. */
  socket: NativeSocketBinding;
  /** Zeroed private memory of its own, as an ArrayBuffer; pixelsFree detaches it and unmaps now. */
  pixelsAlloc(bytes: number): [ArrayBuffer, PixelsHandle];
  pixelsFree(buffer: ArrayBuffer, handle: PixelsHandle): void;
  /** The wl_shm formats pixman reads (native/addon/composite.c): [format, bytes per pixel, has alpha]. */
  shmFormats(): [format: number, bytesPerPixel: number, alpha: boolean][];
  /** Draws dst's rect [x, x+width) × [y, y+height) from src through `matrix` (native/addon/composite.c). */
  composite(
    op: number, filter: number, dst: Uint32Array, dstWidth: number, dstHeight: number,
    src: ArrayBufferView | ArrayBuffer | NativeHandle, srcOffset: number, srcStride: number, srcFormat: number, srcWidth: number, srcHeight: number,
    matrix: Float64Array, x: number, y: number, width: number, height: number,
  ): void;
  /** `rows` rows of `rowBytes` bytes from src to dst (native/addon/copy.c), red and
   * blue swapped in each 4-byte pixel with swapRB; ranges checked first
   * (ERR_NOSIGBUS_BAD_RANGE), source and destination must not overlap. */
  copyRows(dst: ArrayBufferView | ArrayBuffer, dstOffset: number, dstStride: number, src: ArrayBufferView | ArrayBuffer, srcOffset: number, srcStride: number, rowBytes: number, rows: number, swapRB: boolean): void;
}

const TEST_BUILD = 'nosigbus_testing';
const build = process.env.NOSIGBUS_TEST_BUILD === '1' ? TEST_BUILD : 'nosigbus';
const require = createRequire(import.meta.url);
// dist/src/shm/native.js -> <package root>/build/Release/<build>.node
export const native: NativeBinding = require(`../../../build/Release/${build}.node`) as NativeBinding;

/** The addon this process loaded, if it is the test build: the same object
 * as `native` (its hooks act on the mappings src/ makes), for
 * test/support/native-testing.ts, which types the hooks. Throws if the
 * production addon was loaded. */
export function testingBuild(): NativeBinding {
  if (build !== TEST_BUILD) {
    throw new Error('this process loaded the production addon, which has no test hooks: set NOSIGBUS_TEST_BUILD=1 before anything loads src/shm/native.js (import test/support/native-testing.js first)');
  }
  return native;
}
