// A pipe's two fds (Node has no pipe() call): a FIFO opened at both ends, then unlinked.
import { spawnSync } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';
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
