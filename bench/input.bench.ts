// Key latency: from a `compositor.input.type()` call to the wl_keyboard.key
// that wev (Debian) reads, as its WAYLAND_DEBUG=1 trace timestamps it
// (libwayland prints CLOCK_REALTIME in microseconds, wrapped to 32 bits).
// Median over 200 keys, one at a time, the compositor in this process.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { Compositor } from '../src/compositor/index.js';
import { wl_data_device_manager } from '../src/protocol/wayland.js';
import type { Resource } from '../src/server/index.js';
import { sleep, privateDir } from '../test/support/common.js';

const KEYS = 200;
/** CLOCK_REALTIME in µs mod 2^32, as libwayland's trace prints it. */
const realtimeUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000) % 2 ** 32;

export async function run(): Promise<void> {
  if (!existsSync('/usr/bin/wev')) {
    console.log('skipped: /usr/bin/wev not found (Debian package wev)');
    return;
  }
  const dir = privateDir('nosigbus-bench-input-');
  chmodSync(dir, 0o700);
  const compositor = new Compositor({ width: 640, height: 480, logLevel: 'error', pingIntervalMs: 0 });
  // wev needs a wl_data_device_manager (it does not check for one).
  if (![...compositor.display.globals.values()].some((g) => g.iface.name === 'wl_data_device_manager'))
    compositor.display.createGlobal(wl_data_device_manager, 3, (m) =>
      m.implement({ create_data_source: (_r, [s]) => void (s as Resource).implement({}), get_data_device: (_r, [d]) => void (d as Resource).implement({}) }));
  compositor.listen('wayland-bench', dir);
  const wev = spawn('wev', [], { env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'wayland-bench', WAYLAND_DEBUG: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let trace = '';
  const keyTimes: number[] = [];
  wev.stderr.on('data', (d: Buffer) => {
    trace += d.toString();
    let nl;
    while ((nl = trace.indexOf('\n')) >= 0) {
      const line = trace.slice(0, nl);
      trace = trace.slice(nl + 1);
      // [1234567.890] wl_keyboard@14.key(9, 1162, 30, 1)   (presses only)
      const m = /^\[\s*(\d+)\.(\d{3})\] wl_keyboard@\d+\.key\(\d+, \d+, \d+, 1\)/.exec(line);
      if (m) keyTimes.push(Number(m[1]) * 1000 + Number(m[2]));
    }
  });
  try {
    for (let i = 0; i < 200 && compositor.seat.keyboardFocus === null; i++) await sleep(25);
    if (compositor.seat.keyboardFocus === null) throw new Error('wev did not get keyboard focus');
    await sleep(200);
    const latencies: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const before = keyTimes.length;
      const t0 = realtimeUs();
      await compositor.input.type('a');
      for (let k = 0; k < 400 && keyTimes.length === before; k++) await sleep(1);
      const t1 = keyTimes[before];
      if (t1 === undefined) throw new Error(`key ${i} never reached wev`);
      latencies.push(((t1 - t0 + 2 ** 32) % 2 ** 32) / 1000);
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(3);
    console.log(`type() → wev's wl_keyboard.key (WAYLAND_DEBUG timestamps), ${KEYS} keys, ms:`);
    console.log(`  median ${q(0.5)}   p90 ${q(0.9)}   min ${latencies[0]!.toFixed(3)}   max ${latencies.at(-1)!.toFixed(3)}`);
  } finally {
    if (wev.exitCode === null && wev.pid) process.kill(wev.pid, 'SIGTERM');
    await new Promise((r) => (wev.exitCode !== null ? r(null) : wev.on('close', r)));
    compositor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
