// Debian's Chromium (kiosk, software rendering, a fresh profile each run)
// under `nosigbus serve`, weston 10 headless (pixman) and sway 1.7 headless
// (pixman; as nobody when we are root), in the same run, each compositor
// started afresh for each run, runs alternating between them so the
// machine's load weighs on all alike; medians, side by side, as ratios.
//  - Start to first frame: from spawning Chromium to its first
//    wl_surface.commit on its window whose buffer shows the page (the page's
//    fixed marker, blue, at 50,50 of the buffer: Chromium commits blank
//    frames before it). Seen the same way under every compositor, with no
//    help from it: Chromium's WAYLAND_DEBUG trace names pools, buffers,
//    attaches and commits (with its own timestamps), and its connection goes
//    through a WaylandTap (bench/wayland-tap.ts) that keeps the pool fds,
//    from which the committed buffer's pixel is read.
//  - Compositor CPU while the page scrolls itself (requestAnimationFrame,
//    8 px a frame, a long striped page) for SCROLL_S seconds, from a second
//    after the first frame: the compositor process's utime + stime from
//    /proc (weston's and sway's helper processes not counted), Chromium's
//    commits on its window in that time (its trace), and CPU per commit.
import { spawn } from 'node:child_process';
import { existsSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepting, cpuMs, sleep } from './support.js';
import { WaylandTap } from './wayland-tap.js';
import { browserEnv, chromiumArgs, CHROMIUM, startGroup, type Browser } from '../test/support/browsers.js';
import { privateDir } from '../test/support/common.js';
import { SETPRIV, SWAY, WESTON, asRoot, startSway, startWeston } from '../test/support/peer-compositors.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const WIDTH = 1024;
const HEIGHT = 768;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SCROLL_S = 5;
/** The page's fixed marker colour (rgb) and where it is read in a committed buffer. */
const MARKER = 0x0000ff;
const PROBE = { x: 50, y: 50 };

