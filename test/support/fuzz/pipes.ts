// fds the fuzzer hands over and reads back: pipes for selection transfers
// (a socketpair mostly, a real FIFO sometimes), pool files of every kind.
//
// Invariants:
//  - every end we create is non-blocking: a source writing into a reader
//    that never reads gets EAGAIN, never blocks the process (the compositor
//    may run in it);
//  - the caller owns what these return and closes it exactly once.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { memfd } from '../../../src/shm/index.js';
import { nativeSocket } from '../../../src/wire/socket.js';
import { privateDir } from '../common.js';

export interface PipeEnds {
  read: number;
  write: number;
  kind: 'socketpair' | 'fifo';
}

/** A one-way channel for a selection transfer: `write` goes to the source, we drain `read`. */
export function makePipe(fifo: boolean): PipeEnds {
  if (!fifo) {
    const [a, b] = nativeSocket.pair(true);
    return { read: a, write: b, kind: 'socketpair' };
  }
  const dir = privateDir('nosigbus-fuzz-fifo-');
  const path = join(dir, 'fifo');
  try {
    if (spawnSync('mkfifo', [path]).status !== 0) throw new Error('mkfifo failed');
    const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    return { read, write, kind: 'fifo' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const scratch = Buffer.alloc(65536);

/** Reads what is there without blocking: 'eof' once every writer closed, else the bytes read (maybe 0). */
export function drain(fd: number): number | 'eof' {
  let total = 0;
  for (let i = 0; i < 16; i++) {
    let n: number;
    try {
      n = readSync(fd, scratch, 0, scratch.length, null);
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? e.code : undefined;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return total;
      return 'eof';
    }
    if (n === 0) return 'eof';
    total += n;
  }
  return total;
}

/** Answers a selection `send`: a few bytes if the pipe takes them, then the fd is closed. */
export function answerSend(fd: number, payload: string): void {
  try {
    writeSync(fd, Buffer.from(payload));
  } catch {
    // EAGAIN (reader slow), EPIPE (reader gone), EBADF: the transfer ends here either way
  }
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

export type PoolFileKind = 'memfd' | 'memfd-no-shrink' | 'dev-shm' | 'readonly';

/** A file of `size` bytes for a pool, and the fd to send (for 'readonly' a second, O_RDONLY fd of the same file). */
export function makePoolFile(kind: PoolFileKind, size: number): { fd: number; sendFd: number; truncatable: boolean } {
  switch (kind) {
    case 'memfd': {
      const fd = memfd('fuzz-pool', size);
      return { fd, sendFd: fd, truncatable: true };
    }
    case 'memfd-no-shrink': {
      const fd = memfd('fuzz-pool', size, { seal: ['shrink'] });
      return { fd, sendFd: fd, truncatable: false };
    }
    case 'dev-shm': {
      const dir = mkdtempSync('/dev/shm/nosigbus-fuzz-');
      const path = join(dir, 'pool');
      const fd = openSync(path, 'w+');
      unlinkSync(path);
      rmSync(dir, { recursive: true, force: true });
      ftruncateSync(fd, size);
      return { fd, sendFd: fd, truncatable: true };
    }
    case 'readonly': {
      const fd = memfd('fuzz-pool-ro', size);
      const ro = openSync(`/proc/self/fd/${fd}`, 'r');
      return { fd, sendFd: ro, truncatable: true };
    }
  }
}

/** A memfd holding `bytes` (a keymap). */
export function memfdWith(bytes: Uint8Array): number {
  const fd = memfd('fuzz-keymap', bytes.length);
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, off);
  return fd;
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // not open
  }
}
