// A pipe's two fds (Node has no pipe() call): a FIFO opened at both ends, then unlinked.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir } from './common.js';

export function pipeFds(): [readEnd: number, writeEnd: number] {
  const dir = privateDir('nosigbus-fifo-');
  const path = join(dir, 'fifo');
  if (spawnSync('mkfifo', [path]).status !== 0) throw new Error('mkfifo failed');
  const readEnd = openSync(path, 'r+'); // O_RDWR: does not block on Linux
  const writeEnd = openSync(path, 'w');
  rmSync(dir, { recursive: true });
  return [readEnd, writeEnd];
}

/** A pipe whose read end is non-blocking and sees EOF once every write end is closed
 * (what a selection reader hands over: close `w` once it was sent). */
export function readablePipe(): { r: number; w: number } {
  const dir = privateDir('nosigbus-fifo-');
  const path = join(dir, 'fifo');
  if (spawnSync('mkfifo', [path]).status !== 0) throw new Error('mkfifo failed');
  const r = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(path, constants.O_WRONLY);
  rmSync(dir, { recursive: true });
  return { r, w };
}

/** Everything until EOF (polling the non-blocking read end of readablePipe()), then closes it. */
export async function readToEnd(fd: number, timeoutMs = 5000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  const start = Date.now();
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      if (Date.now() - start > timeoutMs) throw new Error('timed out reading the pipe');
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  closeSync(fd);
  return Buffer.concat(chunks);
}
