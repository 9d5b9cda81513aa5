// Server CPU time per request for a flooding client (a child process writing
// wl_surface attach/damage_buffer/commit as fast as the socket takes them).
import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { wl_compositor } from '../src/protocol/wayland.js';
import { Display, type Resource } from '../src/server/index.js';
import { privateDir } from '../test/support/common.js';

const REQUESTS = 600_000;

const FLOODER = `
const net = require('node:net');
const [path, count] = process.argv.slice(1);
const words = (...w) => { const b = Buffer.alloc(w.length * 4); w.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4)); return b; };
const msg = (id, op, ...w) => Buffer.concat([words(id, ((8 + w.length * 4) << 16) | op), words(...w)]);
const str = (s) => { const b = Buffer.alloc(4 + Math.ceil((s.length + 1) / 4) * 4); b.writeUInt32LE(s.length + 1, 0); b.write(s, 4); return b; };
const bind = Buffer.concat([words(2, 0, 1), str('wl_compositor'), words(5, 3)]);
bind.writeUInt32LE(((bind.length) << 16) | 0, 4);
const pre = Buffer.concat([msg(1, 1, 2), bind, msg(3, 0, 4)]);
const triple = Buffer.concat([msg(4, 1, 0, 0, 0), msg(4, 9, 0, 0, 64, 64), msg(4, 6)]);
const per = 3, n = Math.ceil(Number(count) / per);
const body = Buffer.concat(Array.from({ length: 4096 }, () => triple));
const s = net.createConnection(path, () => {
  s.write(pre);
  let left = n;
  const pump = () => { while (left > 0) { const k = Math.min(left, 4096); left -= k; if (!s.write(k === 4096 ? body : body.subarray(0, k * triple.length))) return s.once('drain', pump); } s.end(); };
  pump();
});
s.on('data', () => {});
s.on('error', (e) => { console.error('flooder:', e.message); process.exit(1); });
`;

export async function run(): Promise<void> {
  const dir = privateDir('nosigbus-bench-');
  chmodSync(dir, 0o700);
  const display = new Display();
  let handled = 0;
  const count = (): void => {
    handled++;
  };
  display.createGlobal(wl_compositor, 5, (compositor) =>
    compositor.implement({ create_surface: (_c, [surface]) => (surface as Resource).implement({ attach: count, damage_buffer: count, commit: count }) }));
  const socket = display.addSocket({ runtimeDir: dir });
  const done = new Promise<void>((resolve) => display.onClient((c) => c.onDestroy(() => resolve())));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-e', FLOODER, socket.path, String(REQUESTS)], { stdio: 'inherit' });
  await done;
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => child.on('exit', r));
  const cpuUs = cpu.user + cpu.system;
  if (handled < REQUESTS) throw new Error(`only ${handled} of ${REQUESTS} requests reached their handlers`);
  console.log(`flooding client: ${handled} requests (attach/damage_buffer/commit) in ${wallMs.toFixed(0)} ms wall`);
  console.log(`server CPU ${(cpuUs / 1000).toFixed(0)} ms = ${((cpuUs * 1000) / REQUESTS).toFixed(0)} ns per request (${((REQUESTS / cpuUs) * 1e6 / 1e6).toFixed(2)} M requests per CPU second)`);
  display.destroy();
  rmSync(dir, { recursive: true });
}
