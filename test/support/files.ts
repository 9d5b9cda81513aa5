// Backing files of every kind a client may hand over (docs/contract.md point 5).
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memfd } from '../../src/shm/index.js';

const TMPFS_MAGIC = 0x01021994;

export interface Backing {
  kind: string;
  fd: number;
}

export const BACKING_KINDS = ['memfd', 'memfd-sealed-grow', 'memfd-noexec', 'dev-shm', 'disk'] as const;
export type BackingKind = (typeof BACKING_KINDS)[number];

/** A directory on a disk filesystem (not tmpfs), for the "ICC profile on disk" case. */
export function diskDir(): string {
  for (const dir of [tmpdir(), '/var/tmp', process.cwd()]) {
    try {
      if (statfsSync(dir).type !== TMPFS_MAGIC) return dir;
    } catch {
      // try the next one
    }
  }
  throw new Error('no disk filesystem found for temporary files');
}

function unlinkedFile(dir: string, size: number): number {
  const d = mkdtempSync(join(dir, 'nosigbus-'));
  const path = join(d, 'buffer');
  const fd = openSync(path, 'w+');
  unlinkSync(path);
  rmSync(d, { recursive: true });
  if (size) writeSync(fd, Buffer.alloc(1), 0, 1, size - 1);
  return fd;
}

/** A file of `size` bytes filled with `pattern(i)` at byte i. The caller truncates it at will,
 * so only seals that allow shrinking are used. */
export function makeBacking(kind: BackingKind, size: number, pattern: (i: number) => number = defaultPattern): Backing {
  let fd: number;
  switch (kind) {
    case 'memfd': fd = memfd('test', size); break;
    case 'memfd-sealed-grow': fd = memfd('test', size, { seal: ['grow'] }); break;
    case 'memfd-noexec': fd = memfd('test', size, { noexec: supportsNoexec() }); break;
    case 'dev-shm': fd = unlinkedFile('/dev/shm', size); break;
    case 'disk': fd = unlinkedFile(diskDir(), size); break;
  }
  fill(fd, size, pattern);
  return { kind, fd };
}

let noexec: boolean | undefined;
function supportsNoexec(): boolean {
  if (noexec === undefined) {
    try {
      closeSync(memfd('probe', 0, { noexec: true }));
      noexec = true;
    } catch {
      noexec = false; // kernel < 6.3
    }
  }
  return noexec;
}

export function defaultPattern(i: number): number {
  return (i * 7 + 3) & 0xff || 1; // never zero, so zeros mean "past EOF"
}

export function fill(fd: number, size: number, pattern: (i: number) => number = defaultPattern, from = 0): void {
  const buf = Buffer.alloc(size - from);
  for (let i = from; i < size; i++) buf[i - from] = pattern(i);
  writeSync(fd, buf, 0, buf.length, from);
}

/** Asserts bytes[i] == pattern(offset+i) before eof, 0 after; returns the first mismatch or -1. */
export function firstMismatch(bytes: Uint8Array, fileOffset: number, eof: number, pattern: (i: number) => number = defaultPattern): number {
  for (let i = 0; i < bytes.length; i++) {
    const want = fileOffset + i < eof ? pattern(fileOffset + i) : 0;
    if (bytes[i] !== want) return i;
  }
  return -1;
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Writes to `fd` until its filesystem is full, down to its last 1 KiB block. */
export function fillUp(fd: number): void {
  for (const chunk of [1 << 20, 64 << 10, 1 << 10]) {
    try {
      for (;;) writeSync(fd, Buffer.alloc(chunk, 1));
    } catch {
      // ENOSPC: nothing of this size fits any more
    }
  }
}
