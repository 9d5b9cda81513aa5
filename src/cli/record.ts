// `--record FILE`: the output encoded by Debian's ffmpeg while the session runs.
//
// Invariants:
//  - a frame is the output after a render that drew something (the
//    renderer's damage), so at most one per refresh and none while nothing
//    changes; ffmpeg takes raw BGRA (the framebuffer's argb, little-endian)
//    stamped with the wall clock as it reads it, and writes a variable frame
//    rate file: a still screen costs nothing, and the file's time is real
//    time;
//  - at most one frame is in flight: a frame that finds ffmpeg still reading
//    the last one is not queued; when ffmpeg has read it, the newest output
//    goes if anything changed meanwhile. Memory is one frame; an encoder
//    slower than the output drops frames, it never piles them up;
//  - start() returns once ffmpeg reads the first frame (it takes ~100 ms to
//    start): what `run` starts after it is recorded with its real timing;
//  - the first frame is the output at start, the last one the output at
//    finish, so the file lasts as long as the session and ends on what was
//    shown last;
//  - the file is complete on every exit path: finish() ends ffmpeg's input
//    and waits for it to write the file (bounded); the synchronous path (the
//    'exit' event, uncaught errors) ends the input and waits synchronously
//    (bounded); ffmpeg has its own process group, so Ctrl+C at a terminal
//    reaches `run`'s client, not the encoder;
//  - frames keep the size the recording started with (a raw stream has one
//    size): after a mode change the output is drawn at the top left, cut or
//    padded with black.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Compositor } from '../compositor/index.js';

/** The containers --record writes, by extension, and how ffmpeg encodes each. */
const ENCODINGS: Readonly<Record<string, readonly string[]>> = {
  // VP9 at its real-time speed: a recording must keep up with the output.
  '.webm': ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-b:v', '0', '-crf', '32', '-pix_fmt', 'yuv420p'],
  // H.264 that every player opens (yuv420p), index at the front for the web.
  '.mp4': ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  // Lossless: every pixel as shown (for comparing frames with screenshots).
  '.mkv': ['-c:v', 'ffv1', '-pix_fmt', 'bgra'],
};

/** The file starts at time 0 (the wall clock's first stamp is not); yuv420p needs even sizes: odd ones get a black column or row. */
const filters = (encoding: readonly string[]): string[] => ['-vf', ['setpts=PTS-STARTPTS', ...(encoding.includes('yuv420p') ? ['pad=ceil(iw/2)*2:ceil(ih/2)*2'] : [])].join(',')];

export const RECORD_EXTENSIONS = Object.keys(ENCODINGS);

/** How long start() waits for ffmpeg to take the first frame (then the session goes on; frames wait their turn). */
const START_MS = 10_000;
/** How long finishing waits for ffmpeg to write the file. */
const FINISH_MS = 20_000;

export class RecordError extends Error {}

export class Recorder {
  readonly #ffmpeg: ChildProcess;
  readonly #compositor: Compositor;
  readonly #width: number;
  readonly #height: number;
  #inFlight = false;
  #changed = false;
  #ended = false;
  #failure: string | null = null;
  #stderr = '';
  readonly #exited: Promise<void>;
  /** Resolves when ffmpeg has taken the first frame. */
  readonly #firstTaken: () => void;
  frames = 0;

