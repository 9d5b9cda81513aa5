// The session API's typing, end to end: `Window.type()` of 200 keys (a
// sentence with capitals: Shift strokes too) into foot, timed until foot's
// pty has delivered all 200 bytes to the program reading it (`head -c 200`
// in raw mode, which then writes a line into a FIFO we read). Against a
// floor measured in the same run into the same foot: wtype (Debian) typing
// the same 200 keys through zwp_virtual_keyboard_v1 (a process start and its
// keymap each time: what a shell script pays today; Debian's wtype 0.4 also
// makes two roundtrips and sleeps 2 ms after each press and each release, so
// about 800 ms of its time is its own pacing). Also attach()'s type()
// through the control socket (JSON line, socket, then the same function).
// type() sends all 200 strokes at once; foot reads them as they come.
// Medians of ROUNDS, each kind first, second and third in turn.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { attach, launch, type Window } from '../src/session/index.js';
import { privateDir } from '../test/support/common.js';

const KEYS = 200;
const ROUNDS = 15; // a multiple of the three kinds
const TEXT = 'The Quick Brown Fox Jumps Over The Lazy Dog 0123456789 '.repeat(4).slice(0, KEYS);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  for (const exe of ['/usr/bin/foot', '/usr/bin/wtype']) {
    if (!existsSync(exe)) {
      console.log(`skipped: ${exe} not found (Debian packages foot, wtype)`);
      return;
    }
  }
  const dir = privateDir('nosigbus-bench-session-');
  const fifo = join(dir, 'rounds');
  execFileSync('mkfifo', [fifo]);
  // Raw mode, no echo: every key is one byte for head as soon as foot writes it to the pty.
  const script = `stty raw -echo; exec 3>"${fifo}"; echo ready >&3; while head -c ${KEYS} >/dev/null; do echo done >&3; done`;
  const session = await launch(['foot', '--override=font=DejaVu Sans Mono:size=10', 'sh', '-c', script], { env: { HOME: dir, LANG: 'C.UTF-8' }, control: true });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  const reader = createReadStream(fifo, { encoding: 'utf8' });
  let buffered = '';
  reader.on('data', (d: string | Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
    wake?.();
  });
  const next = async (what: string): Promise<string> => {
    const deadline = setTimeout(() => wake?.(), 20_000);
    while (lines.length === 0) {
      await new Promise<void>((resolve) => (wake = resolve));
      if (lines.length === 0) throw new Error(`no line from foot's program (${what}) within 20 s; ${session.program?.stderr().slice(-500)}`);
    }
    clearTimeout(deadline);
    wake = null;
    return lines.shift()!;
  };
  const remote = await attach({ socket: session.controlSocket! });
  try {
    const win: Window = await session.waitForWindow({ appId: 'foot', timeout: 30_000 });
    if ((await next('ready')) !== 'ready') throw new Error('foot\'s program did not start');
    const remoteWin = await remote.window(win.id);
    const times = { api: [] as number[], socket: [] as number[], wtype: [] as number[] };
    const round = async (kind: keyof typeof times, type: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await type();
      if ((await next(kind)) !== 'done') throw new Error('unexpected line');
      times[kind].push(performance.now() - t0);
    };
    const wtype = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const p = spawn('wtype', [TEXT], { env: { PATH: process.env.PATH, ...session.env }, stdio: 'ignore' });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wtype exited with ${code}`))));
      });
    const kinds: [keyof typeof times, () => Promise<unknown>][] = [['api', () => win.type(TEXT)], ['socket', () => remoteWin.type(TEXT)], ['wtype', wtype]];
    // Each kind goes first, second and third equally often (foot may be warmer after a round).
    for (let i = 0; i < ROUNDS; i++) for (let k = 0; k < kinds.length; k++) await round(...kinds[(i + k) % kinds.length]!);
    const api = median(times.api);
    const socket = median(times.socket);
    const floor = median(times.wtype);
    console.log(`${KEYS} keys typed into foot until its pty delivered them all (median of ${ROUNDS}, ms):`);
    console.log(`  Window.type() (in process)          ${api.toFixed(2).padStart(8)}   ratio ${(api / floor).toFixed(2)} of wtype`);
    console.log(`  attach() type() (control socket)    ${socket.toFixed(2).padStart(8)}   ratio ${(socket / floor).toFixed(2)} of wtype`);
    console.log(`  wtype '${KEYS} keys' (the floor)       ${floor.toFixed(2).padStart(8)}   ratio 1.00`);
  } finally {
    await remote.close();
    reader.destroy();
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
