// Issue 15: what a client can cost with legal requests in absurd numbers,
// depths and sizes. A real C client over Debian's libwayland-client
// (test/native/hostile-wl.c) against `nosigbus serve` as a child process, a
// fresh one per case, so a crash is an exit status and the peak RSS is the
// child's VmHWM. For each finding — a 5,000-deep subsurface chain (sync and
// desync), 3,000 toplevels, 4 toplevels of 23000×23000 over one sparse memfd —
// and for the cases that survived before (a 3,000-deep popup chain, 5,000
// restacked sibling subsurfaces): every request is served (the client says
// "done"), the compositor is alive afterwards and serves a new client; in the
// memory case its peak RSS stays under 600 MiB and its RSS is back near idle
// (for every case: the heap a client of many objects grew is given back)
// within seconds of the client leaving (a watchdog stops the compositor at
// 2 GiB, so a regression cannot take the machine with it). What the user sees
// is asserted (exit status, output, RSS), never timings. The last test: no
// other compositor (weston, sway) is needed, only gcc, pkg-config,
// libwayland-dev and wayland-protocols.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, existsSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { buildC, type Exit } from '../support/peer-compositors.js';
import { HOSTILE_PACKAGES, HOSTILE_PEERS, MemoryWatch, MiB, killPid, procMemory, runHostile, running, serveNosigbus, type Served } from '../support/hostile.js';
import { needPeer } from '../support/peers.js';
import { privateDir, until, sleep } from '../support/common.js';

const CASE_TIMEOUT_MS = 600_000;
const CLIENT_TIMEOUT_MS = 300_000;
/** The compositor's peak RSS while 4 × 23000² buffers are shown (weston 10: about 25 MiB). */
const PEAK_RSS_BOUND = 600 * MiB;
/** Where the watchdog stops a compositor whose RSS runs away (today's code reaches 10 GB). */
const WATCHDOG_RSS = 2048 * MiB;
/** How far above idle the RSS may stay once the client left. */
const GIVEN_BACK_SLACK = 128 * MiB;
const GIVEN_BACK_WITHIN_MS = 5_000;

const mib = (bytes: number): string => (bytes / MiB).toFixed(0);
const lastLines = (s: string, n = 15): string => s.trimEnd().split('\n').slice(-n).join('\n');

