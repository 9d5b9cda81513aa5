// What several benchmarks measure alike: a process's CPU time from /proc,
// and whether a compositor's socket accepts yet.
import { readFileSync } from 'node:fs';
import { connectWayland } from '../src/wire/socket.js';
import { sleep } from '../test/support/common.js';

const TICK_MS = 10; // /proc clock ticks (USER_HZ 100)

export { sleep };

/** utime + stime of process `pid`, in ms (10 ms resolution). */
export function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/** A connection to $dir/$socket succeeds. */
export function accepting(dir: string, socket: string): boolean {
  try {
    connectWayland(socket, dir).close();
    return true;
  } catch {
    return false;
  }
}
