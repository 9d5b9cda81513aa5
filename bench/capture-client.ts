// The capture client of bench/capture.bench.ts, a child process (so the
// compositor process's CPU holds the compositor's work only): connects to
// the socket named in argv, then on each IPC message does one capture and
// answers {clientMs} (its CPU for it) at ready. Modes: 'reused' captures the
// output into its one buffer (a screen recorder), 'fresh' into a new
// memfd/pool/buffer each time (grim), 'pixel' a 1×1 region
// (capture_output_region) into a 1×1 buffer: the per-capture cost with no
// pixels to speak of; 'ping' captures nothing and answers at once (what the
// bench's own IPC costs the compositor process).
import { closeSync } from 'node:fs';
import { WaylandClient, type Proxy } from '../src/client/index.js';
import { bindCapture } from '../src/cli/capture-clients.js';
import { wl_shm } from '../src/protocol/wayland.js';
import { memfd } from '../src/shm/index.js';
import { connectWayland } from '../src/wire/socket.js';

export type CaptureMode = 'reused' | 'fresh' | 'pixel' | 'ping';
export interface CaptureRequest {
  mode: CaptureMode;
}
export interface CaptureReply {
  clientMs: number;
  error?: string;
}

const [socket, dir] = process.argv.slice(2, 4) as [string, string];
const [width, height] = process.argv.slice(4, 6).map(Number) as [number, number];
const send = (m: CaptureReply | 'ready'): void => void process.send!(m);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c = new WaylandClient(connectWayland(socket, dir));
await c.registry();
const g = bindCapture(c);
await c.roundtrip();
const XRGB = wl_shm.enums.format.entries.xrgb8888;

function destination(w: number, h: number): { buffer: Proxy; done: () => void } {
  const size = w * 4 * h;
  const fd = memfd('bench-capture', size);
  const pool = g.shm.request('create_pool', null, fd, size)!;
  const buffer = pool.request('create_buffer', null, 0, w, h, w * 4, XRGB)!.on('release', () => {});
  return {
    buffer,
    done: () => {
      buffer.request('destroy');
      pool.request('destroy');
      closeSync(fd);
    },
  };
}

const reused = destination(width, height);
const pixel = destination(1, 1);

function captureInto(buffer: Proxy, region: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const frame = region
      ? g.manager.request('capture_output_region', null, 0, g.output, 0, 0, 1, 1)!
      : g.manager.request('capture_output', null, 0, g.output)!;
    frame
      .on('buffer', () => {})
      .on('linux_dmabuf', () => {})
      .on('flags', () => {})
      .on('damage', () => {})
      .on('buffer_done', () => frame.request('copy', buffer))
      .on('ready', () => {
        frame.request('destroy');
        resolve();
      })
      .on('failed', () => reject(new Error('capture failed')));
  });
}

process.on('message', (m: CaptureRequest | 'close') => {
  if (m === 'close') {
    reused.done();
    pixel.done();
    c.close();
    process.disconnect();
    return;
  }
  if (m.mode === 'ping') {
    send({ clientMs: 0 });
    return;
  }
  const t0 = cpuMs();
  const d = m.mode === 'fresh' ? destination(width, height) : m.mode === 'pixel' ? pixel : reused;
  captureInto(d.buffer, m.mode === 'pixel').then(
    () => {
      if (m.mode === 'fresh') d.done();
      send({ clientMs: cpuMs() - t0 });
    },
    (e: unknown) => send({ clientMs: 0, error: String(e) }),
  );
});
send('ready');