let buildDir: string | undefined;
let hostileExe: string | undefined;
/** test/native/hostile-wl.c, built once. */
function hostile(): string {
  if (hostileExe === undefined) {
    buildDir = privateDir('nosigbus-hostile-build-');
    hostileExe = buildC(buildDir, 'hostile-wl', true);
  }
  return hostileExe;
}
after(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

/** Runs the hostile client to its end (stdin closed at once). */
function runToEnd(exe: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exit> {
  const client = runHostile(exe, args, env, CLIENT_TIMEOUT_MS);
  client.endInput();
  return client.exited;
}

function assertAlive(c: Served, after: string): void {
  assert.ok(c.alive(), `the compositor exited after ${after} (status ${c.child.exitCode}, signal ${c.child.signalCode}):\n${lastLines(c.stderr())}`);
}

/** The compositor still runs and serves a new client (`hostile-wl windows 1` says done). */
async function assertServesNewClient(c: Served, after: string): Promise<void> {
  assertAlive(c, after);
  const r = await runToEnd(hostile(), ['windows', '1'], c.env);
  assert.equal(r.stdout, 'done\n', `after ${after}, a new client (windows 1, status ${r.code}): ${r.stdout}${r.stderr}\ncompositor:\n${lastLines(c.stderr())}`);
  assertAlive(c, `a new client after ${after}`);
}

async function withCompositor(body: (c: Served) => Promise<void>): Promise<void> {
  const c = await serveNosigbus(CASE_TIMEOUT_MS);
  try {
    await body(c);
  } finally {
    await c.stop();
  }
}

const SERVED_CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['a chain of 5,000 nested subsurfaces (sync), committed bottom-up', ['chain', '5000']],
  ['a chain of 5,000 nested subsurfaces (desync), committed bottom-up', ['chain', '5000', '--desync']],
  ['3,000 toplevels, each configured and shown', ['windows', '3000']],
  ['a chain of 3,000 popups', ['popups', '3000']],
  ['5,000 sibling subsurfaces restacked 5,000 times', ['wide', '5000']],
];

/** How far above idle the RSS may stay once a client of many objects left (its heap given back). */
const HEAP_GIVEN_BACK_SLACK = 48 * MiB;
const HEAP_GIVEN_BACK_WITHIN_MS = 15_000;

for (const [what, args] of SERVED_CASES) {
  test(`${what}: every request served, the compositor alive and serving a new client, its memory given back`, { timeout: CASE_TIMEOUT_MS }, async (t) => {
    if (!needPeer(t, HOSTILE_PEERS, HOSTILE_PACKAGES)) return;
    const exe = hostile();
    await withCompositor(async (c) => {
      await assertServesNewClient(c, 'start-up'); // idle is measured after serving one small client
      const idle = procMemory(c.pid, 'VmRSS');
      assert.ok(idle !== null);
      const r = await runToEnd(exe, args, c.env);
      const name = `hostile-wl ${args.join(' ')}`;
      assertAlive(c, name);
      assert.match(r.stdout, /(^|\n)done\n$/, `${name} (status ${r.code}, signal ${r.signal}): ${r.stdout}${r.stderr}\ncompositor:\n${lastLines(c.stderr())}`);
      assert.equal(r.code, 0);
      let rss = Infinity;
      const givenBack = await until(() => (rss = procMemory(c.pid, 'VmRSS') ?? Infinity) <= idle + HEAP_GIVEN_BACK_SLACK, HEAP_GIVEN_BACK_WITHIN_MS, 250);
      assert.ok(givenBack, `RSS ${mib(rss)} MiB ${HEAP_GIVEN_BACK_WITHIN_MS / 1000} s after ${name} left (idle ${mib(idle)} MiB; bound idle + ${mib(HEAP_GIVEN_BACK_SLACK)} MiB)`);
      await assertServesNewClient(c, name);
    });
  });
}

test('4 toplevels of 23000×23000 xrgb over one sparse memfd: shown, peak RSS under 600 MiB, RSS back near idle within seconds of the client leaving', { timeout: CASE_TIMEOUT_MS }, async (t) => {
  if (!needPeer(t, HOSTILE_PEERS, HOSTILE_PACKAGES)) return;
  const exe = hostile();
  await withCompositor(async (c) => {
    await assertServesNewClient(c, 'start-up'); // idle is measured after serving one small client
    await sleep(1000);
    const idle = procMemory(c.pid, 'VmRSS');
    assert.ok(idle !== null);
    const watch = new MemoryWatch(c.pid, WATCHDOG_RSS);
    const client = runHostile(exe, ['huge', '4', '23000'], c.env, CLIENT_TIMEOUT_MS);
    try {
      await until(() => /^shown$/m.test(client.stdout()) || !running(client.child) || !c.alive(), CLIENT_TIMEOUT_MS);
      const peakWhileShown = watch.sample();
      if (watch.killedAt !== null)
        assert.fail(`the compositor's RSS reached ${mib(watch.killedAt)} MiB while the 4 buffers were shown: the test stopped it there ` +
          `(bound on its peak RSS: ${mib(PEAK_RSS_BOUND)} MiB; idle ${mib(idle)} MiB)`);
      assertAlive(c, 'hostile-wl huge 4 23000');
      assert.match(client.stdout(), /^shown$/m, `hostile-wl huge 4 23000: ${client.stdout()}${client.stderr()}\ncompositor:\n${lastLines(c.stderr())}`);
      assert.ok(peakWhileShown <= PEAK_RSS_BOUND,
        `peak RSS ${mib(peakWhileShown)} MiB while the 4 buffers were shown (bound ${mib(PEAK_RSS_BOUND)} MiB; idle ${mib(idle)} MiB)`);

      client.endInput(); // the client disconnects
      const r = await client.exited;
      assert.match(r.stdout, /(^|\n)done\n$/, `hostile-wl huge 4 23000 on leaving (status ${r.code}): ${r.stdout}${r.stderr}`);
      let rss = Infinity;
      const givenBack = await until(() => (rss = procMemory(c.pid, 'VmRSS') ?? Infinity) <= idle + GIVEN_BACK_SLACK, GIVEN_BACK_WITHIN_MS, 250);
      assert.ok(givenBack, `RSS ${mib(rss)} MiB ${GIVEN_BACK_WITHIN_MS / 1000} s after the client left (idle ${mib(idle)} MiB; bound idle + ${mib(GIVEN_BACK_SLACK)} MiB)`);
      const peak = watch.stop();
      assert.ok(peak <= PEAK_RSS_BOUND, `peak RSS ${mib(peak)} MiB (bound ${mib(PEAK_RSS_BOUND)} MiB; idle ${mib(idle)} MiB)`);
      await assertServesNewClient(c, 'hostile-wl huge 4 23000');
    } finally {
      watch.stop();
      killPid(client.child.pid);
      await client.exited;
    }
  });
});

/** The first file named `tool` on `path`. */
function which(tool: string, path: string): string {
  const found = path.split(delimiter).map((d) => join(d, tool)).find((f) => existsSync(f));
  if (found === undefined) throw new Error(`${tool} not found on PATH`);
  return found;
}

test('no other compositor needed: the client builds with only gcc, as, ld, pkg-config and wayland-scanner on PATH, and nosigbus serves it', { timeout: 120_000 }, async (t) => {
  assert.deepEqual(HOSTILE_PEERS.filter((p) => /weston|sway/.test(p)), [], 'the peers these tests need name no compositor');
  if (!needPeer(t, HOSTILE_PEERS, HOSTILE_PACKAGES)) return;
  const dir = privateDir('nosigbus-hostile-tools-');
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['gcc', 'as', 'ld', 'pkg-config', 'wayland-scanner']) symlinkSync(which(tool, process.env.PATH ?? ''), join(bin, tool));
    const exe = buildC(dir, 'hostile-wl', true, { PATH: bin });
    await withCompositor(async (c) => {
      const env = { XDG_RUNTIME_DIR: c.env.XDG_RUNTIME_DIR, WAYLAND_DISPLAY: c.env.WAYLAND_DISPLAY }; // no PATH at all
      for (const args of [['windows', '2'], ['chain', '10'], ['popups', '3'], ['wide', '10']]) {
        const r = await runToEnd(exe, args, env);
        assert.equal(r.stdout, 'done\n', `hostile-wl ${args.join(' ')} (status ${r.code}): ${r.stderr}`);
      }
      assertAlive(c, 'the small cases');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
