// Issue 11: the C library and the preload against their floors, in one run.
// Targets: nosigbus_mmap+munmap <= 1.5x raw mmap+munmap; weston-simple-shm
// frames in 10 s (and weston's CPU) with the preload >= 0.98 of without.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WESTON, root, start, startWeston } from '../test/support/peer-compositors.js';
import { privateDir, sleep } from '../test/support/common.js';

const SIMPLE_SHM = '/usr/bin/weston-simple-shm';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/** weston-simple-shm frame callbacks in SECONDS, and weston's CPU meanwhile. */
async function frames(preload: boolean): Promise<{ frames: number; cpu: number }> {
  const weston = await startWeston(preload);
  const pid = weston.child.pid!;
  const client = start(SIMPLE_SHM, [], { ...weston.env, WAYLAND_DEBUG: 'client' }, (SECONDS + 30) * 1000);
  await sleep(1000); // connected and drawing
  const count = () => (client.stderr().match(/wl_callback@\d+\.done\(/g) ?? []).length;
  const f0 = count(), c0 = cpuSeconds(pid);
  await sleep(SECONDS * 1000);
  const f1 = count(), c1 = cpuSeconds(pid);
  process.kill(client.child.pid!, 'SIGTERM');
  await client.exited;
  await weston.stop();
  return { frames: f1 - f0, cpu: c1 - c0 };
}

export async function run(): Promise<void> {
  const dir = privateDir('nosigbus-bench-');
  const exe = join(dir, 'map');
  execFileSync('gcc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', `-I${join(root, 'include')}`, '-o', exe,
    join(root, 'bench/c/map.c'), join(root, 'build-c/libnosigbus.a'), '-lpthread']);
  const [ours, raw] = execFileSync(exe, ['20000'], { encoding: 'utf8' }).trim().split(' ').map(Number) as [number, number];
  rmSync(dir, { recursive: true });
  console.log(`nosigbus_mmap+munmap 256 KiB memfd   ${ours.toFixed(0).padStart(7)} ns   raw mmap+munmap ${raw.toFixed(0).padStart(7)} ns   ratio ${(ours / raw).toFixed(3)}  (target <= 1.5)`);

  if (![WESTON, SIMPLE_SHM].every(existsSync)) {
    console.log('weston-simple-shm under weston: skipped (install Debian weston)');
    return;
  }
  const without = await frames(false);
  const withPreload = await frames(true);
  console.log(`weston-simple-shm frames in ${SECONDS} s     with preload ${String(withPreload.frames).padStart(6)}   without ${String(without.frames).padStart(6)}   ratio ${(withPreload.frames / without.frames).toFixed(3)}  (target >= 0.98)`);
  console.log(`weston CPU over those ${SECONDS} s         with preload ${withPreload.cpu.toFixed(2).padStart(6)} s without ${without.cpu.toFixed(2).padStart(6)} s ratio ${(withPreload.cpu / Math.max(without.cpu, 0.01)).toFixed(3)}`);
}
