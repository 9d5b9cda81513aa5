// libnosigbus-preload.so over unmodified programs: a test program (its own
// SIGBUS handlers, private mappings, mremap growth, MAP_FIXED), and weston 10
// and sway 1.7 headless attacked by hostile Wayland clients while an honest
// one keeps drawing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { needPeer } from '../support/peers.js';
import { PRELOAD, SWAY_PEERS, WESTON_PEERS, asRoot, buildC, root, start, startSway, startWeston, type Exit } from '../support/peer-compositors.js';

const dir = mkdtempSync(join(tmpdir(), 'nosigbus-preload-'));
after(() => rmSync(dir, { recursive: true }));
const program = buildC(dir, 'preload-program');
const preloaded = (mode: string) =>
  spawnSync(program, [mode], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, LD_PRELOAD: PRELOAD } });

test("the program's own SIGBUS handler, installed after startup, runs for kill(SIGBUS) and not for a rescued read", () => {
  const r = preloaded('handler');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'own handler reported back: yes\ntruncated: sum 368640 calls 0\nkilled: calls 1 code SI_USER\n');
});

test('signal(SIGBUS, handler) is chained the same way', () => {
  const r = preloaded('signal');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'own handler reported back: yes\ntruncated: sum 368640 calls 0\nkilled: calls 1 code -\n');
});

test('with no handler of its own, kill(SIGBUS) kills the program by SIGBUS', () => {
  const r = preloaded('none');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'sending\n');
});

test('a MAP_PRIVATE mapping is left alone: its truncation still kills by SIGBUS', () => {
  const r = preloaded('private');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'reading\n');
});

test("a handler that restores SIG_DFL with sigaction and re-raises (libwayland's way) still kills by SIGBUS for a fault that is not ours", () => {
  const r = preloaded('reraise');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'shared: sum 368640\nhandler\n');
});

test('mremap(MREMAP_MAYMOVE) of a rescued shared mapping (what libwayland does on resize) works and stays guarded', () => {
  const r = preloaded('mremap');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'rescued: sum 368640\ngrown: q[7*PG]=0x11 q[0]=0x5a\ntruncated again: sum 0\nmunmap 0\n');
  const bare = spawnSync(program, ['mremap'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bare.signal, 'SIGBUS', 'without the preload the same program dies');
});

test('memory mapped MAP_FIXED over part of a guarded mapping is no longer guarded: a rescue of the rest leaves it intact', () => {
  const r = preloaded('fixed');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'shared half: sum 0; anonymous half: 0x77 0x78\n');
});

const CASES = ['truncate0', 'truncate-half', 'oversize', 'sealed'] as const;
const SHM_ERROR = /error accessing SHM buffer/;
/** Screen capture (wlr-screencopy) into a destination past the end of a sealed, resized pool: sway writes there. */
const CAPTURE = 'capture-sealed';

/** Frames per second the honest client reported ("frames N" once a second). */
function perSecond(out: string): number[] {
  const n = [...out.matchAll(/^frames (\d+)$/gm)].map((m) => Number(m[1]));
  return n.map((v, i) => v - (i ? n[i - 1]! : 0));
}

let client: string | undefined;
async function attack(startCompositor: typeof startWeston, preload: boolean, cases: readonly string[] = CASES) {
  client ??= buildC(dir, 'wl-client', true);
  const compositor = await startCompositor(preload, preload ? { NOSIGBUS_DEBUG: '1' } : {});
  const honest = start(client, ['honest', '6'], compositor.env);
  const results: Record<string, Exit> = {};
  await new Promise((r) => setTimeout(r, 1000));
  for (const c of cases) results[c] = await start(client, [c], compositor.env, 20_000).exited;
  const h = await honest.exited;
  const w = await compositor.stop();
  return { results, honest: h, compositor: w };
}

