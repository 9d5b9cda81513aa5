// What a session's control functions are, for every front: the operations,
// their arguments and results, the errors, the checks every request goes
// through and the words of the messages. No compositor here: `nosigbus
// ctl` and attach() load this, not the compositor (operations.ts runs them).
import type { Screenshot } from './image.js';

/** The largest output mode per axis (the compositor's MAX_OUTPUT_SIZE; a test keeps them equal). */
export const MAX_MODE = 16384;

/** A toplevel as a session sees it. Geometry is logical (output units before the output scale). */
export interface WindowInfo {
  /** Stable while the window lives; what `window` arguments take. */
  id: number;
  title: string;
  appId: string;
  /** The client's process (SO_PEERCRED of its connection); null when the connection has none. */
  pid: number | null;
  /** Window geometry on the output (xdg_surface.set_window_geometry, else the surface), logical units. */
  x: number;
  y: number;
  width: number;
  height: number;
  maximized: boolean;
  fullscreen: boolean;
  /** It has keyboard focus (or its popup has). */
  activated: boolean;
}

/** A string matches exactly; a RegExp by test(). */
export type TextMatch = string | RegExp;

export interface WindowMatch {
  title?: TextMatch;
  appId?: TextMatch;
}

/** A window by id, or the topmost window that matches. */
export type WindowRef = number | WindowMatch;

export type Button = 'left' | 'right' | 'middle';

export interface OutputInfo {
  width: number;
  height: number;
  scale: number;
  refreshMilliHz: number;
}

export interface SessionInfo {
  /** The compositor's process. */
  pid: number;
  /** WAYLAND_DISPLAY and XDG_RUNTIME_DIR for more clients (null: not listening on a socket). */
  waylandDisplay: string | null;
  runtimeDir: string | null;
  output: OutputInfo;
}

/** Arguments of each operation. Times are milliseconds. */
export interface OperationArgs {
  info: Record<string, never>;
  windows: Record<string, never>;
  waitWindow: { match: WindowMatch; timeoutMs: number };
  waitIdle: { quietMs: number; timeoutMs: number };
  click: { window?: WindowRef; x: number; y: number; button?: Button };
  move: { window?: WindowRef; x: number; y: number };
  scroll: { window?: WindowRef; dx: number; dy: number; x?: number; y?: number };
  type: { window?: WindowRef; text: string };
  key: { window?: WindowRef; key: string };
  screenshot: { window?: WindowRef };
  resize: { window: WindowRef; width: number; height: number; timeoutMs: number };
  close: { window: WindowRef; timeoutMs: number };
  output: { width: number; height: number };
}

export interface OperationResults {
  info: SessionInfo;
  windows: WindowInfo[];
  waitWindow: WindowInfo;
  waitIdle: { waitedMs: number };
  click: null;
  move: null;
  scroll: null;
  type: null;
  key: null;
  screenshot: Screenshot;
  resize: WindowInfo;
  close: null;
  output: OutputInfo;
}

export type OperationName = keyof OperationArgs;

/** What both fronts offer: one call per operation. */
export interface Control {
  call<K extends OperationName>(op: K, args: OperationArgs[K], signal?: AbortSignal): Promise<OperationResults[K]>;
}

export type ControlErrorCode =
  | 'ERR_NOSIGBUS_NO_WINDOW'
  | 'ERR_NOSIGBUS_TIMEOUT'
  | 'ERR_NOSIGBUS_BAD_REQUEST'
  | 'ERR_NOSIGBUS_CANNOT'
  | 'ERR_NOSIGBUS_CLOSED'
  | 'ERR_NOSIGBUS_NO_SERVER'
  | 'ERR_NOSIGBUS_INTERNAL';

/** Why an operation failed; the message is for people and names what it waited for. */
export class ControlError extends Error {
  readonly code: ControlErrorCode;

