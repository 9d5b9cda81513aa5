// wf-recorder 0.3 (Debian), the screen recorder people run on failing CI
// jobs, recording `nosigbus serve` through zwlr_screencopy_manager_v1
// (copy_with_damage) and zxdg_output_v1. What is asserted, and why:
//  - the file has one video stream at the output's size, with at least two
//    frames a second of recording while the honest client animates
//    (wf-recorder asks for a frame only when the screen changed, so the
//    count follows the animation; the bound is loose for a slow CI);
//  - its frames are the scene, pixel for pixel: ffv1 in Matroska is
//    lossless RGB (no codec guesswork): background outside the window, the
//    honest client's gradient and moving band inside, and the band at more
//    than one place over the first frames (the animation was recorded);
//  - wf-recorder exits 0 on SIGINT (what a user types, what a CI script
//    sends), the compositor stays up, and the recorded client kept getting
//    its frames while recording and after;
//  - `nosigbus run -- sh -c 'wf-recorder -D … & …; kill -INT; wait'`, the
//    README's recipe, works as written (wf-recorder exits 0, run exits with
//    CMD's status). -D because wf-recorder 0.3 sees SIGINT only when its
//    pending frame arrives (libwayland's poll goes on after EINTR): with
//    damage-only frames and a still screen (CMD's windows gone) that is
//    never, and `wait` hangs; -D asks for every frame.
// Missing wf-recorder or ffmpeg fails in CI (needPeer). Every wait is
// bounded; what the test starts is stopped by pid.
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { honestClient, honestPixel, HONEST_BAND } from '../../../src/cli/clients.js';
import { BACKGROUND } from '../../../src/compositor/output/renderer.js';
import { connectWayland } from '../../../src/wire/socket.js';
import { nosigbus } from '../../support/cli.js';
import { privateDir, sleep, until, waitFor } from '../../support/common.js';
import { needPeer } from '../../support/peers.js';
import { start, type Exit } from '../../support/peer-compositors.js';
import { decodeFrames, FFMPEG, FFPROBE, probe, type Probe } from '../../support/video.js';

const WF_RECORDER = '/usr/bin/wf-recorder';
const FIXTURE = fileURLToPath(new URL('../../fixtures/honest-then.js', import.meta.url));
const WIDTH = 640;
const HEIGHT = 480;
/** The honest client's window (its default size). */
const WIN_W = 240;
const WIN_H = 160;
/** Seconds recorded while the client animates. */
const SECONDS = 3;
/** Lossless RGB: decoded pixels are the framebuffer's. */
const CODEC = ['-c', 'ffv1'];

function peers(t: Parameters<typeof needPeer>[0]): boolean {
  return needPeer(t, [WF_RECORDER], 'wf-recorder') && needPeer(t, [FFPROBE, FFMPEG], 'ffmpeg');
}

function decode(file: string, count: number, distinct = false): Buffer[] {
  return decodeFrames(file, WIDTH, HEIGHT, count, distinct);
}

const rgb = (argb: number): number => argb & 0xffffff;

/** Checks one decoded frame against the scene; returns where the band was. */
function assertScene(f: Buffer, index: number): number {
  const at = (x: number, y: number): number => { const o = (y * WIDTH + x) * 4; return (f[o]! << 16) | (f[o + 1]! << 8) | f[o + 2]!; };
  // The window: the box of what is not background.
  let x0 = WIDTH, y0 = HEIGHT, x1 = -1, y1 = -1;
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++)
      if (at(x, y) !== rgb(BACKGROUND)) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  assert.deepEqual([x1 - x0 + 1, y1 - y0 + 1], [WIN_W, WIN_H], `frame ${index}: the window's box ${x0},${y0}–${x1},${y1}`);
  // The band's place: the first pixel of the top row in its colour (the gradient's blue is 0xc0, the band's 0x40).
  let band = -1;
  for (let x = 0; x < WIN_W && band < 0; x++) if (at(x0 + x, y0) === rgb(HONEST_BAND)) band = x;
  assert.ok(band >= 0 && band % 4 === 0, `frame ${index}: band at ${band}`);
  for (let y = 0; y < WIN_H; y++)
    for (let x = 0; x < WIN_W; x++) {
      const want = rgb(honestPixel(x, y, band / 4, WIN_W));
      if (at(x0 + x, y0 + y) !== want) assert.fail(`frame ${index}, window pixel ${x},${y}: ${at(x0 + x, y0 + y).toString(16)}, want ${want.toString(16)}`);
    }
  return band;
}

const empty = (f: Buffer): boolean => {
  for (let o = 0; o < f.length; o += 4) if (((f[o]! << 16) | (f[o + 1]! << 8) | f[o + 2]!) !== rgb(BACKGROUND)) return false;
  return true;
};

/** Frames, size and pixels of a recording of the honest client; `emptyFirst`: frames of the bare
 * background may come first (the recorder started before the client; with -D, many of them). */
