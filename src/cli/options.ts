// Command-line options of `nosigbus run` and `nosigbus serve`, parsed with
// util.parseArgs. A bad option is a UsageError: one line, exit status 2.
import { parseArgs } from 'node:util';
import type { LogLevel, OutputSpec, TruncationPolicy } from '../compositor/index.js';
import { Keymap } from '../compositor/input/xkb.js';
import { parseScale } from '../compositor/output/scale.js';
import { checkLayout, MAX_OUTPUTS, placeOutputs } from '../compositor/output/layout.js';

export class UsageError extends Error {}

const MIB = 1024 * 1024;

export interface CompositorArgs {
  socket: string | undefined;
  /** The one output (--width, --height, --scale), when --output is not given. */
  width: number;
  height: number;
  scale: number;
  /** --output, in order (HEADLESS-1, HEADLESS-2, …), each placed; undefined: the one output above. */
  outputs: OutputSpec[] | undefined;
  refresh: number;
  onTruncate: TruncationPolicy;
  screenshot: string | undefined;
  stats: string | undefined;
  logLevel: LogLevel;
  keyboardLayout: string;
  cursor: boolean;
  /** Advertise zwlr_data_control_manager_v1 and ext_data_control_manager_v1 (off: --no-data-control). */
  dataControl: boolean;
  /** Bytes of client pixels copied into compositor memory, per client and in all. */
  memoryBudget: number;
  memoryBudgetTotal: number | undefined;
  /** Start Xwayland (rootful, the size of the output) and give the client DISPLAY. */
  xwayland: boolean;
  /** Where Xwayland's stderr goes (xvfb-run's -e FILE); undefined: shown only if it fails. */
  xwaylandLog: string | undefined;
  /** Encode the output into this .webm, .mp4 or .mkv with ffmpeg. */
  record: string | undefined;
  /** Serve the live view (src/view) on this address. */
  view: { host?: string; port: number } | undefined;
  help: boolean;
  version: boolean;
}

export const USAGE = `usage: nosigbus run [options] [--] CLIENT [ARGS...]
       nosigbus serve [options]
       nosigbus ctl [--socket NAME] VERB [ARGS...]   (drive a serve: windows, wait-window, type, key, click, screenshot, output; ctl --help)
       nosigbus demo
       nosigbus preload [--] PROGRAM [ARGS...]   (an unmodified program with libnosigbus-preload.so)
       nosigbus              (the main job: built-in honest and hostile clients, a report, screenshot.png)

A headless Wayland compositor no client can crash by truncating its shared memory.
run starts the compositor, runs CLIENT with WAYLAND_DISPLAY set (and a private
XDG_RUNTIME_DIR when none is set), and exits with its status (128 + signal if it
was killed). serve runs until SIGINT or SIGTERM.

options:
  --socket NAME            socket name in $XDG_RUNTIME_DIR (default: first free wayland-N)
  --width N, --height N    output mode in pixels (default 1024 x 768)
  --scale S                output scale: a multiple of 1/120 in 0.25..8, e.g. 1, 1.25, 1.5, 2 or 4/3
                           (default 1); the mode stays --width x --height pixels
  --output WxH[@SCALE][+X,Y]  an output (repeat for several, up to ${MAX_OUTPUTS}: HEADLESS-1,
                           HEADLESS-2, ... in order) of W x H pixels at SCALE (as --scale), at logical
                           position X,Y (default: right of the previous one); instead of
                           --width/--height/--scale. Outputs may not overlap
  --refresh HZ             output refresh rate (default 60)
  --on-truncate POLICY     error (default: invalid_fd on the wl_buffer, as libwayland)
                           or zero (keep the client, show zeros)
  --screenshot FILE.png    write the output (all outputs, at their places) as PNG at exit
  --stats FILE.json        write what each client did (commits, frames, rescues) at exit
  --log-level LEVEL        error, warn (default), info or debug
  --keyboard-layout LAYOUT xkb layout of the seat's keyboard, e.g. de or us,ru
                           (default us)
  --cursor                 draw the pointer's cursor in screenshots and captures
  --no-data-control        do not offer data control, wlr or ext (clipboard tools then need keyboard focus)
  --memory-budget MIB      client pixels copied into compositor memory at commit, per client
                           (default 128; past it, or with 0, buffers are shown straight from
                           the client's memory and released when replaced)
  --memory-budget-total MIB  the same for all clients together (default 384, or 3 × --memory-budget)
  --xwayland               also start Xwayland (rootful, the size of the output) as a client
                           and give CLIENT DISPLAY and XAUTHORITY: a drop-in for xvfb-run
                           (serve prints DISPLAY and XAUTHORITY)
  --xwayland-log FILE      append Xwayland's stderr to FILE (default: shown only if it fails)
  --record FILE            record the output (the first of several) with ffmpeg into FILE.webm
                           (VP9), .mp4 (H.264) or .mkv (lossless FFV1): a frame whenever it
                           changes, up to the refresh rate, none while it is still; complete
                           on every exit
  --view [HOST:]PORT       show the output (the first of several) live in a browser, and take
                           its keyboard and pointer
                           (default host 127.0.0.1; port 0: any free one; bound to another
                           address, the printed URL carries a random token, required)
  --help, --version`;