  private constructor(compositor: Compositor, path: string, ffmpeg: ChildProcess, firstTaken: () => void) {
    this.#firstTaken = firstTaken;
    this.#compositor = compositor;
    this.#ffmpeg = ffmpeg;
    this.#width = compositor.output.width;
    this.#height = compositor.output.height;
    ffmpeg.stderr?.setEncoding('utf8');
    ffmpeg.stderr?.on('data', (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-4096);
    });
    // EPIPE when ffmpeg died: reported by its exit, not thrown.
    ffmpeg.stdin?.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      ffmpeg.on('exit', (code, signal) => {
        if (code !== 0) this.#fail(`ffmpeg exited ${signal ? `by ${signal}` : `with status ${code}`} recording ${path}${this.#stderr ? `: ${this.#stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
        resolve();
      });
    });
    compositor.renderer.onDamage(() => {
      this.#changed = true;
      // After the refresh: a render may be redone without a failing surface.
      setImmediate(() => this.#send());
    });
    // The first frame: the output now (painted: the background waits for the first refresh).
    compositor.paint();
    this.#changed = true;
    this.#send();
  }

  /** Starts ffmpeg writing `path`; a RecordError when ffmpeg is missing or the extension unknown. */
  static async start(compositor: Compositor, path: string): Promise<Recorder> {
    const encoding = ENCODINGS[extname(path).toLowerCase()];
    if (!encoding) throw new RecordError(`--record: expected a file ending in ${RECORD_EXTENSIONS.join(', ')}, got '${path}'`);
    const { width, height } = compositor.output;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'bgra', '-s', `${width}x${height}`,
      // A millisecond time base, each frame stamped as ffmpeg reads it.
      '-framerate', '1000', '-use_wallclock_as_timestamps', '1',
      '-i', 'pipe:0',
      '-fps_mode', 'vfr',
      ...encoding, ...filters(encoding),
      path,
    ];
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    await new Promise<void>((resolve, reject) => {
      ffmpeg.once('spawn', resolve);
      ffmpeg.once('error', (e: NodeJS.ErrnoException) =>
        reject(new RecordError(e.code === 'ENOENT' ? '--record needs ffmpeg, which is not installed (Debian: apt-get install ffmpeg)' : `--record: cannot start ffmpeg: ${e.message}`)),
      );
    });
    let taken!: () => void;
    const firstTaken = new Promise<void>((resolve) => (taken = resolve));
    const recorder = new Recorder(compositor, path, ffmpeg, taken);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([firstTaken, recorder.#exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, START_MS)))]);
    clearTimeout(timer);
    if (recorder.#failure) throw new RecordError(recorder.#failure);
    return recorder;
  }

  /** Why the recording failed (ffmpeg ended early), or null. */
  get failure(): string | null {
    return this.#failure;
  }

  #fail(why: string): void {
    if (this.#failure) return;
    this.#failure = why;
    this.#compositor.log('error', why);
  }

  /** The output now, at the recording's size. */
  #frame(): Buffer {
    const output = this.#compositor.output;
    const source = output.framebuffer;
    if (output.width === this.#width && output.height === this.#height) return Buffer.from(source.slice().buffer);
    const frame = new Uint32Array(this.#width * this.#height).fill(0xff000000);
    const w = Math.min(this.#width, output.width);
    for (let y = 0; y < Math.min(this.#height, output.height); y++) frame.set(source.subarray(y * output.width, y * output.width + w), y * this.#width);
    return Buffer.from(frame.buffer);
  }

  #send(): void {
    if (this.#inFlight || !this.#changed || this.#ended || this.#failure) return;
    const stdin = this.#ffmpeg.stdin;
    if (!stdin || stdin.destroyed) return;
    this.#changed = false;
    this.#inFlight = true;
    this.frames++;
    stdin.write(this.#frame(), () => {
      this.#firstTaken();
      this.#inFlight = false;
      this.#send();
    });
  }

  /** The last frame (the output now), then the end of ffmpeg's input. */
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const stdin = this.#ffmpeg.stdin;
    if (!stdin || stdin.destroyed || this.#failure) return;
    this.frames++;
    stdin.end(this.#frame());
  }

  /** Ends the recording and waits until ffmpeg has written the file; the failure, if any. */
  async finish(): Promise<string | null> {
    this.#compositor.paint();
    this.#end();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, FINISH_MS)));
    await Promise.race([this.#exited, late]);
    clearTimeout(timer);
    if (this.#ffmpeg.exitCode === null && this.#ffmpeg.signalCode === null) this.#fail(`ffmpeg did not finish writing the recording within ${FINISH_MS / 1000} s`);
    return this.#failure;
  }

  /**
   * The synchronous path (process 'exit', uncaught errors): nothing async
   * runs any more, so the input ends where it is (a frame cut short is
   * dropped by ffmpeg) and ffmpeg, which finishes the file on end of input,
   * is waited for by polling its state (bounded).
   */
  finishSync(): void {
    if (this.#ended) return;
    this.#ended = true;
    const pid = this.#ffmpeg.pid;
    this.#ffmpeg.stdin?.destroy(); // a frame half written is cut: ffmpeg drops a short frame
    if (pid === undefined) return;
    const deadline = Date.now() + FINISH_MS;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < deadline && running(pid)) Atomics.wait(nap, 0, 0, 10);
  }
}

/** Whether `pid` still runs (a zombie has finished: it is only waiting to be reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
