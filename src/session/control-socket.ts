// The control socket: `$XDG_RUNTIME_DIR/NAME.ctl` next to the Wayland socket
// NAME, where `nosigbus ctl` and the session API's attach() send requests
// (protocol.ts) that Operations runs. A thin front: it frames lines, checks
// bounds and answers; what a request does is operations.ts's.
//
// Invariants:
//  - the socket is made as the Wayland socket is (src/wire/socket.ts:
//    NAME.ctl with NAME.ctl.lock held by flock, a stale one replaced once
//    the lock is held), with umask 0177 and chmod 0600 (owner only), in the
//    runtime directory (0700); close() unlinks both;
//  - a peer cannot crash or stall serve: a line longer than
//    MAX_REQUEST_BYTES, a line that is not a request, more than
//    MAX_PENDING requests unanswered on one connection, or a request sent
//    while more than MAX_UNSENT_BYTES of answers wait to be read gets an
//    error (id null, or the request's) and the connection is ended (closed
//    for good 2 s later if the peer does not read); fds sent along are
//    closed unread; a request whose arguments are wrong gets an error and
//    the connection stays; an exception in an operation is an
//    ERR_NOSIGBUS_INTERNAL answer, logged;
//  - at most MAX_CONNECTIONS connections: one more gets an error and is closed;
//  - a connection that closes cancels its pending waits (their listeners
//    and timers go at once).
//
// Cost per connection: at most MAX_REQUEST_BYTES of partial line, MAX_PENDING
// operations in flight (each wait: one listener, one timer), and the answers
// it has not read (a new request is refused past MAX_UNSENT_BYTES).
import { setMaxListeners } from 'node:events';
import { chmodSync } from 'node:fs';
import { listenWayland, type Listener, type UnixStream } from '../wire/socket.js';
import { LineStream } from './line-stream.js';
import { ControlError, checkArgs, isOperation, type Control } from './requests.js';
import { decodeRequest, encodeResponse, errorResponse, MAX_REQUEST_BYTES, ProtocolViolation, reviveArgs, type Request, type Response } from './protocol.js';

/** Requests one connection may have unanswered (or answered but not yet written). */
export const MAX_PENDING = 16;
/** Answers waiting to be read past which a connection's new request is refused (bytes). */
export const MAX_UNSENT_BYTES = 64 << 20;
/** Control connections at once. */
export const MAX_CONNECTIONS = 64;
/** How long an ended connection's peer has to read the error before it is closed. */
const END_GRACE_MS = 2000;

export interface ControlServer {
  readonly path: string;
  /** Open connections. */
  readonly connections: number;
  /** Stops listening, ends every connection, unlinks the socket and its lock. Synchronous, idempotent. */
  close(): void;
}

export interface ControlServerOptions {
  /** Where internal errors are reported (default: stderr). */
  log?: (level: 'error' | 'info', message: string) => void;
}

/** Listens on `path` (mode 0600) for control connections served by `control`. */
export function listenControl(control: Control, path: string, options: ControlServerOptions = {}): ControlServer {
  const log = options.log ?? ((level, message) => process.stderr.write(`nosigbus: ${level}: ${message}\n`));
  const streams = new Set<LineStream>();
  const accept = (socket: UnixStream): void => {
    if (streams.size >= MAX_CONNECTIONS) {
      const refused = new LineStream(socket, 0, { onLine: () => {} });
      refused.end(encodeResponse(errorResponse(null, 'ERR_NOSIGBUS_CANNOT', `too many control connections (${MAX_CONNECTIONS})`)));
      setTimeout(() => refused.close(), END_GRACE_MS).unref();
      return;
    }
    const stream = serveConnection(control, socket, log, () => streams.delete(stream));
    streams.add(stream);
  };
  // bind() under umask 0177: the socket is born owner-only (chmod below says so again).
  const umask = process.umask(0o177);
  let listener: Listener;
  try {
    listener = listenWayland({ name: path, onConnection: accept, onError: (e) => log('error', `control socket: ${e.message}`) });
  } finally {
    process.umask(umask);
  }
  try {
    chmodSync(listener.path, 0o600);
  } catch (e) {
    listener.close();
    throw e;
  }
  return {
    path: listener.path,
    get connections() {
      return streams.size;
    },
    close: () => {
      listener.close();
      for (const s of [...streams]) s.close();
    },
  };
}

function serveConnection(control: Control, socket: UnixStream, log: (level: 'error' | 'info', message: string) => void, closed: () => void): LineStream {
  const cancel = new AbortController();
  // One abort listener per pending wait: up to MAX_PENDING, by design (not a leak to warn of).
  setMaxListeners(MAX_PENDING + 1, cancel.signal);
  let pending = 0;
  let ending = false;

  /** The peer broke the protocol: one error, then the connection ends. */
  const violate = (message: string, id: number | null = null): void => {
    if (ending) return;
    ending = true;
    cancel.abort();
    stream.end(encodeResponse(errorResponse(id, 'ERR_NOSIGBUS_BAD_REQUEST', `${message}; closing the connection`)));
    setTimeout(() => stream.close(), END_GRACE_MS).unref();
  };

  const run = async (request: Request): Promise<Response> => {
    const { id, op } = request;
    try {
      if (!isOperation(op)) return errorResponse(id, 'ERR_NOSIGBUS_BAD_REQUEST', `unknown operation ${JSON.stringify(op)}`);
      const result = await control.call(op, checkArgs(op, reviveArgs(request.args)), cancel.signal);
      return { id, ok: true, result };
    } catch (e) {
      if (e instanceof ControlError) return errorResponse(id, e.code, e.message);
      log('error', `control request ${JSON.stringify(op)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return errorResponse(id, 'ERR_NOSIGBUS_INTERNAL', `${op} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const handle = (line: string): void => {
    if (line.trim() === '') return;
    let request: Request;
    try {
      request = decodeRequest(line);
    } catch (e) {
      return violate(e instanceof ProtocolViolation ? e.message : `unreadable request: ${String(e)}`);
    }
    if (pending >= MAX_PENDING) return violate(`more than ${MAX_PENDING} requests unanswered on one connection`, request.id);
    if (stream.unsentBytes > MAX_UNSENT_BYTES) return violate(`more than ${MAX_UNSENT_BYTES} bytes of answers not read`, request.id);
    pending++;
    void run(request).then((response) => stream.write(encodeResponse(response), () => pending--));
  };

  const stream: LineStream = new LineStream(socket, MAX_REQUEST_BYTES, {
    onLine: handle,
    onOversize: () => violate(`a request line is longer than ${MAX_REQUEST_BYTES} bytes`),
    onClose: () => {
      cancel.abort();
      closed();
    },
  });
  return stream;
}
