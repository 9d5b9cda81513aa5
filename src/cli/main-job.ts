// The main job (`npm start`): the compositor with built-in clients for a few
// seconds — one honest animated window, and every hostile client — under
// each truncation policy, then every hostile screen-capture client (it
// truncates or lies about the buffer the compositor writes the frame into)
// and an honest capture after them; then screenshot.png, a short report, and
// the same attack against a plain mmap reader in a child process, for
// contrast.
//
// Captures take a still part of the output (right of every window, which
// all cascade from the top-left corner), so what the capture file holds is
// checked against the framebuffer's bytes there.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Compositor, loadPngEncoder, type TruncationPolicy } from '../compositor/index.js';
import { wl_shm } from '../protocol/wayland.js';
import { socketPair } from '../wire/socket.js';
import { CAPTURE_ATTACK_DESCRIPTIONS, CAPTURE_ATTACKS, captureClient, UNTOUCHED, type CaptureAttack, type CaptureResult } from './capture-clients.js';
import { HOSTILE_DESCRIPTIONS, HOSTILE_KINDS, honestClient, hostileClient, type ClientRun } from './clients.js';

const PHASE_MS = 2000;
const WIDTH = 800;
const HEIGHT = 480;
/** Output pixels (scale 1) right of every window: the honest one and five hostile ones cascade to x < 360. */
const STILL = { x: 440, y: 0, width: WIDTH - 440, height: HEIGHT };

function shmErrorName(code: number | undefined): string {
  return Object.entries(wl_shm.enums.error.entries).find(([, v]) => v === code)?.[0] ?? String(code);
}

/** The framebuffer's bytes in `box`, row after row: what a capture of it must hold. */
function frameBytes(compositor: Compositor, box: typeof STILL): Buffer {
  const fb = compositor.output.framebuffer;
  const all = Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength);
  const rows: Buffer[] = [];
  for (let y = box.y; y < box.y + box.height; y++) rows.push(all.subarray((y * WIDTH + box.x) * 4, (y * WIDTH + box.x + box.width) * 4));
  return Buffer.concat(rows);
}

function captureOutcome(r: CaptureResult): string {
  if (r.outcome === 'ready') return 'ready (the copy was done)';
  if (r.outcome === 'failed') return 'failed';
  const e = r.error;
  const name = e?.interfaceName === 'wl_buffer' ? `wl_shm.error.${shmErrorName(e.errorCode)}` : `error ${e?.errorCode}`;
  return `${name} on its ${e?.interfaceName}: "${e?.message.replace(/^.*error \d+: /, '')}", disconnected`;
}

/** The capture file afterwards: its size against the frame's, and what its bytes are. */
function captureFile(r: CaptureResult, frame: Buffer): string {
  const n = r.fileSize;
  const size = `file ${n} bytes${n === frame.length ? '' : n * 2 === frame.length ? ' (half the frame)' : ` (frame ${frame.length})`}`;
  if (n === 0) return size;
  if (r.file.every((b) => b === UNTOUCHED)) return `${size}, untouched (still its 0x${UNTOUCHED.toString(16)} filler)`;
  if (r.file.every((b) => b === 0)) return `${size}, untouched (all zeros)`;
  return `${size}, ${r.file.equals(frame.subarray(0, n)) ? "exactly the frame's bytes" : "NOT the frame's bytes"}`;
}

interface PhaseResult {
  policy: TruncationPolicy;
  lines: string[];
  alive: boolean;
}

