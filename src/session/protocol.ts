// The control protocol, both ends: JSON lines over a Unix stream socket.
//
//   request   {"id": 1, "op": "waitWindow", "args": {"match": {"title": "foo"}, "timeoutMs": 5000}}
//   response  {"id": 1, "ok": true, "result": {...}}
//             {"id": 1, "ok": false, "error": {"code": "ERR_NOSIGBUS_TIMEOUT", "message": "..."}}
//
// One request or response per line (UTF-8, ending in \n). Ids are chosen by
// the client (integers 0..2^53); responses may come in any order (a wait
// does not hold up the requests after it). Operations and their arguments
// are those of operations.ts. Values JSON has no form for are objects with
// a $ key: bytes {"$base64": "..."} (screenshots), regular expressions
// {"$regex": "source", "flags": "i"}.
//
// Invariants:
//  - decoding never throws anything but a ProtocolViolation (a line that is
//    not a request: the server answers with id null and hangs up) or a
//    ControlError (a request whose arguments are wrong: answered, the
//    connection stays);
//  - a peer's regular expression is compiled for V8's linear-time engine
//    (the `l` flag, --enable-experimental-regexp-engine, set once in this
//    process when the first one arrives): matching it against any title
//    costs time linear in the title. Patterns that engine cannot run
//    (back-references, lookaround) are refused; the flags accepted are m
//    and s (that engine has no i or u), at most MAX_REGEX characters of source.
import { isAbsolute, join } from 'node:path';
import { ControlError, type ControlErrorCode, type OperationName } from './requests.js';

/** The longest request line a server reads (bytes, without the newline); longer is a violation. */
export const MAX_REQUEST_BYTES = 1 << 20;
/** The longest response line a server sends (characters): a larger result is an error instead. */
export const MAX_RESPONSE_CHARS = 256 << 20;
/** The longest regular expression source a peer may send. */
export const MAX_REGEX = 1024;

/** `$runtimeDir/NAME.ctl`, the control socket of the Wayland socket NAME (an absolute NAME is a socket path). */
export function controlSocketPath(runtimeDir: string, waylandDisplay: string): string {
  return isAbsolute(waylandDisplay) ? `${waylandDisplay}.ctl` : join(runtimeDir, `${waylandDisplay}.ctl`);
}

/**
 * The control socket a client means: `socket` is a Wayland display name
 * (wayland-1), a socket path, or a control socket itself (…​.ctl); default
 * $WAYLAND_DISPLAY, else wayland-0 (as Wayland clients do), in
 * `runtimeDir` (default $XDG_RUNTIME_DIR). Throws a RangeError when a
 * relative name has no runtime directory to be in.
 */
export function resolveControlPath(socket: string | undefined, runtimeDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = socket ?? (env.WAYLAND_DISPLAY || 'wayland-0');
  const dir = runtimeDir ?? env.XDG_RUNTIME_DIR;
  if (name.endsWith('.ctl')) {
    if (isAbsolute(name)) return name;
  } else if (isAbsolute(name)) return `${name}.ctl`;
  if (!dir) throw new RangeError(`no runtime directory for socket ${name}: set XDG_RUNTIME_DIR or give a path`);
  return name.endsWith('.ctl') ? join(dir, name) : controlSocketPath(dir, name);
}

/** A line that is not a request; the connection ends after the error. */
export class ProtocolViolation extends Error {}

export interface Request {
  id: number;
  op: string;
  args: unknown;
}

export type Response =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: { code: string; message: string } };

const replacer = (_key: string, value: unknown): unknown => {
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof RegExp) return { $regex: value.source, flags: value.flags.replace(/[gyl]/g, '') };
  return value;
};

let linearEngine = false;