  constructor(code: ControlErrorCode, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

export const OPERATIONS: readonly OperationName[] = ['info', 'windows', 'waitWindow', 'waitIdle', 'click', 'move', 'scroll', 'type', 'key', 'screenshot', 'resize', 'close', 'output'];

export function isOperation(op: string): op is OperationName {
  return (OPERATIONS as readonly string[]).includes(op);
}

/** The longest wait one request may ask for (ten minutes). */
export const MAX_TIMEOUT_MS = 600_000;
/** The longest text one type request takes, in characters. */
export const MAX_TEXT = 65_536;
/** Windows named in an error message. */
const MAX_LISTED = 20;

// ---- argument checks (shared by every front)

export const bad = (message: string): ControlError => new ControlError('ERR_NOSIGBUS_BAD_REQUEST', message);

type Fields = Record<string, unknown>;

function fields(op: string, args: unknown): Fields {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw bad(`${op}: arguments must be an object`);
  return args as Fields;
}

function number(op: string, a: Fields, name: string, min: number, max: number, dflt?: number): number {
  const v = a[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`${op}: ${name} must be a number in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function integer(op: string, a: Fields, name: string, min: number, max: number, dflt?: number): number {
  const v = number(op, a, name, min, max, dflt);
  if (!Number.isInteger(v)) throw bad(`${op}: ${name} must be an integer, got ${v}`);
  return v;
}

function optionalNumber(op: string, a: Fields, name: string, min: number, max: number): number | undefined {
  return a[name] === undefined ? undefined : number(op, a, name, min, max);
}

function textMatch(op: string, name: string, v: unknown): TextMatch | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v instanceof RegExp) return v;
  throw bad(`${op}: ${name} must be a string or a regular expression`);
}

function windowMatch(op: string, v: unknown): WindowMatch {
  const a = fields(op, v);
  const title = textMatch(op, 'title', a.title);
  const appId = textMatch(op, 'appId', a.appId);
  return { ...(title !== undefined ? { title } : {}), ...(appId !== undefined ? { appId } : {}) };
}

function windowRef(op: string, v: unknown): WindowRef | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1) throw bad(`${op}: window id must be a positive integer, got ${v}`);
    return v;
  }
  return windowMatch(op, v);
}

function requiredWindow(op: string, v: unknown): WindowRef {
  const w = windowRef(op, v);
  if (w === undefined) throw bad(`${op}: which window? (window: an id or { title, appId })`);
  return w;
}

function string(op: string, a: Fields, name: string, max: number): string {
  const v = a[name];
  if (typeof v !== 'string') throw bad(`${op}: ${name} must be a string`);
  if (v.length > max) throw bad(`${op}: ${name} is longer than ${max} characters`);
  return v;
}

const timeout = (op: string, a: Fields, dflt: number): number => integer(op, a, 'timeoutMs', 0, MAX_TIMEOUT_MS, dflt);
const COORD = 1 << 20;

/** Checks and normalizes the arguments of `op` (anyone's: the API's or a peer's). */
export function checkArgs<K extends OperationName>(op: K, args: unknown): OperationArgs[K];
export function checkArgs(op: OperationName, args: unknown): OperationArgs[OperationName] {
  const a = fields(op, args);
  const w = (): { window?: WindowRef } => {
    const r = windowRef(op, a.window);
    return r === undefined ? {} : { window: r };
  };
  switch (op) {
    case 'info':
    case 'windows':
      return {};
    case 'waitWindow':
      return { match: windowMatch(op, a.match), timeoutMs: timeout(op, a, 5000) };
    case 'waitIdle':
      return { quietMs: integer(op, a, 'quietMs', 1, MAX_TIMEOUT_MS, 500), timeoutMs: timeout(op, a, 5000) };
    case 'click': {
      const button = a.button ?? 'left';
      if (button !== 'left' && button !== 'right' && button !== 'middle') throw bad(`${op}: button must be left, right or middle, got ${JSON.stringify(button)}`);
      return { ...w(), x: number(op, a, 'x', -COORD, COORD), y: number(op, a, 'y', -COORD, COORD), button };
    }
    case 'move':
      return { ...w(), x: number(op, a, 'x', -COORD, COORD), y: number(op, a, 'y', -COORD, COORD) };
    case 'scroll': {
      const x = optionalNumber(op, a, 'x', -COORD, COORD);
      const y = optionalNumber(op, a, 'y', -COORD, COORD);
      if ((x === undefined) !== (y === undefined)) throw bad(`${op}: x and y go together`);
      return { ...w(), dx: number(op, a, 'dx', -1000, 1000, 0), dy: number(op, a, 'dy', -1000, 1000, 0), ...(x !== undefined && y !== undefined ? { x, y } : {}) };
    }
    case 'type':
      return { ...w(), text: string(op, a, 'text', MAX_TEXT) };
    case 'key':
      return { ...w(), key: string(op, a, 'key', 256) };
    case 'screenshot':
      return w();
    case 'resize':
      return { window: requiredWindow(op, a.window), width: integer(op, a, 'width', 1, MAX_MODE), height: integer(op, a, 'height', 1, MAX_MODE), timeoutMs: timeout(op, a, 5000) };
    case 'close':
      return { window: requiredWindow(op, a.window), timeoutMs: timeout(op, a, 5000) };
    case 'output':
      return { width: integer(op, a, 'width', 1, MAX_MODE), height: integer(op, a, 'height', 1, MAX_MODE) };
  }
  throw bad(`unknown operation ${JSON.stringify(op)} (known: ${OPERATIONS.join(', ')})`);
}

// ---- descriptions for messages

/** "text" or /source/flags (without the l of the linear engine: as the peer wrote it). */
const showText = (m: TextMatch): string => (typeof m === 'string' ? JSON.stringify(m) : `/${m.source}/${m.flags.replace('l', '')}`);

/** "a window with title "X" and app_id /y/" */
export function describeMatch(match: WindowMatch): string {
  const parts: string[] = [];
  if (match.title !== undefined) parts.push(`title ${showText(match.title)}`);
  if (match.appId !== undefined) parts.push(`app_id ${showText(match.appId)}`);
  return parts.length ? `a window with ${parts.join(' and ')}` : 'any window';
}

/** `3 "Widget Factory" (app_id org.gtk.WidgetFactory4, pid 12) 800x600 at 32,32, activated` */
export function describeWindow(w: WindowInfo): string {
  const state = [w.maximized && 'maximized', w.fullscreen && 'fullscreen', w.activated && 'activated'].filter(Boolean).join(', ');
  return `${w.id} ${JSON.stringify(w.title)} (app_id ${JSON.stringify(w.appId)}, pid ${w.pid ?? 'unknown'}) ${w.width}x${w.height} at ${w.x},${w.y}${state ? `, ${state}` : ''}`;
}

export function describeWindows(list: readonly WindowInfo[]): string {
  if (list.length === 0) return 'no windows';
  const shown = list.slice(-MAX_LISTED).map(describeWindow);
  const more = list.length > MAX_LISTED ? ` (and ${list.length - MAX_LISTED} more)` : '';
  return `windows (bottom to top): ${shown.join('; ')}${more}`;
}

export function textMatches(m: TextMatch | undefined, value: string): boolean {
  if (m === undefined) return true;
  if (typeof m === 'string') return m === value;
  m.lastIndex = 0; // a g or y flag makes test() stateful
  return m.test(value);
}