// weston reads every bad buffer past EOF; sway (wlroots) does not always
// read a window's buffer again (and keeps the last buffers of a gone client
// mapped), so without the preload it gets the sealed case alone, on a fresh
// sway, where it reliably reads it.
for (const [name, startCompositor, peers, pkg, readsAll] of [
  ['weston 10', startWeston, WESTON_PEERS, 'weston libwayland-dev wayland-protocols', true],
  [`sway 1.7${asRoot ? ' (as nobody)' : ''}`, startSway, SWAY_PEERS, 'sway libwayland-dev wayland-protocols', false],
] as const) {
  test(`${name} without the preload: ${readsAll ? 'libwayland answers three cases with a protocol error, and ' : ''}dies by SIGBUS on the sealed memfd resized beyond the file`, async (t) => {
    if (!needPeer(t, peers, pkg)) return;
    const { results, honest, compositor } = await attack(startCompositor, false, readsAll ? CASES : ['sealed']);
    for (const c of readsAll ? CASES.slice(0, 3) : []) {
      assert.equal(results[c]!.stdout, 'protocol error wl_buffer 2\n', c);
      assert.match(results[c]!.stderr, SHM_ERROR, c);
    }
    assert.equal(compositor.signal, 'SIGBUS', `${name}: ${compositor.code} ${compositor.signal}\n${compositor.stderr}`);
    assert.match(honest.stdout, /^failed after \d+ frames: Broken pipe$/m, 'the honest client lost its session');
  });

  test(`${name} with the preload survives every case; hostile clients see zeros and no error; an honest client keeps its frames`, async (t) => {
    if (!needPeer(t, peers, pkg)) return;
    const cases = readsAll ? CASES : [...CASES, CAPTURE];
    const { results, honest, compositor } = await attack(startCompositor, true, cases);
    for (const c of cases) {
      assert.equal(results[c]!.code, 0, `${c}: ${results[c]!.stdout}${results[c]!.stderr}`);
      assert.equal(results[c]!.stdout, c === CAPTURE ? 'captured\n' : 'done\n', c);
      assert.doesNotMatch(results[c]!.stderr, SHM_ERROR, c);
    }
    assert.equal(honest.code, 0, honest.stdout + honest.stderr);
    const fps = perSecond(honest.stdout);
    assert.ok(fps.length >= 5 && fps.every((f) => f >= 10), `frames each second: ${fps.join(', ')}`);
    // Still running when stopped (SIGTERM: a clean exit), and it logged the rescues.
    assert.equal(compositor.signal, null, `${name}: ${compositor.code} ${compositor.signal}\n${compositor.stderr}`);
    assert.equal(compositor.code, 0, compositor.stderr);
    const rescued = compositor.stderr.match(/^nosigbus: a mapping of \d+ bytes read zeros past end of file/gm) ?? [];
    assert.ok(rescued.length >= (readsAll ? CASES.length : 1), compositor.stderr);
  });
}

test(`sway 1.7 without the preload dies by SIGBUS when a screen-capture destination is a sealed memfd resized beyond the file (with it: see above, "captured")`, async (t) => {
  if (!needPeer(t, SWAY_PEERS, 'sway libwayland-dev wayland-protocols')) return;
  const { results, honest, compositor } = await attack(startSway, false, [CAPTURE]);
  assert.equal(compositor.signal, 'SIGBUS', `sway: ${compositor.code} ${compositor.signal}\n${compositor.stderr}`);
  assert.notEqual(results[CAPTURE]!.stdout, 'captured\n');
  assert.match(honest.stdout, /^failed after \d+ frames: Broken pipe$/m, 'the honest client lost its session');
});

const cli = join(root, 'dist/src/cli/main.js');
test('`nosigbus preload -- PROGRAM ARGS` runs the program with the preload and exits as it did', () => {
  const r = spawnSync(process.execPath, [cli, 'preload', '--', program, 'handler'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'own handler reported back: yes\ntruncated: sum 368640 calls 0\nkilled: calls 1 code SI_USER\n');
  const dead = spawnSync(process.execPath, [cli, 'preload', '--', program, 'none'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(dead.signal, 'SIGBUS');
  const missing = spawnSync(process.execPath, [cli, 'preload', '--'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /usage: nosigbus preload -- PROGRAM/);
});