const OPTIONS = {
  socket: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  scale: { type: 'string' },
  output: { type: 'string', multiple: true },
  refresh: { type: 'string' },
  'on-truncate': { type: 'string' },
  screenshot: { type: 'string' },
  stats: { type: 'string' },
  'log-level': { type: 'string' },
  'keyboard-layout': { type: 'string' },
  cursor: { type: 'boolean' },
  'no-data-control': { type: 'boolean' },
  'memory-budget': { type: 'string' },
  'memory-budget-total': { type: 'string' },
  xwayland: { type: 'boolean' },
  'xwayland-log': { type: 'string' },
  record: { type: 'string' },
  view: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const VALUE_OPTIONS = new Set(Object.entries(OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => `--${k}`));

/** Splits argv at the client: options, then CLIENT ARGS... (after `--` or the first non-option). */
export function splitAtClient(argv: readonly string[]): { options: string[]; command: string[] } {
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { options, command: argv.slice(i + 1) };
    if (!a.startsWith('-') || a === '-') return { options, command: argv.slice(i) };
    options.push(a);
    if (VALUE_OPTIONS.has(a) && i + 1 < argv.length) options.push(argv[++i]!);
  }
  return { options, command: [] };
}

function integer(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}

/** An output scale (--scale, --output's @SCALE). */
function outputScale(name: string, text: string | undefined): number {
  if (text === undefined) return 1;
  const s = parseScale(text);
  if (s === null) throw new UsageError(`--${name}: expected a multiple of 1/120 in 0.25..8 (such as 1, 1.25, 1.5, 2 or 4/3), got '${text}'`);
  return s;
}

/** --output WxH[@SCALE][+X,Y], in order: each placed (right of the previous one unless +X,Y), checked together. */
function outputSpecs(texts: readonly string[]): OutputSpec[] {
  if (texts.length > MAX_OUTPUTS) throw new UsageError(`--output: ${texts.length} outputs, at most ${MAX_OUTPUTS}`);
  const specs = texts.map((text): OutputSpec => {
    const m = /^(\d+)x(\d+)(?:@([^+]+))?(?:\+(\d+),(\d+))?$/.exec(text);
    if (!m) throw new UsageError(`--output: expected WxH[@SCALE][+X,Y] such as 1280x720 or 1280x720@2+1280,0, got '${text}'`);
    const spec: OutputSpec = {
      width: integer('output width', m[1], 0, 1, 16384),
      height: integer('output height', m[2], 0, 1, 16384),
      scale: outputScale('output scale', m[3]),
    };
    if (m[4] !== undefined) {
      spec.x = integer('output x', m[4], 0, 0, 1 << 20);
      spec.y = integer('output y', m[5], 0, 0, 1 << 20);
    }
    return spec;
  });
  const why = checkLayout(placeOutputs(specs));
  if (why) throw new UsageError(`--output: ${why}`);
  return specs;
}

