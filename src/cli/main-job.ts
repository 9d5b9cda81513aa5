// The main job (`npm start`): the compositor with built-in clients for a few
// seconds — one honest animated window, and every hostile client — under
// each truncation policy; then screenshot.png, a short report, and the same
// attack against a plain mmap reader in a child process, for contrast.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Compositor, loadPngEncoder, type TruncationPolicy } from '../compositor/index.js';
import { wl_shm } from '../protocol/wayland.js';
import { socketPair } from '../wire/socket.js';
import { HOSTILE_DESCRIPTIONS, HOSTILE_KINDS, honestClient, hostileClient, type ClientRun } from './clients.js';

const PHASE_MS = 2000;

function shmErrorName(code: number | undefined): string {
  return Object.entries(wl_shm.enums.error.entries).find(([, v]) => v === code)?.[0] ?? String(code);
}

interface PhaseResult {
  policy: TruncationPolicy;
  lines: string[];
  alive: boolean;
}

async function phase(policy: TruncationPolicy, screenshot: string | null): Promise<PhaseResult> {
  const compositor = new Compositor({ width: 800, height: 480, onTruncate: policy, logLevel: 'error' });
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
  const honest = runs[0]!;
  const framesBefore = honest.frames;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const alive = !honest.error && honest.frames > framesBefore;
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
  console.log('nosigbus: a headless Wayland compositor, one honest client and five hostile ones, each policy for 2 s\n');
  for (const policy of ['error', 'zero'] as const) {
    const r = await phase(policy, policy === 'zero' ? 'screenshot.png' : null);
    console.log(`--on-truncate ${policy}${policy === 'error' ? ' (default, as libwayland: invalid_fd on the wl_buffer)' : ' (the client keeps running, its window shows zeros)'}:`);
    for (const line of r.lines) console.log(line);
    console.log(`  compositor: ${r.alive ? 'stayed up; the honest client still gets its frames' : 'STOPPED SERVING the honest client'}\n`);
  }
  console.log(`the same sealed-memfd + resize attack against a plain mmap reader (child process): ${contrast()}`);
  console.log(`\nscreenshot.png written (policy zero: the honest window and five black ones); ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