function assertRecording(file: string, seconds: number, emptyFirst = false): Probe {
  const p = probe(file);
  assert.deepEqual([p.codec, p.width, p.height], ['ffv1', WIDTH, HEIGHT]);
  assert.ok(p.frames >= 2 * seconds, `${p.frames} frames in ${seconds} s of animation`);
  let frames = decode(file, Math.min(p.frames, 12), emptyFirst);
  if (emptyFirst) frames = frames.slice(Math.max(0, frames.findIndex((f) => !empty(f))));
  frames = frames.slice(0, 10);
  const bands = new Set(frames.map((f, i) => assertScene(f, i)));
  assert.ok(bands.size >= 2, `the band moved over the first ${frames.length} frames: ${[...bands].join(', ')}`);
  return p;
}

/** `exited`, or a failure after `ms` (the child is SIGKILLed by pid first). */
async function bounded(exited: Promise<Exit>, pid: number | undefined, ms: number, what: string): Promise<Exit> {
  const late = Symbol('late');
  const r = await Promise.race([exited, sleep(ms).then(() => late)]);
  if (r !== late && typeof r === 'object') return r;
  if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  assert.fail(`${what} did not exit within ${ms} ms`);
}

test(`wf-recorder -c ffv1 on nosigbus serve: ${SECONDS} s of an animated window, lossless, SIGINT exits 0, the compositor serves on`, async (t) => {
  if (!peers(t)) return;
  const dir = privateDir('nosigbus-wfr-');
  const out = join(dir, 'out.mkv');
  const serve = nosigbus(['serve', '--socket', 'nsb-rec', '--width', String(WIDTH), '--height', String(HEIGHT)], { XDG_RUNTIME_DIR: dir });
  let served = true;
  void serve.ended.then(() => (served = false));
  try {
    await waitFor(() => serve.stdout.includes('WAYLAND_DISPLAY=nsb-rec') || !served, 'nosigbus serve', 15_000);
    assert.ok(served, serve.stderr);
    const honest = await honestClient(connectWayland('nsb-rec', dir));
    t.after(() => honest.stop());
    await waitFor(() => honest.frames >= 2, 'the honest client\'s first frames', 10_000);

    const rec = start(WF_RECORDER, [...CODEC, '-f', out], { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'nsb-rec' }, 60_000);
    let recording = true;
    void rec.exited.then(() => (recording = false));
    // Matroska's header is written with the first frame: from then on it records.
    assert.ok(await until(() => !recording || (existsSync(out) && statSync(out).size > 0), 15_000), `wf-recorder's first frame: ${rec.stderr()}`);
    assert.ok(recording, `wf-recorder ended early: ${rec.stderr()}`);
    const before = honest.frames;
    await sleep(SECONDS * 1000);
    const during = honest.frames - before;
    process.kill(rec.child.pid!, 'SIGINT');
    const r = await bounded(rec.exited, rec.child.pid, 20_000, 'wf-recorder after SIGINT');
    assert.deepEqual([r.code, r.signal], [0, null], r.stderr);

    // The client kept its frames while recorded (60 Hz; a loose bound), and keeps them after.
    assert.ok(during >= 2 * SECONDS, `the honest client's frames while recording: ${during}`);
    const after = honest.frames;
    await waitFor(() => honest.frames >= after + 5, 'the honest client\'s frames after recording', 10_000);
    assert.equal(honest.error, null);
    assert.ok(served, `the compositor ended: ${serve.stderr}`);

    const p = assertRecording(out, SECONDS);
    t.diagnostic(`${p.frames} frames in ${SECONDS} s (${(p.frames / SECONDS).toFixed(1)}/s), ${statSync(out).size} bytes; the client drew ${during} frames meanwhile`);
  } finally {
    if (served) serve.kill('SIGTERM');
    const e = await serve.ended;
    rmSync(dir, { recursive: true, force: true });
    assert.equal(e.code, 128 + 15, e.stderr); // SIGTERM, as `serve` reports it
  }
});

test('the README\'s recipe: nosigbus run -- sh -c \'wf-recorder -D -f run.mkv & …; CMD; kill -INT; wait\' ends on a still screen', async (t) => {
  if (!peers(t)) return;
  const dir = privateDir('nosigbus-wfr-');
  const out = join(dir, 'run.mkv');
  // CMD: the honest client animating for SECONDS s after its first frame.
  // As in the README (CMD's status kept), with wf-recorder's status told on stderr.
  const script = `wf-recorder -D ${CODEC.join(' ')} -f "$1" & pid=$!; "$2" "$3" ${SECONDS}; s=$?; kill -INT $pid; wait $pid; echo "wf-recorder: $?" >&2; exit $s`;
  const run = nosigbus(['run', '--width', String(WIDTH), '--height', String(HEIGHT), '--', 'sh', '-c', script, 'sh', out, process.execPath, FIXTURE],
    { XDG_RUNTIME_DIR: dir });
  try {
    const r = await run.ended;
    assert.deepEqual([r.code, r.signal], [0, null], r.stderr);
    assert.match(r.stderr, /^wf-recorder: 0$/m);
    const p = assertRecording(out, SECONDS, true);
    t.diagnostic(`${p.frames} frames, ${statSync(out).size} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