/** A peer's regular expression, for the linear-time engine only. */
function peerRegExp(source: unknown, flags: unknown): RegExp {
  if (typeof source !== 'string' || source.length > MAX_REGEX) throw new ControlError('ERR_NOSIGBUS_BAD_REQUEST', `a regular expression must be a string of at most ${MAX_REGEX} characters`);
  const f = flags ?? '';
  if (typeof f !== 'string' || !/^[ms]*$/.test(f))
    throw new ControlError('ERR_NOSIGBUS_BAD_REQUEST', `regular expression flags over the control socket may be m and s (V8's linear-time engine runs neither i nor u: write [Aa] for a letter in either case), got ${JSON.stringify(f)}`);
  if (!linearEngine) {
    // node:v8 only now (1.3 MiB when loaded): most control sessions send no regular expression.
    process.getBuiltinModule('node:v8').setFlagsFromString('--enable-experimental-regexp-engine');
    linearEngine = true;
  }
  try {
    return new RegExp(source, `${f}l`);
  } catch (e) {
    throw new ControlError('ERR_NOSIGBUS_BAD_REQUEST', `regular expression /${source}/: ${e instanceof Error ? e.message : String(e)} (patterns must run in linear time: no back-references or lookaround)`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Revives the $-objects of a parsed value, iteratively (a peer's nesting costs no stack). */
function revive(root: unknown, onRegex: (source: unknown, flags: unknown) => RegExp): unknown {
  const convert = (v: unknown): unknown => {
    if (!isRecord(v)) return v;
    if ('$base64' in v) {
      if (typeof v.$base64 !== 'string') throw new ControlError('ERR_NOSIGBUS_BAD_REQUEST', '$base64 must be a string');
      return new Uint8Array(Buffer.from(v.$base64, 'base64'));
    }
    if ('$regex' in v) return onRegex(v.$regex, v.flags);
    return v;
  };
  const top = convert(root);
  const stack: unknown[] = [top];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push((v[i] = convert(v[i])));
    } else if (isRecord(v) && Object.getPrototypeOf(v) === Object.prototype) {
      // JSON's own objects only (not the bytes or expressions just made).
      for (const k of Object.keys(v)) stack.push((v[k] = convert(v[k])));
    }
  }
  return top;
}

export function encodeRequest(id: number, op: OperationName, args: unknown): string {
  return `${JSON.stringify({ id, op, args }, replacer)}\n`;
}

/** A request line (without its newline) as the server reads it. */
export function decodeRequest(line: string): Request {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new ProtocolViolation(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(v)) throw new ProtocolViolation('a request is a JSON object {"id", "op", "args"}');
  const { id, op } = v;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new ProtocolViolation('a request needs an "id": an integer 0..2^53');
  if (typeof op !== 'string') throw new ProtocolViolation('a request needs an "op": a string');
  return { id, op, args: v.args };
}

/** The arguments of a decoded request, their $-objects revived (regular expressions for the linear engine). */
export function reviveArgs(args: unknown): unknown {
  return revive(args, peerRegExp);
}

/** A response line; a result too large for it becomes an error. */
export function encodeResponse(response: Response): string {
  let line: string | null = null;
  try {
    line = JSON.stringify(response, replacer);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e; // V8's "Invalid string length"
  }
  if (line === null || line.length > MAX_RESPONSE_CHARS)
    line = JSON.stringify({ id: response.id, ok: false, error: { code: 'ERR_NOSIGBUS_CANNOT', message: `the result is larger than the control socket carries (${MAX_RESPONSE_CHARS} characters)` } });
  return `${line}\n`;
}

export function errorResponse(id: number | null, code: ControlErrorCode, message: string): Response {
  return { id, ok: false, error: { code, message } };
}

/** A response line as the client reads it (trusting its server: regular expressions are not expected back). */
export function decodeResponse(line: string): Response {
  const v: unknown = revive(JSON.parse(line), (source, flags) => new RegExp(String(source), String(flags ?? '')));
  if (!isRecord(v) || typeof v.ok !== 'boolean') throw new ProtocolViolation('not a control response');
  const id = typeof v.id === 'number' ? v.id : null;
  if (v.ok) return { id, ok: true, result: v.result };
  const err = isRecord(v.error) ? v.error : {};
  return { id, ok: false, error: { code: String(err.code ?? 'ERR_NOSIGBUS_INTERNAL'), message: String(err.message ?? 'unknown error') } };
}

const CODES: readonly ControlErrorCode[] = ['ERR_NOSIGBUS_NO_WINDOW', 'ERR_NOSIGBUS_TIMEOUT', 'ERR_NOSIGBUS_BAD_REQUEST', 'ERR_NOSIGBUS_CANNOT', 'ERR_NOSIGBUS_CLOSED', 'ERR_NOSIGBUS_NO_SERVER', 'ERR_NOSIGBUS_INTERNAL'];

/** The ControlError a failed response stands for. */
export function responseError(error: { code: string; message: string }): ControlError {
  const code = CODES.find((c) => c === error.code) ?? 'ERR_NOSIGBUS_INTERNAL';
  return new ControlError(code, error.message);
}
