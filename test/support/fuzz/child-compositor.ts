// The compositor of a long fuzz run, in its own process (started by
// ChildTarget with an IPC channel): a crash is an exit with a signal or a
// status, its fds and VmHWM are its own, and nothing of the fuzzer's runs
// inside it.
//
// Messages from the parent: { id, cmd: 'step', step } runs a HarnessStep;
// { id, cmd: 'leftovers' } answers the per-client state it still holds;
// { cmd: 'exit' } closes the compositor and ends the process. It sends
// { type: 'ready', path } once listening, { type: 'log', line } for every
// log line, { id, ok, error?, leftovers?, clientStats? } as answers.
import { rmSync } from 'node:fs';
import { Compositor } from '../../../src/compositor/index.js';
import { activeMappings } from '../../../src/shm/index.js';
import { activePolls } from '../../../src/wire/socket.js';
import { applyStep, hotspotsOf, leftoversOf, type HarnessStep } from './target.js';
import { privateDir } from '../common.js';

interface StepMessage {
  id: number;
  cmd: 'step';
  step: HarnessStep;
}

interface LeftoversMessage {
  id: number;
  cmd: 'leftovers';
}

interface HotspotsMessage {
  id: number;
  cmd: 'hotspots';
}

interface HeapMessage {
  id: number;
  cmd: 'heap';
}

interface ExitMessage {
  cmd: 'exit';
}

type ParentMessage = StepMessage | LeftoversMessage | HotspotsMessage | HeapMessage | ExitMessage;

function send(message: object): void {
  process.send?.(message);
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const runtimeDir = privateDir('nosigbus-fuzz-');
const compositor = new Compositor({
  width: arg('width', 640),
  height: arg('height', 480),
  logLevel: 'error',
  // Pings every second: every client answers (a FuzzClient pongs in its handler); none is disconnected for it.
  pingIntervalMs: 1000,
  onTruncate: process.argv.includes('--zero') ? 'zero' : 'error',
  cursor: true,
  log: (line) => send({ type: 'log', line }),
});
const listener = compositor.listen('wayland-fuzz', runtimeDir);
const baseline = { mappings: activeMappings(), polls: activePolls() };

process.on('message', (raw: ParentMessage) => {
  if (raw.cmd === 'exit') {
    compositor.close();
    listener.close();
    rmSync(runtimeDir, { recursive: true, force: true });
    process.exit(0);
  }
  if (raw.cmd === 'heap') {
    // Started with --expose-gc: what is still referenced once garbage is collected (twice:
    // array buffers are freed by a sweep after the first).
    const gc: unknown = Reflect.get(globalThis, 'gc');
    const collect = (): void => {
      if (typeof gc === 'function') gc();
    };
    collect();
    setTimeout(() => {
      collect();
      const m = process.memoryUsage();
      send({ id: raw.id, ok: true, heapUsed: m.heapUsed, external: m.arrayBuffers });
    }, 100);
    return;
  }
  if (raw.cmd === 'hotspots') {
    send({ id: raw.id, ok: true, hotspots: hotspotsOf(compositor) });
    return;
  }
  if (raw.cmd === 'leftovers') {
    send({ id: raw.id, ok: true, leftovers: leftoversOf(compositor, baseline), clientStats: compositor.clientStats.length });
    return;
  }
  applyStep(compositor, raw.step).then(
    () => send({ id: raw.id, ok: true }),
    (e: unknown) => send({ id: raw.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', path: listener.path });