function oneOf<T extends string>(name: string, text: string | undefined, values: readonly T[], dflt: T): T {
  if (text === undefined) return dflt;
  const found = values.find((v) => v === text);
  if (found === undefined) throw new UsageError(`--${name}: expected ${values.join(' or ')}, got '${text}'`);
  return found;
}

function keyboardLayout(text: string | undefined): string {
  if (text === undefined) return 'us';
  if (!/^[a-z][a-z0-9_-]*(,[a-z][a-z0-9_-]*)*$/i.test(text)) throw new UsageError(`--keyboard-layout: expected xkb layout names such as us or de,fr, got '${text}'`);
  // Compiled once here so that an unknown layout is a usage error, not a crash at start.
  try {
    Keymap.fromNames({ layout: text }).close();
  } catch {
    throw new UsageError(`--keyboard-layout: libxkbcommon has no layout '${text}'`);
  }
  return text;
}

/** --record's file: its extension picks the encoding (record.ts), checked here so a typo is a usage error. */
function recordPath(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/\.(webm|mp4|mkv)$/i.test(text)) throw new UsageError(`--record: expected a file ending in .webm, .mp4 or .mkv, got '${text}'`);
  return text;
}

/** --view's [HOST:]PORT (an IPv6 host in brackets). */
function viewAddress(text: string | undefined): { host?: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--view: expected [HOST:]PORT such as 8080 or 0.0.0.0:8080, got '${text}'`);
  const host = m[1]?.replace(/^\[(.*)\]$/, '$1');
  return host === undefined ? { port } : { host, port };
}

export function parseCompositorArgs(args: readonly string[]): CompositorArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
  const refreshText = values.refresh;
  const refresh = refreshText === undefined ? 60 : Number(refreshText);
  if (!(refresh >= 1 && refresh <= 1000) || !/^\d+(\.\d+)?$/.test(refreshText ?? '60'))
    throw new UsageError(`--refresh: expected a rate in Hz in 1..1000, got '${refreshText}'`);
  const socket = values.socket;
  if (socket !== undefined && (socket === '' || socket.includes('\0'))) throw new UsageError(`--socket: expected a socket name, got '${socket}'`);
  if (values.output && (values.width !== undefined || values.height !== undefined || values.scale !== undefined))
    throw new UsageError('--output cannot be combined with --width, --height or --scale (the one-output form)');
  return {
    socket,
    width: integer('width', values.width, 1024, 1, 16384),
    height: integer('height', values.height, 768, 1, 16384),
    scale: outputScale('scale', values.scale),
    outputs: values.output ? outputSpecs(values.output) : undefined,
    refresh,
    onTruncate: oneOf('on-truncate', values['on-truncate'], ['error', 'zero'], 'error'),
    screenshot: values.screenshot,
    stats: values.stats,
    logLevel: oneOf('log-level', values['log-level'], ['error', 'warn', 'info', 'debug'], 'warn'),
    keyboardLayout: keyboardLayout(values['keyboard-layout']),
    cursor: values.cursor ?? false,
    dataControl: !(values['no-data-control'] ?? false),
    memoryBudget: integer('memory-budget', values['memory-budget'], 128, 0, 1 << 20) * MIB,
    memoryBudgetTotal:
      values['memory-budget-total'] === undefined ? undefined : integer('memory-budget-total', values['memory-budget-total'], 0, 0, 1 << 20) * MIB,
    xwayland: (values.xwayland ?? false) || values['xwayland-log'] !== undefined,
    xwaylandLog: values['xwayland-log'],
    record: recordPath(values.record),
    view: viewAddress(values.view),
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
