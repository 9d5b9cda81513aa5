// Guarded mappings against their unguarded floor, side by side in one run.
// Targets (issue 2): steady-state read >= 0.98 of raw mmap; map+close <= 1.5x
// raw mmap+munmap; read after truncation (tail) <= 1.2x fresh anonymous memory.
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../test/support/native-testing.js';
import { closeSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { map, memfd } from '../src/shm/index.js';
import { handleOf } from '../src/shm/mapping.js';

const SIZE = 3840 * 2160 * 4; // one 4K XRGB8888 buffer

function sum32(u: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s = (s + u[i]!) | 0;
  return s;
}

/** Median wall time in ms of fn() over `runs` runs, each after an untimed setup. */
function timeMs<T>(runs: number, setup: () => T, fn: (x: T) => void, teardown: (x: T) => void = () => {}): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = setup();
    const t0 = process.hrtime.bigint();
    fn(x);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    teardown(x);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function filledMemfd(): number {
  const fd = memfd('bench', SIZE);
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  for (let off = 0; off < SIZE; off += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, SIZE - off), off);
  return fd;
}

const row = (name: string, ms: number, base: number, baseName: string, target: string): void =>
  console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms   ${baseName.padEnd(26)} ${base.toFixed(3).padStart(9)} ms   ratio ${(ms / base).toFixed(3)}  ${target}`);

export function run(): void {
  const fd = filledMemfd();

  // 1. Steady state: a faulted-in mapping, read again and again.
  const guarded = map(fd, { length: SIZE });
  const [rawBuf, rawHandle] = native.testing.rawMap(fd, SIZE);
  const g32 = new Uint32Array(guarded.bytes.buffer, guarded.bytes.byteOffset, SIZE / 4);
  const r32 = new Uint32Array(rawBuf);
  sum32(g32); sum32(r32); // fault in, warm up the JIT
  let gMs = 0, rMs = 0;
  for (let round = 0; round < 3; round++) {
    gMs += timeMs(7, () => g32, sum32);
    rMs += timeMs(7, () => r32, sum32);
  }
  row('read faulted 3840x2160x4, guarded', gMs / 3, rMs / 3, 'raw mmap', `(throughput ratio ${(rMs / gMs).toFixed(3)}, target >= 0.98)`);
  guarded.close();
  native.testing.rawUnmap(rawBuf, rawHandle);

  // 2. map + close against raw mmap + munmap, through N-API both.
  // Rounds alternate (as bench/c/map.c does), so the machine's load drifting
  // during the run weighs on both alike; medians of each.
  const N = 5000;
  const guardedRound = (): void => { for (let i = 0; i < N; i++) map(fd, { length: SIZE }).close(); };
  const rawRound = (): void => { for (let i = 0; i < N; i++) { const [b, h] = native.testing.rawMap(fd, SIZE); native.testing.rawUnmap(b, h); } };
  const guardedMs: number[] = [], rawMs: number[] = [];
  for (let round = 0; round < 7; round++) {
    guardedMs.push(timeMs(1, () => 0, guardedRound));
    rawMs.push(timeMs(1, () => 0, rawRound));
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  const mapClose = median(guardedMs);
  const rawMapUnmap = median(rawMs);
  row(`map+close x${N}`, mapClose, rawMapUnmap, 'raw mmap+munmap', `(per pair ${(mapClose / N * 1000).toFixed(2)} us vs ${(rawMapUnmap / N * 1000).toFixed(2)} us, target <= 1.5)`);
  // Where the difference goes: the same cycle when no ArrayBuffer is made
  // (the copyTo-only path).
  native.testing.refuseExternalBuffers(true);
  const mapCloseNoBuffer = timeMs(5, () => 0, () => { for (let i = 0; i < N; i++) map(fd, { length: SIZE }).close(); });
  native.testing.refuseExternalBuffers(false);
  row(`map+close x${N}, no ArrayBuffer (copyTo only)`, mapCloseNoBuffer, rawMapUnmap, 'raw mmap+munmap', '(no external buffer: dup+fstat+sigaction+N-API only)');

  // 3. First read after truncation: tail and page mode against fresh anonymous memory.
  const truncated = (mode: 'tail' | 'page') => () => {
    const f = memfd('bench-trunc', SIZE);
    const m = map(f, { length: SIZE, mode });
    ftruncateSync(f, 0);
    return { f, m, u: new Uint32Array(m.bytes.buffer, m.bytes.byteOffset, SIZE / 4) };
  };
  const closeTruncated = (x: { f: number; m: { close(): void } }): void => { x.m.close(); closeSync(x.f); };
  const anon = () => { const [b, h] = native.testing.rawMap(-1, SIZE); return { b, h, u: new Uint32Array(b) }; };
  const tail = timeMs(9, truncated('tail'), (x) => sum32(x.u), closeTruncated);
  const page = timeMs(5, truncated('page'), (x) => sum32(x.u), closeTruncated);
  const fresh = timeMs(9, anon, (x) => sum32(x.u), (x) => native.testing.rawUnmap(x.b, x.h));
  row('read after truncation, tail mode', tail, fresh, 'fresh anonymous memory', '(target <= 1.2)');
  row('read after truncation, page mode', page, tail, 'tail mode', `(${SIZE / 4096} signals vs 1)`);

  // 4. Copy-out: guarded copyTo vs Buffer.copy from the mapping vs pread.
  const m = map(fd, { length: SIZE });
  const target = Buffer.alloc(SIZE);
  const view = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, SIZE);
  m.copyTo(target); view.copy(target); readSync(fd, target, 0, SIZE, 0);
  const copyTo = timeMs(15, () => 0, () => m.copyTo(target));
  const bufferCopy = timeMs(15, () => 0, () => view.copy(target));
  const pread = timeMs(15, () => 0, () => readSync(fd, target, 0, SIZE, 0));
  row('copyTo 33 MB', copyTo, bufferCopy, 'Buffer.copy', '');
  row('copyTo 33 MB', copyTo, pread, 'pread into a reused buffer', '');
  m.close();

  // 5. The handler's range lookup at 1 to 100,000 live guarded ranges (issue
  // 6): ns per lookup (binary search under a seqlock), and the first read
  // after a truncation (one SIGBUS, lookup, fstat, one mmap) with that many
  // other ranges live.
  const lookupAt = (n: number): [number, number] => {
    const fake = n > 1 ? native.testing.fakeRanges(n - 1) : undefined;
    const f = memfd('bench-lookup', 64 * 4096);
    const probe = map(f, { length: 64 * 4096 });
    const ns = native.testing.lookupNs(handleOf(probe), 2_000_000);
    const faults = timeMs(21, () => {
      const g = memfd('bench-fault', 4 * 4096);
      const t = map(g, { length: 4 * 4096 });
      ftruncateSync(g, 0);
      return { g, t };
    }, (x) => { if (x.t.bytes[3 * 4096] !== 0) throw new Error('zeros expected'); }, (x) => { x.t.close(); closeSync(x.g); });
    probe.close();
    closeSync(f);
    if (fake) native.testing.dropFakeRanges(fake);
    return [ns, faults * 1000];
  };
  const [ns1, us1] = lookupAt(1);
  for (const n of [1, 1000, 10_000, 100_000]) {
    const [ns, us] = n === 1 ? [ns1, us1] : lookupAt(n);
    console.log(`${`handler lookup, ${n} live ranges`.padEnd(44)} ${ns.toFixed(1).padStart(9)} ns   first read after truncation ${us.toFixed(1).padStart(7)} us   ratio to 1 range ${(us / us1).toFixed(2)}`);
  }
  closeSync(fd);
}
