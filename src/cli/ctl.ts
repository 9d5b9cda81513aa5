// `nosigbus ctl`: one request to a running `nosigbus serve` (or `run`)
// over its control socket, for shell scripts. The control functions are
// src/session/operations.ts's; this is argument parsing and printing.
//
// Invariants:
//  - exit status 0 on success, printing JSON where the verb returns data;
//    1 with one clear line on stderr when the request fails (no such
//    window, a timeout, no serve listening); 2 with the usage when the
//    command line is wrong (util.parseArgs, strict);
//  - window titles and app ids match exactly, or by regular expression
//    when written /SOURCE/FLAGS.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ControlClient } from '../session/control-client.js';
import { ControlError, MAX_MODE, type TextMatch, type WindowMatch } from '../session/requests.js';
import { resolveControlPath } from '../session/protocol.js';
import { UsageError } from './options.js';

export const CTL_USAGE = `usage: nosigbus ctl [--socket NAME] VERB [ARGS...]

Drives a running nosigbus serve (or run) through its control socket,
$XDG_RUNTIME_DIR/NAME.ctl (NAME: --socket, else $WAYLAND_DISPLAY, else wayland-0).

verbs:
  windows                                      the toplevels, bottom to top (JSON)
  wait-window [--title T] [--app-id A] [--timeout MS]
                                               waits for a window (default 5000 ms; JSON)
  wait-idle [--quiet MS] [--timeout MS]        waits until nothing committed for MS (default 500)
  type TEXT [--window TITLE]                   types TEXT into the window (default: the focused one)
  key KEY [--window TITLE]                     presses KEY: an xkb keysym name with modifiers,
                                               e.g. Return, Control+v, Shift+Tab
  click X Y [--window TITLE] [--button B]      clicks at X,Y in the window (or on the output);
                                               B is left (default), right or middle
  screenshot FILE.png [--window TITLE]         writes the output (or the window alone) as PNG
  output WxH                                   changes the output's mode, e.g. 1280x720

T, A and TITLE match exactly, or by regular expression when written /SOURCE/FLAGS
(run in V8's linear-time engine: no back-references or lookaround; flags m and s).
Exit status: 0 done, 1 failed (no such window, timeout, no serve listening), 2 bad usage.`;

const OPTIONS = {
  socket: { type: 'string' },
  title: { type: 'string' },
  'app-id': { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'string' },
  window: { type: 'string' },
  button: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = Exclude<keyof typeof OPTIONS, 'help'>;

/** Which options each verb takes (besides --socket), and how many positionals. */
const VERBS: Readonly<Record<string, { options: readonly OptionName[]; positionals: readonly string[] }>> = {
  windows: { options: [], positionals: [] },
  'wait-window': { options: ['title', 'app-id', 'timeout'], positionals: [] },
  'wait-idle': { options: ['quiet', 'timeout'], positionals: [] },
  type: { options: ['window'], positionals: ['TEXT'] },
  key: { options: ['window'], positionals: ['KEY'] },
  click: { options: ['window', 'button'], positionals: ['X', 'Y'] },
  screenshot: { options: ['window'], positionals: ['FILE.png'] },
  output: { options: [], positionals: ['WxH'] },
};

const usage = (why: string): UsageError => new UsageError(`ctl: ${why}\n${CTL_USAGE}`);

/** A title or app id as typed: /SOURCE/FLAGS is a regular expression, anything else matches exactly. */
function textMatch(option: string, text: string): TextMatch {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (!m) return text;
  try {
    return new RegExp(m[1]!, m[2]);
  } catch (e) {
    throw usage(`--${option}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function milliseconds(option: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  if (!/^\d+$/.test(text) || Number(text) > 600_000) throw usage(`--${option}: expected milliseconds in 0..600000, got '${text}'`);
  return Number(text);
}

function coordinate(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw usage(`${name}: expected a number, got '${text}'`);
  return n;
}

export async function ctl(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw usage(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) return void console.log(CTL_USAGE);
  const [verb, ...rest] = positionals;
  if (verb === undefined) throw usage('no verb given');
  const spec = VERBS[verb];
  if (!spec) throw usage(`unknown verb '${verb}'`);
  for (const name of Object.keys(values)) {
    if (name === 'socket' || name === 'help') continue;
    if (!spec.options.some((o) => o === name)) throw usage(`${verb} takes no --${name}`);
  }
  if (rest.length !== spec.positionals.length)
    throw usage(`${verb} takes ${spec.positionals.length ? spec.positionals.join(' ') : 'no arguments'}, got ${rest.length ? rest.map((r) => `'${r}'`).join(' ') : 'none'}`);
  const window = values.window === undefined ? {} : { window: { title: textMatch('window', values.window) } satisfies WindowMatch };
  const button = values.button;
  if (button !== undefined && button !== 'left' && button !== 'right' && button !== 'middle') throw usage(`--button: expected left, right or middle, got '${button}'`);
  let size: [number, number] | null = null;
  if (verb === 'output') {
    const m = /^(\d+)x(\d+)$/.exec(rest[0]!);
    if (!m) throw usage(`output: expected WIDTHxHEIGHT such as 1280x720, got '${rest[0]}'`);
    size = [Number(m[1]), Number(m[2])];
    if (size.some((n) => n < 1 || n > MAX_MODE)) throw usage(`output: width and height must be in 1..${MAX_MODE}, got '${rest[0]}'`);
  }
  const timeoutMs = milliseconds('timeout', values.timeout, 5000);
  const quietMs = milliseconds('quiet', values.quiet, 500);
  const point = verb === 'click' ? { x: coordinate('X', rest[0]!), y: coordinate('Y', rest[1]!) } : null;

  let client: ControlClient | null = null;
  try {
    client = new ControlClient(resolveControlPath(values.socket, undefined));
    const c = client;
    const print = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
    switch (verb) {
      case 'windows':
        return print(await c.call('windows', {}));
      case 'wait-window': {
        const match: WindowMatch = {};
        if (values.title !== undefined) match.title = textMatch('title', values.title);
        if (values['app-id'] !== undefined) match.appId = textMatch('app-id', values['app-id']);
        return print(await c.call('waitWindow', { match, timeoutMs }));
      }
      case 'wait-idle':
        return print(await c.call('waitIdle', { quietMs, timeoutMs }));
      case 'type':
        return void (await c.call('type', { ...window, text: rest[0]! }));
      case 'key':
        return void (await c.call('key', { ...window, key: rest[0]! }));
      case 'click':
        return void (await c.call('click', { ...window, ...point!, ...(button ? { button } : {}) }));
      case 'screenshot': {
        const shot = await c.call('screenshot', window);
        writeFileSync(rest[0]!, shot.png);
        return print({ file: rest[0], width: shot.width, height: shot.height });
      }
      case 'output':
        return print(await c.call('output', { width: size![0], height: size![1] }));
    }
  } catch (e) {
    if (!(e instanceof ControlError || e instanceof RangeError || (e instanceof Error && 'code' in e))) throw e;
    process.stderr.write(`nosigbus ctl: ${verb}: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    client?.close();
  }
}
