// `run/serve --record FILE`: the output encoded by Debian's ffmpeg. What is
// asserted, as a user checks a video:
//  - serve --record X.mkv with weston-flower: the file is lossless FFV1 at
//    the output's size, starts at time 0 on the bare background, and its
//    last frame equals grim's capture of the flower pixel for pixel (SIGINT
//    ends serve and the file is complete);
//  - after an output mode change frames keep their size (the output top left, black around);
//  - a still screen costs no frames: a recording of nothing has two, the
//    output at start and at the end;
//  - run --record X.mp4 / X.webm: H.264 / VP9 at the output's size padded to
//    even (yuv420p), a frame per change while the honest client animates,
//    lasting as long as the run, and run exits with the client's status;
//  - failures are clear: a bad extension is a usage error (status 2),
//    without ffmpeg on PATH serve exits 1 saying so, a file ffmpeg cannot
//    write makes run exit 1 with ffmpeg's reason.
// Missing weston-flower, grim or ffmpeg fails in CI (needPeer).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decode as decodePng } from 'fast-png';
import { BACKGROUND } from '../../src/compositor/output/renderer.js';
import { nosigbus, type Running } from '../support/cli.js';
import { privateDir, sleep, waitFor } from '../support/common.js';
import { needPeer } from '../support/peers.js';
import { decodeFrames, FFMPEG, FFPROBE, probe } from '../support/video.js';

const FLOWER = '/usr/bin/weston-flower';
const GRIM = '/usr/bin/grim';
const WLR_RANDR = '/usr/bin/wlr-randr';
const FIXTURE = fileURLToPath(new URL('../fixtures/honest-then.js', import.meta.url));
const WIDTH = 640;
const HEIGHT = 480;

function ffmpeg(t: Parameters<typeof needPeer>[0]): boolean {
  return needPeer(t, [FFPROBE, FFMPEG], 'ffmpeg');
}

/** `serve` with `args`, once it prints its socket. */
async function serve(dir: string, name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const s = nosigbus(['serve', '--socket', name, '--width', String(WIDTH), '--height', String(HEIGHT), ...args], { XDG_RUNTIME_DIR: dir, ...env });
  let served = true;
  void s.ended.then(() => (served = false));
  await waitFor(() => s.stdout.includes(`WAYLAND_DISPLAY=${name}`) || !served, 'nosigbus serve', 15_000);
  assert.ok(served, s.stderr);
  return s;
}

/** grim's capture of the whole output, as RGB bytes (grim writes opaque PNGs without alpha). */
function grim(dir: string, name: string): Buffer {
  const file = join(dir, 'grim.png');
  execFileSync(GRIM, [file], { env: { ...process.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: name }, timeout: 10_000 });
  const png = decodePng(readFileSync(file));
  assert.deepEqual([png.width, png.height, png.channels], [WIDTH, HEIGHT, 3]);
  return Buffer.from(png.data.buffer, png.data.byteOffset, png.data.byteLength);
}

