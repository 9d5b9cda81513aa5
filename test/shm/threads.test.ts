// docs/contract.md point 6: any thread, any process doing the truncation, no brackets.
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { test } from 'node:test';
import { activeMappings, map, pageSize } from '../../src/shm/index.js';
import { handleOf } from '../../src/shm/mapping.js';
import { makeBacking } from '../support/files.js';
import { sleepSync, waitFor } from '../support/common.js';

const SIZE = 64 * pageSize;
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));

for (const how of ['ftruncate', 'reopen'] as const) {
  test(`another process truncates (${how}) while this one reads in a hot loop`, async () => {
    const { fd } = makeBacking('memfd', SIZE);
    const m = map(fd, { length: SIZE });
    const peer = spawn(process.execPath, [fixture('truncate-peer'), String(process.pid), String(fd), '50', how], {
      stdio: ['ignore', 'pipe', 'inherit', fd],
    });
    const exited = once(peer, 'exit');
    const deadline = Date.now() + 10_000;
    let passes = 0;
    // Hot loop: the event loop is blocked; the peer truncates on its own clock.
    while (Date.now() < deadline && m.rescues.count === 0) {
      for (let i = 0; i < SIZE; i += 256) passes += m.bytes[i]! & 1;
    }
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(m.rescues.count, 1, 'the truncation was rescued');
    assert.ok(m.bytes.every((b) => b === 0), 'zeros after the truncation');
    m.close();
    closeSync(fd);
  });
}

test('worker_threads read while the main thread truncates and closes', async () => {
  const { fd } = makeBacking('memfd', SIZE);
  const control = new SharedArrayBuffer(16);
  const flags = new Int32Array(control);
  const workers = [0, 1, 2].map((i) => new Worker(fixture('reader-worker'), { workerData: { fd, length: SIZE, control, closeItself: i !== 2 } }));
  while (Atomics.load(flags, 2) < workers.length) await new Promise((r) => setTimeout(r, 5));
  const mine = map(fd, { length: SIZE });
  ftruncateSync(fd, 0);
  Atomics.store(flags, 1, 1);
  assert.equal(mine.bytes[SIZE - 1], 0);
  mine.close(); // main closes its mapping and the fd while the workers read
  closeSync(fd);
  // Each worker reads a whole pass after the truncation (however busy the machine), then stops.
  await waitFor(() => Atomics.load(flags, 3) === workers.length, 'every worker to read after the truncation', 30_000);
  const messages = workers.map((w) => once(w, 'message').then(([msg]) => msg as { passes: number; zerosAfterTruncation: boolean; rescues: number }));
  const exits = workers.map((w) => once(w, 'exit'));
  Atomics.store(flags, 0, 1);
  const reports = await Promise.all(messages);
  await Promise.all(exits);
  for (const r of reports) {
    assert.ok(r.passes > 0);
    assert.equal(r.zerosAfterTruncation, true);
    assert.equal(r.rescues, 1);
  }
  // The third worker exited without close(): environment teardown unmapped it.
  assert.equal(activeMappings(), 0);
});

test('native threads read while the main thread truncates', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const token = native.testing.startThreads(handleOf(m), 4, 0);
  sleepSync(5);
  ftruncateSync(fd, 0);
  sleepSync(20);
  const r = native.testing.stopThreads(token);
  assert.equal(r.threads, 4);
  assert.ok(r.reads > 0);
  assert.equal(m.rescues.count, 1, 'concurrent faults on one truncation: one replacement');
  m.close();
  closeSync(fd);
});