/** A long page that scrolls itself every frame, under a fixed blue marker at the top left. */
function scrollPage(): string {
  const stripes = Array.from({ length: 400 }, (_, i) => `<div style="height:100px;background:${i % 2 ? '#c0c0c0' : '#e06020'}">${i}</div>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>scroll</title><style>
body{margin:0;font:16px sans-serif}#marker{position:fixed;left:0;top:0;width:100px;height:100px;background:#0000ff}
</style></head><body><div id="marker"></div>${stripes}<script>
const step = () => { window.scrollBy(0, 8); if (window.scrollY + innerHeight >= document.body.scrollHeight) window.scrollTo(0, 0); requestAnimationFrame(step); };
requestAnimationFrame(step);
</script></body></html>`;
}

interface Contender {
  name: string;
  /** The compositor's process (CPU is read from it). */
  pid: number;
  /** Its socket's path. */
  socket: string;
  stop(): Promise<void>;
}

async function startOurs(): Promise<Contender> {
  const dir = privateDir('nosigbus-bench-chromium-');
  const socket = 'bench-chromium';
  const child = spawn(process.execPath, [MAIN, 'serve', '--socket', socket, '--width', String(WIDTH), '--height', String(HEIGHT)],
    { env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir }, stdio: ['ignore', 'ignore', 'inherit'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  for (let i = 0; i < 2000 && !accepting(dir, socket) && child.exitCode === null; i++) await sleep(5);
  if (!accepting(dir, socket)) throw new Error('nosigbus serve did not start');
  return {
    name: 'nosigbus', pid: child.pid!, socket: join(dir, socket),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startPeer(name: string, start: () => ReturnType<typeof startWeston>): Promise<Contender> {
  const c = await start();
  const socket = join(c.env.XDG_RUNTIME_DIR!, c.env.WAYLAND_DISPLAY!);
  if (!existsSync(socket) || c.child.exitCode !== null) throw new Error(`${name} did not start: ${c.stderr()}`);
  return { name, pid: c.child.pid!, socket, stop: async () => void (await c.stop()) };
}

const CONTENDERS: readonly [string, () => Promise<Contender>][] = [
  ['nosigbus', startOurs],
  ['weston 10', () => startPeer('weston 10', () => startWeston(false, {}, [`--width=${WIDTH}`, `--height=${HEIGHT}`]))],
  // sway's config (peer-compositors.ts) gives its headless output 1024×768.
  ['sway 1.7', () => startPeer('sway 1.7', () => startSway(false))],
];

/** Local time of day in ms, as Chromium's trace prints it ("[22:42:31.777980]"). */
const dayMs = (epochMs: number): number => epochMs - new Date(epochMs).setHours(0, 0, 0, 0);

interface Pool { fdIndex: number; size: number }
interface Buffer { pool: string; offset: number; stride: number; format: number }

/**
 * Follows Chromium's own connection in its WAYLAND_DEBUG trace (its bundled
 * libwayland writes ids as `iface#N`; GTK's connection, through the
 * system's libwayland, writes `iface@N` and is left out): the fds it sends,
 * in order, its pools and buffers, and each commit on its window.
 */
class ChromiumTrace {
  #partial = '';
  #fdsSent = 0;
  #window: string | null = null;
  #attached: string | null = null;
  readonly #pools = new Map<string, Pool>();
  readonly #buffers = new Map<string, Buffer>();
  /** Commits on the window, and the trace time (day ms) and buffer of the first showing the marker. */
  commits = 0;
  firstPage: number | null = null;
  readonly #tap: WaylandTap;

  constructor(browser: Browser, tap: WaylandTap) {
    this.#tap = tap;
    browser.child.stderr!.on('data', (d: Uint8Array) => {
      const lines = (this.#partial + d.toString()).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const l of lines) this.#line(l);
    });
  }

  #line(line: string): void {
    const m = /^\[(\d\d):(\d\d):(\d\d)\.(\d{6})\]\s+-> ([a-z_0-9]+)#(\d+)\.([a-z_0-9]+)\((.*)\)$/.exec(line);
    if (!m) return;
    const [, hh, mm, ss, us, iface, id, request, args] = m as unknown as string[];
    const at = ((Number(hh) * 60 + Number(mm)) * 60 + Number(ss)) * 1000 + Number(us) / 1000;
    const fdArgs = args!.match(/\bfd \d+/g)?.length ?? 0;
    const fdIndex = this.#fdsSent;
    this.#fdsSent += fdArgs;
    const a = args!.split(', ');
    if (iface === 'wl_shm' && request === 'create_pool') {
      this.#pools.set(/#(\d+)/.exec(a[0]!)![1]!, { fdIndex, size: Number(a[2]) });
    } else if (iface === 'wl_shm_pool' && request === 'create_buffer') {
      this.#buffers.set(/#(\d+)/.exec(a[0]!)![1]!, { pool: id!, offset: Number(a[1]), stride: Number(a[4]), format: Number(a[5]) });
    } else if (iface === 'xdg_wm_base' && request === 'get_xdg_surface' && this.#window === null) {
      this.#window = /wl_surface#(\d+)/.exec(args!)![1]!;
    } else if (iface === 'wl_surface' && id === this.#window && request === 'attach') {
      this.#attached = /wl_buffer#(\d+)/.exec(a[0]!)?.[1] ?? null;
    } else if (iface === 'wl_surface' && id === this.#window && request === 'commit' && this.#attached !== null) {
      this.commits++;
      if (this.firstPage === null && this.#showsMarker(this.#attached)) this.firstPage = at;
    }
  }

  /** Whether the buffer's pixel at PROBE is the marker's colour (xrgb/argb8888: B, G, R in memory). */
  #showsMarker(bufferId: string): boolean {
    const b = this.#buffers.get(bufferId);
    const pool = b && this.#pools.get(b.pool);
    if (!b || !pool || b.format > 1) return false;
    const fd = this.#tap.poolFd(pool.fdIndex, pool.size);
    if (fd === null) return false;
    const px = new Uint8Array(4);
    readSync(fd, px, 0, 4, b.offset + PROBE.y * b.stride + PROBE.x * 4);
    return ((px[2]! << 16) | (px[1]! << 8) | px[0]!) === MARKER;
  }
}

interface Run { firstFrameMs: number; cpuMs: number; commits: number }

async function once(c: Contender): Promise<Run> {
  const dir = privateDir('nosigbus-bench-chromium-client-');
  const tap = new WaylandTap(dir, 'tap', c.socket);
  const page = join(dir, 'scroll.html');
  writeFileSync(page, scrollPage());
  let browser: Browser | null = null;
  try {
    const spawnedAt = dayMs(Date.now());
    browser = startGroup(CHROMIUM, chromiumArgs(join(dir, 'profile'), `file://${page}`), { ...browserEnv(dir, tap.name), WAYLAND_DEBUG: '1' }, 120_000);
    const trace = new ChromiumTrace(browser, tap);
    for (let i = 0; i < 6000 && trace.firstPage === null && browser.child.exitCode === null; i++) await sleep(10);
    if (trace.firstPage === null) throw new Error(`${c.name}: no frame of the page from Chromium: ${browser.stderr().split('\n').filter((l) => !l.includes('->') && !/^\[\d\d:/.test(l)).slice(-10).join('\n')}`);
    await sleep(1000);
    const c0 = cpuMs(c.pid);
    const n0 = trace.commits;
    await sleep(SCROLL_S * 1000);
    return { firstFrameMs: trace.firstPage - spawnedAt, cpuMs: cpuMs(c.pid) - c0, commits: trace.commits - n0 };
  } finally {
    await browser?.stop();
    tap.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const missing = [CHROMIUM, WESTON, SWAY, ...(asRoot ? [SETPRIV] : [])].filter((p) => !existsSync(p));
  if (missing.length) {
    console.log(`skipped: ${missing.join(', ')} not found (Debian chromium, weston, sway, util-linux)`);
    return;
  }
  const runs = CONTENDERS.map((): Run[] => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [, start]] of CONTENDERS.entries()) {
      const c = await start();
      try {
        runs[k]!.push(await once(c));
      } finally {
        await c.stop();
      }
    }
  }
  const figures = runs.map((rs) => ({
    first: median(rs.map((r) => r.firstFrameMs)),
    cpu: median(rs.map((r) => r.cpuMs)),
    commits: median(rs.map((r) => r.commits)),
    perCommit: median(rs.map((r) => r.cpuMs / Math.max(1, r.commits))),
  }));
  const [ours] = figures;
  console.log(`Chromium ${WIDTH}×${HEIGHT} kiosk, software rendering; medians of ${RUNS} runs each, alternating`);
  const row = (what: string, pick: (f: (typeof figures)[number]) => number, unit: string, digits: number, better: 'lower' | 'higher'): void => {
    const cells = figures.map((f, k) => `${CONTENDERS[k]![0]} ${pick(f).toFixed(digits).padStart(7)}${unit}`);
    const ratios = figures.slice(1).map((f, k) => `vs ${CONTENDERS[k + 1]![0]} ${(pick(ours!) / pick(f)).toFixed(2)}`);
    console.log(`${what.padEnd(32)} ${cells.join('   ')}   ratio ${ratios.join(', ')} (${better} is better)`);
  };
  row('start to first frame of the page', (f) => f.first, ' ms', 0, 'lower');
  row(`compositor CPU, ${SCROLL_S} s of scrolling`, (f) => f.cpu, ' ms', 0, 'lower');
  row(`Chromium commits in those ${SCROLL_S} s`, (f) => f.commits, '   ', 0, 'higher');
  row('compositor CPU per commit', (f) => f.perCommit, ' ms', 2, 'lower');
}
