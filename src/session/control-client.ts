// The client end of the control socket (protocol.ts): what attach() and
// `nosigbus ctl` speak to a running `nosigbus serve`.
//
// Invariants:
//  - one connection carries any number of requests, answered in any order
//    (matched by id); when it closes, every request still waiting fails
//    with ERR_NOSIGBUS_CLOSED naming the socket;
//  - a socket that is missing or that nobody accepts on is an
//    ERR_NOSIGBUS_NO_SERVER error naming the path, not a raw errno.
import { connectWayland } from '../wire/socket.js';
import { LineStream } from './line-stream.js';
import { ControlError, type Control, type OperationArgs, type OperationName, type OperationResults } from './requests.js';
import { decodeResponse, encodeRequest, responseError, type Response } from './protocol.js';

/** A response line longer than this (bytes) ends the connection (a server of ours caps its own at 256 Mi characters). */
const MAX_RESPONSE_BYTES = 512 << 20;

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class ControlClient implements Control {
  readonly path: string;
  readonly #stream: LineStream;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #closedWhy: string | null = null;

  /** Connects to the control socket at `path` (ERR_NOSIGBUS_NO_SERVER if nothing listens there). */
  constructor(path: string) {
    this.path = path;
    let socket;
    try {
      socket = connectWayland(path);
    } catch (e) {
      const errno = e instanceof Error && 'errno' in e ? e.errno : null;
      const why = errno === 2 ? 'no such socket' : errno === 111 ? 'nothing accepts connections on it' : e instanceof Error ? e.message : String(e);
      throw new ControlError('ERR_NOSIGBUS_NO_SERVER', `no nosigbus serve listening on ${path} (${why})`);
    }
    this.#stream = new LineStream(socket, MAX_RESPONSE_BYTES, {
      onLine: (line) => {
        let response: Response;
        try {
          response = decodeResponse(line);
        } catch (e) {
          return this.#end(`${path} sent something that is not a control response (${e instanceof Error ? e.message : String(e)})`);
        }
        this.#answer(response);
      },
      onOversize: () => this.#end(`a response from ${path} is longer than ${MAX_RESPONSE_BYTES} bytes`),
      onClose: () => this.#end(`${path} closed the control connection (nosigbus serve exited?)`),
    });
    // Only requests waiting for an answer keep the process alive.
    this.#stream.ref(false);
  }

  #answer(response: Response): void {
    const w = response.id === null ? undefined : this.#waiting.get(response.id);
    if (!w) {
      // An answer to no request of ours: the server refused the connection itself (id null).
      if (!response.ok) this.#end(responseError(response.error).message);
      return;
    }
    this.#waiting.delete(response.id!);
    if (this.#waiting.size === 0) this.#stream.ref(false);
    if (response.ok) w.resolve(response.result);
    else w.reject(responseError(response.error));
  }

  #end(why: string): void {
    if (this.#closedWhy === null) this.#closedWhy = why;
    this.#stream.close();
    for (const w of this.#waiting.values()) w.reject(new ControlError('ERR_NOSIGBUS_CLOSED', this.#closedWhy));
    this.#waiting.clear();
  }

  call<K extends OperationName>(op: K, args: OperationArgs[K], signal?: AbortSignal): Promise<OperationResults[K]> {
    if (this.#closedWhy !== null) return Promise.reject(new ControlError('ERR_NOSIGBUS_CLOSED', this.#closedWhy));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const abort = (): void => {
        this.#waiting.delete(id);
        if (this.#waiting.size === 0) this.#stream.ref(false);
        reject(new ControlError('ERR_NOSIGBUS_CLOSED', 'the request was cancelled'));
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', abort);
      this.#waiting.set(id, {
        // The server runs the same Operations: its result has the operation's result type.
        resolve: (result) => {
          done();
          resolve(result as OperationResults[K]);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.#stream.ref(true);
      this.#stream.write(encodeRequest(id, op, args));
    });
  }

  /** Ends the connection; requests still waiting fail. */
  close(): void {
    this.#end(`the control connection to ${this.path} was closed`);
  }
}