async function phase(policy: TruncationPolicy, screenshot: string | null): Promise<PhaseResult> {
  const compositor = new Compositor({ width: WIDTH, height: HEIGHT, onTruncate: policy, logLevel: 'error' });
  const connect = (label: string) => {
    const [server, client] = socketPair();
    compositor.addClient(server, label);
    return client;
  };
  const runs: ClientRun[] = [await honestClient(connect('honest'))];
  for (const kind of HOSTILE_KINDS) runs.push(await hostileClient(connect(kind), kind));
  await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
  if (screenshot) compositor.writeScreenshot(screenshot);
  const lines: string[] = [];
  for (const run of runs) {
    const stats = compositor.clientStats.find((s) => s.label === run.name);
    const what = run.kind ? HOSTILE_DESCRIPTIONS[run.kind] : 'an honest animated window';
    const outcome = run.error
      ? `wl_shm.error.${shmErrorName(run.error.errorCode)} on its ${run.error.interfaceName}: "${run.error.message.replace(/^.*error \d+: /, '')}", disconnected`
      : 'still running';
    lines.push(`  ${run.name.padEnd(22)} ${String(stats?.frames ?? 0).padStart(4)} frames shown, ${stats?.rescues ?? 0} rescue${stats?.rescues === 1 ? '' : 's'}, ${outcome}`);
    lines.push(`  ${''.padEnd(22)} (${what})`);
  }
  const errors = compositor.clientStats.filter((s) => s.protocolError).length;
  const rescues = compositor.clientStats.reduce((n, s) => n + s.rescues, 0);
  lines.push(`  ${rescues} truncated reads rescued, ${errors} protocol error${errors === 1 ? '' : 's'} sent`);
  lines.push(`  screen capture (wlr-screencopy) of ${STILL.width}×${STILL.height} at ${STILL.x},${STILL.y}, into buffers attacked by their clients:`);
  const frame = frameBytes(compositor, STILL);
  const capture = async (label: string, attack?: CaptureAttack): Promise<CaptureResult> => {
    const before = compositor.clientStats.length;
    const r = await captureClient(connect(label), attack ? { region: STILL, attack } : { region: STILL });
    const stats = compositor.clientStats.slice(before).find((x) => x.label === label);
    const late = attack === 'truncate-during' && r.outcome === 'ready' ? ', the truncation landed after it' : '';
    lines.push(`  ${label.padEnd(22)} ${captureOutcome(r)}${late}; ${captureFile(r, frame)}; ${stats?.rescues ?? 0} rescue${stats?.rescues === 1 ? '' : 's'}`);
    lines.push(`  ${''.padEnd(22)} (${attack ? CAPTURE_ATTACK_DESCRIPTIONS[attack] : 'an honest capture, after the attacks'})`);
    return r;
  };
  for (const attack of CAPTURE_ATTACKS) await capture(`capture ${attack}`, attack);
  const honestCapture = await capture('capture honest');
  const honest = runs[0]!;
  const framesBefore = honest.frames;
  // A new frame for the honest client, given up to 5 s (a loaded machine may be slow to run us).
  for (let waited = 0; waited < 5000 && !honest.error && honest.frames <= framesBefore; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const alive = !honest.error && honest.frames > framesBefore && honestCapture.outcome === 'ready';
  for (const run of runs) run.stop();
  compositor.close();
  return { policy, lines, alive };
}

function contrast(): string {
  const reader = fileURLToPath(new URL('./unguarded-reader.js', import.meta.url));
  const r = spawnSync(process.execPath, [reader], { encoding: 'utf8' });
  return r.signal === 'SIGBUS'
    ? 'died by SIGBUS, as a compositor without the guard would'
    : `ended with ${r.signal ?? `status ${r.status}`} (expected SIGBUS)`;
}

export async function mainJob(): Promise<void> {
  const start = Date.now();
  await loadPngEncoder();
  console.log('nosigbus: a headless Wayland compositor, one honest client and five hostile ones, each policy for 2 s; then five hostile screen-capture clients and an honest one\n');
  for (const policy of ['error', 'zero'] as const) {
    const r = await phase(policy, policy === 'zero' ? 'screenshot.png' : null);
    console.log(`--on-truncate ${policy}${policy === 'error' ? ' (default, as libwayland: invalid_fd on the wl_buffer)' : ' (the client keeps running, its window shows zeros)'}:`);
    for (const line of r.lines) console.log(line);
    console.log(`  compositor: ${r.alive ? 'stayed up; the honest client still gets its frames, an honest capture still works' : 'STOPPED SERVING the honest clients'}\n`);
  }
  console.log(`the same sealed-memfd + resize attack against a plain mmap reader (child process): ${contrast()}`);
  console.log(`\nscreenshot.png written (policy zero: the honest window and five black ones); ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