/** RGBA bytes without their alpha. */
function rgb(rgba: Buffer): Buffer {
  const out = Buffer.alloc((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) rgba.copy(out, o, i, i + 3);
  return out;
}

/** Whether every pixel of `f` (RGB, or RGBA with `step` 4) is the background. */
const isBackground = (f: Buffer, step = 3): boolean => {
  const bg = [(BACKGROUND >> 16) & 0xff, (BACKGROUND >> 8) & 0xff, BACKGROUND & 0xff];
  for (let o = 0; o < f.length; o += step) if (f[o] !== bg[0] || f[o + 1] !== bg[1] || f[o + 2] !== bg[2]) return false;
  return true;
};

test('serve --record X.mkv with weston-flower: lossless, from time 0, its last frame is grim\'s capture; SIGINT completes the file', async (t) => {
  if (!ffmpeg(t) || !needPeer(t, [FLOWER], 'weston (weston-flower)') || !needPeer(t, [GRIM], 'grim')) return;
  const dir = privateDir('nosigbus-record-');
  const out = join(dir, 'flower.mkv');
  const s = await serve(dir, 'nsb-record', ['--record', out]);
  const flower = execFileSync('sh', ['-c', `"${FLOWER}" >/dev/null 2>&1 & echo $!`], { env: { ...process.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'nsb-record' }, encoding: 'utf8' });
  const flowerPid = Number(flower.trim());
  try {
    // The flower is drawn once: wait until two captures agree and show more than the background.
    let last = grim(dir, 'nsb-record');
    await waitFor(() => {
      const now = grim(dir, 'nsb-record');
      const still = now.equals(last) && !isBackground(now);
      last = now;
      return still;
    }, 'weston-flower drawn', 10_000, 100);
    s.kill('SIGINT');
    const e = await s.ended;
    assert.deepEqual([e.code, e.signal], [128 + 2, null], e.stderr);
    assert.equal(e.stderr, '');

    const p = probe(out);
    assert.deepEqual([p.codec, p.width, p.height], ['ffv1', WIDTH, HEIGHT]);
    assert.ok(p.frames >= 2, `${p.frames} frames`);
    assert.equal(p.times[0], 0);
    const frames = decodeFrames(out, WIDTH, HEIGHT, p.frames);
    assert.equal(frames.length, p.frames);
    assert.ok(isBackground(frames[0]!, 4), 'the first frame is the bare background');
    assert.ok(rgb(frames.at(-1)!).equals(last), 'the last frame is what grim captured');
    t.diagnostic(`${p.frames} frames over ${p.times.at(-1)} s`);
  } finally {
    try {
      process.kill(flowerPid, 'SIGTERM');
    } catch { /* gone with its compositor */ }
    s.kill('SIGKILL');
    await s.ended;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a still screen costs no frames: serve --record of nothing has the output at start and at the end', async (t) => {
  if (!ffmpeg(t)) return;
  const dir = privateDir('nosigbus-record-');
  const out = join(dir, 'still.mkv');
  const s = await serve(dir, 'nsb-still', ['--record', out]);
  try {
    await sleep(1000);
    s.kill('SIGTERM');
    const e = await s.ended;
    assert.deepEqual([e.code, e.stderr], [128 + 15, '']);
    const p = probe(out);
    assert.equal(p.frames, 2, `frame times ${p.times.join(', ')}`);
    assert.ok(p.times[1]! >= 0.9, `the file lasts the session: ${p.times.join(', ')}`);
    assert.ok(decodeFrames(out, WIDTH, HEIGHT, 2).every((f) => isBackground(f, 4)));
  } finally {
    s.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after an output mode change the recording keeps its size: the new output at the top left, black around it', async (t) => {
  if (!ffmpeg(t) || !needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  const dir = privateDir('nosigbus-record-');
  const out = join(dir, 'mode.mkv');
  const s = await serve(dir, 'nsb-mode', ['--record', out]);
  try {
    execFileSync(WLR_RANDR, ['--output', 'HEADLESS-1', '--custom-mode', '320x240'], { env: { ...process.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'nsb-mode' }, timeout: 10_000 });
    s.kill('SIGTERM');
    const e = await s.ended;
    assert.deepEqual([e.code, e.stderr], [128 + 15, '']);
    const p = probe(out);
    assert.deepEqual([p.width, p.height], [WIDTH, HEIGHT]);
    const last = decodeFrames(out, WIDTH, HEIGHT, p.frames).at(-1)!;
    const at = (x: number, y: number): number => last.readUInt32BE((y * WIDTH + x) * 4) >>> 8;
    assert.equal(at(0, 0), BACKGROUND & 0xffffff);
    assert.equal(at(319, 239), BACKGROUND & 0xffffff);
    assert.equal(at(320, 0), 0);
    assert.equal(at(0, 240), 0);
    assert.equal(at(WIDTH - 1, HEIGHT - 1), 0);
  } finally {
    s.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [ext, codec] of [['mp4', 'h264'], ['webm', 'vp9']] as const) {
  test(`run --record X.${ext}: ${codec} at an odd output size padded to even, a frame per change, as long as the run`, async (t) => {
    if (!ffmpeg(t)) return;
    const dir = privateDir('nosigbus-record-');
    const out = join(dir, `run.${ext}`);
    const r = await nosigbus(['run', '--width', '321', '--height', '241', '--record', out, '--', process.execPath, FIXTURE, '1'], { XDG_RUNTIME_DIR: dir }).ended;
    try {
      assert.deepEqual([r.code, r.signal], [0, null], r.stderr);
      const p = probe(out);
      assert.deepEqual([p.codec, p.width, p.height], [codec, 322, 242]);
      // The honest client animates at 60 Hz for 1 s: a frame per refresh it drew, loosely bounded for a slow CI.
      assert.ok(p.frames >= 20, `${p.frames} frames`);
      assert.ok(p.times.at(-1)! >= 1, `the file lasts the run: last frame at ${p.times.at(-1)} s`);
      t.diagnostic(`${p.frames} frames over ${p.times.at(-1)} s`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--record failures are clear: a bad extension (2), no ffmpeg on PATH (1), a file ffmpeg cannot write (1)', async () => {
  const dir = privateDir('nosigbus-record-');
  try {
    const bad = await nosigbus(['run', '--record', join(dir, 'x.avi'), '--', 'true'], { XDG_RUNTIME_DIR: dir }).ended;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--record: expected a file ending in \.webm, \.mp4 or \.mkv, got '.*x\.avi'/);

    const empty = join(dir, 'empty-path');
    mkdirSync(empty);
    const none = await nosigbus(['serve', '--record', join(dir, 'x.mkv')], { XDG_RUNTIME_DIR: dir, PATH: empty }).ended;
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--record needs ffmpeg, which is not installed \(Debian: apt-get install ffmpeg\)/);

    const unwritable = await nosigbus(['run', '--record', join(dir, 'no-such-dir', 'x.mkv'), '--', 'true'], { XDG_RUNTIME_DIR: dir }).ended;
    assert.equal(unwritable.code, 1, unwritable.stderr);
    assert.match(unwritable.stderr, /the recording failed: ffmpeg exited with status \d+ recording .*no-such-dir\/x\.mkv: .*No such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
