// A Wayland connection over a UnixStream: message framing, fd queues, flow
// control. Protocol-agnostic: it knows the 8-byte header only
// (u32 object id, u32 (size << 16) | opcode, little endian).
//
// fd ownership:
//  - incoming: fds received from the peer are queued in arrival order in
//    `fds`; whoever shift()s one owns it. close() closes every fd still queued;
//  - outgoing: write(bytes, fds) takes ownership of `fds` in every case (like
//    libwayland, which closes fds once sent): they are closed after the
//    sendmsg that carried them, or by close(), or at once if write() throws
//    or drops the message. Callers that keep using an fd pass dupFd(fd).
//
// Ordering: fds travel with the first byte of a sendmsg. Each sendmsg carries
// every queued fd whose message starts inside the bytes it sends (at most 28,
// cutting the bytes before a message whose fds would not fit), so a message's
// fds always arrive no later than its first byte.
//
// Memory: what is queued is bounded (maxQueuedFds received fds; unsent
// output maxOutgoingBytes and maxOutgoingFds, past which the peer counts as
// not reading), and so is what was already sent: the input buffer is fixed
// (16 KiB, one read dispatches at most that), the output buffer shrinks back
// after a burst, and the fd queues drop sent or taken entries as they go.
//
// Errors: fatal conditions (bad size header, too many queued fds, truncated
// fds, peer not reading, socket errors) stop input and are reported once
// through onError; output may still be flushed (e.g. a wl_display.error) until
// the owner calls close(). A peer hang-up stops both directions and is
// reported through onHangup. Both are delivered in a microtask, never from
// inside write() or onMessage().
import { HEADER_SIZE, MAX_MESSAGE_SIZE } from './codec.js';
import { closeFdQuietly, errorCode, MAX_FDS_PER_SEND, socketError, type PollEvents, type SocketError, type SocketErrorCode, type UnixStream } from './socket.js';

export { HEADER_SIZE, MAX_MESSAGE_SIZE };
export const DEFAULT_MAX_QUEUED_FDS = 1024;
export const DEFAULT_MAX_OUTGOING_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_OUTGOING_FDS = 1024;

const INPUT_CAPACITY = 16384;

export type ConnectionErrorCode =
  | SocketErrorCode
  | 'ERR_NOSIGBUS_WIRE_BAD_SIZE'
  | 'ERR_NOSIGBUS_WIRE_TOO_MANY_FDS'
  | 'ERR_NOSIGBUS_WIRE_PEER_NOT_READING';

export interface ConnectionError extends Error {
  code: ConnectionErrorCode;
  errno?: number;
  sysCode?: string;
  syscall?: string;
  /** For ERR_NOSIGBUS_WIRE_BAD_SIZE: the offending header. */
  objectId?: number;
  opcode?: number;
  size?: number;
}

function connectionError(code: ConnectionErrorCode, message: string): ConnectionError {
  return socketError(code as SocketErrorCode, message) as ConnectionError;
}

export interface ConnectionHandlers {
  /**
   * One complete message. `body` (the bytes after the header) is a view into
   * the receive buffer, valid only during the call: copy what you keep.
   */
  onMessage(objectId: number, opcode: number, body: Uint8Array): void;
  /**
   * The same message without a view: its body is `bytes[start, end)` of the
   * receive buffer, valid only during the call. Called instead of onMessage
   * when given: a flooding peer sends a message every few bytes, and a view
   * per message is an allocation per message.
   */
  onMessageAt?(objectId: number, opcode: number, bytes: Uint8Array, start: number, end: number): void;
  /** A fatal error: input has stopped; the owner should (post an error and) close(). */
  onError(error: ConnectionError): void;
  /** The peer went away (EOF, ECONNRESET, EPIPE). Default: onError with ERR_NOSIGBUS_SOCKET_HANGUP. */
  onHangup?(): void;
}

export interface ConnectionOptions {
  /** Received fds not yet taken by the codec; more is fatal (default 1024). */
  maxQueuedFds?: number;
  /** Unsent outgoing bytes; more is fatal: the peer is not reading (default 4 MiB). */
  maxOutgoingBytes?: number;
  /** Unsent outgoing fds; more is fatal as well (default 1024). */
  maxOutgoingFds?: number;
  /** Flush in a microtask after write() (default true); else call flush(). */
  autoFlush?: boolean;
}

/** FIFO of fds with O(1) shift. */
export class FdQueue {
  #items: number[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(fd: number): void {
    this.#items.push(fd);
  }

  /** The oldest fd (now owned by the caller), or undefined. */
  shift(): number | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const fd = this.#items[this.#head++];
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    return fd;
  }

  /** Appends fds from a scratch array (and empties it). */
  takeFrom(fds: number[]): void {
    for (const fd of fds) this.#items.push(fd);
    fds.length = 0;
  }

  /** Closes every queued fd. */
  closeAll(): void {
    for (let i = this.#head; i < this.#items.length; i++) closeFdQuietly(this.#items[i] as number);
    this.#items.length = 0;
    this.#head = 0;
  }
}

interface OutFd {
  fd: number;
  /** Stream position of the first byte of the message this fd belongs to. */
  at: number;
}

export class Connection {
  readonly stream: UnixStream;
  /** Received fds in arrival order: the codec shift()s one per fd argument. */
  readonly fds = new FdQueue();

  readonly #handlers: ConnectionHandlers;
  readonly #maxQueuedFds: number;
  readonly #maxOutgoingBytes: number;
  readonly #maxOutgoingFds: number;
  readonly #autoFlush: boolean;

  #in = new Uint8Array(INPUT_CAPACITY);
  #inView = new DataView(this.#in.buffer);
  #inHead = 0;
  #inTail = 0;
  #scratchFds: number[] = [];

  #out = new Uint8Array(4096);
  #outHead = 0;
  #outTail = 0;
  /** Stream position of #out[#outHead]. */
  #sentPos = 0;
  #outFds: OutFd[] = [];
  #outFdsHead = 0;

  #started = false;
  #inputPaused = false;
  #inputStopped = false; // after a fatal error or hang-up
  #outputStopped = false; // after hang-up or an output error
  #wantWritable = false;
  #flushScheduled = false;
  #dispatching = false;
  #failed: ConnectionError | null = null;
  #hungUp = false;
  #closed = false;

  constructor(stream: UnixStream, handlers: ConnectionHandlers, options: ConnectionOptions = {}) {
    this.stream = stream;
    this.#handlers = handlers;
    this.#maxQueuedFds = options.maxQueuedFds ?? DEFAULT_MAX_QUEUED_FDS;
    this.#maxOutgoingBytes = options.maxOutgoingBytes ?? DEFAULT_MAX_OUTGOING_BYTES;
    this.#maxOutgoingFds = options.maxOutgoingFds ?? DEFAULT_MAX_OUTGOING_FDS;
    this.#autoFlush = options.autoFlush ?? true;
    stream.onPoll((err, events) => this.#onPoll(err, events));
  }

  /** Starts reading (and writing when output is pending) on the event loop. */
  start(): void {
    if (this.#closed) throw connectionError('ERR_NOSIGBUS_CLOSED', 'the connection is closed');
    this.#started = true;
    this.#updatePoll();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The fatal error reported, if any. */
  get error(): ConnectionError | null {
    return this.#failed;
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  /** Output still goes out: not closed, no hang-up, no output error, the peer not given up on. */
  get writable(): boolean {
    return !this.#closed && !this.#outputStopped;
  }

  /** Unsent outgoing bytes. */
  get pendingOutputBytes(): number {
    return this.#outTail - this.#outHead;
  }

  /** Unsent outgoing fds. */
  get pendingOutputFds(): number {
    return this.#outFds.length - this.#outFdsHead;
  }

  /** Received fds not yet shift()ed. */
  get queuedFds(): number {
    return this.fds.length;
  }

  /** Stops dispatching (and reading) until resumeInput(). */
  pauseInput(): void {
    this.#inputPaused = true;
    this.#updatePoll();
  }

  resumeInput(): void {
    if (!this.#inputPaused) return;
    this.#inputPaused = false;
    if (!this.#dispatching) this.#dispatch();
    this.#updatePoll();
  }

  /**
   * Queues one message (or any bytes) and its fds (at most 28; ownership
   * passes to the connection, see the header). Returns false if it was
   * dropped because the connection already failed or hung up (fds closed).
   */
  write(bytes: Uint8Array, fds: readonly number[] = []): boolean {
    if (this.#closed) {
      fds.forEach(closeFdQuietly);
      throw connectionError('ERR_NOSIGBUS_CLOSED', 'the connection is closed');
    }
    if (fds.length > MAX_FDS_PER_SEND) {
      fds.forEach(closeFdQuietly);
      throw connectionError('ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS', `${fds.length} fds in one message; at most ${MAX_FDS_PER_SEND}`);
    }
    if (fds.length > 0 && bytes.byteLength === 0) {
      fds.forEach(closeFdQuietly);
      throw connectionError('ERR_NOSIGBUS_BAD_ARGUMENT', 'fds need at least one byte to travel with');
    }
    if (this.#outputStopped) {
      fds.forEach(closeFdQuietly);
      return false;
    }
    const n = bytes.byteLength;
    if (this.pendingOutputBytes + n > this.#maxOutgoingBytes || this.pendingOutputFds + fds.length > this.#maxOutgoingFds) {
      this.flush();
      if (this.#outputStopped || this.pendingOutputBytes + n > this.#maxOutgoingBytes || this.pendingOutputFds + fds.length > this.#maxOutgoingFds) {
        fds.forEach(closeFdQuietly);
        if (!this.#outputStopped) {
          this.#stopOutput();
          this.#fail(
            connectionError(
              'ERR_NOSIGBUS_WIRE_PEER_NOT_READING',
              `the peer is not reading: ${this.pendingOutputBytes} bytes and ${this.pendingOutputFds} fds unsent ` +
                `(limits ${this.#maxOutgoingBytes} bytes, ${this.#maxOutgoingFds} fds)`,
            ),
          );
        }
        return false;
      }
    }
    this.#reserve(n);
    const at = this.#sentPos + (this.#outTail - this.#outHead);
    this.#out.set(bytes, this.#outTail);
    this.#outTail += n;
    for (const fd of fds) this.#outFds.push({ fd, at });
    if (this.#autoFlush && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        if (!this.#closed) this.flush();
      });
    }
    return true;
  }

  /** Sends what the socket takes now; true when nothing is left pending. */
  flush(): boolean {
    while (!this.#closed && !this.#outputStopped && this.#outTail > this.#outHead) {
      let len = this.#outTail - this.#outHead;
      let k = 0;
      const end = this.#sentPos + len;
      let i = this.#outFdsHead;
      for (; i < this.#outFds.length; i++) {
        const entry = this.#outFds[i] as OutFd;
        if (entry.at >= end) break;
        if (k === MAX_FDS_PER_SEND) {
          // Cut before the message whose fds would not fit. Its start lies past
          // #sentPos: every fd of the message at #sentPos fits (<= 28).
          len = entry.at - this.#sentPos;
          break;
        }
        k++;
      }
      const batch: number[] = [];
      for (let j = 0; j < k; j++) batch.push((this.#outFds[this.#outFdsHead + j] as OutFd).fd);
      let written: number;
      try {
        written = this.stream.writeFrom(this.#out, this.#outHead, len, batch);
      } catch (e) {
        if (errorCode(e) === 'ERR_NOSIGBUS_SOCKET_HANGUP') this.#hangupAfterInput();
        else {
          this.#stopOutput();
          this.#fail(e as ConnectionError);
        }
        return false;
      }
      if (written === 0) {
        this.#setWantWritable(true);
        return false;
      }
      // The fds went out with the first byte: ours to close now.
      for (const fd of batch) closeFdQuietly(fd);
      this.#outFdsHead += k;
      if (this.#outFdsHead === this.#outFds.length) {
        this.#outFds.length = 0;
        this.#outFdsHead = 0;
      } else if (this.#outFdsHead >= 1024 && this.#outFdsHead * 2 >= this.#outFds.length) {
        // A peer that reads just enough to never drain the queue must not
        // make the sent entries pile up: drop them (amortized O(1) per fd).
        this.#outFds.splice(0, this.#outFdsHead);
        this.#outFdsHead = 0;
      }
      this.#outHead += written;
      this.#sentPos += written;
      if (written < len) {
        this.#setWantWritable(true);
        return false;
      }
    }
    if (this.#outHead === this.#outTail) {
      this.#outHead = this.#outTail = 0;
      // After a burst, give the memory back rather than keep it per client.
      if (this.#out.length > 64 * 1024) this.#out = new Uint8Array(4096);
      this.#setWantWritable(false);
      return true;
    }
    return false;
  }

  /** Closes the socket and every fd still queued in either direction. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inputStopped = this.#outputStopped = true;
    this.stream.close();
    this.fds.closeAll();
    this.#scratchFds.forEach(closeFdQuietly);
    this.#scratchFds.length = 0;
    for (let i = this.#outFdsHead; i < this.#outFds.length; i++) closeFdQuietly((this.#outFds[i] as OutFd).fd);
    this.#outFds = [];
    this.#outFdsHead = 0;
    this.#outHead = this.#outTail = 0;
    this.#inHead = this.#inTail = 0;
  }

  // ---------------------------------------------------------------- internals

  #reserve(n: number): void {
    const used = this.#outTail - this.#outHead;
    if (this.#outTail + n <= this.#out.length) return;
    if (used + n <= this.#out.length && this.#outHead >= this.#out.length / 2) {
      this.#out.copyWithin(0, this.#outHead, this.#outTail);
    } else {
      let cap = this.#out.length;
      while (cap < used + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#out.subarray(this.#outHead, this.#outTail));
      this.#out = next;
    }
    this.#outHead = 0;
    this.#outTail = used;
  }

  #setWantWritable(want: boolean): void {
    if (this.#wantWritable === want) return;
    this.#wantWritable = want;
    this.#updatePoll();
  }

  #updatePoll(): void {
    if (this.#closed || !this.#started) return;
    const readable = !this.#inputStopped && !this.#inputPaused;
    const writable = !this.#outputStopped && this.#wantWritable;
    try {
      if (readable || writable) this.stream.pollStart(readable, writable);
      else this.stream.pollStop();
    } catch (e) {
      this.#inputStopped = this.#outputStopped = true;
      this.#fail(e as ConnectionError);
    }
  }

  #onPoll(err: SocketError | null, events: PollEvents): void {
    if (this.#closed) return;
    if (err) {
      // libuv reports POLLERR as an error (e.g. ECONNRESET: the peer closed
      // with our data unread). What the peer sent before that, such as a
      // wl_display.error, is still queued: read and dispatch it first.
      this.#drainInput();
      if (this.#closed) return;
      this.#inputStopped = this.#outputStopped = true;
      this.#updatePoll();
      this.#fail(err as ConnectionError);
      return;
    }
    if ((events.readable || events.disconnect) && !this.#inputStopped && !this.#inputPaused) this.#read();
    if (events.writable && !this.#closed) this.flush();
  }

  /** Reads and dispatches what the peer sent until nothing is left (or input stops). */
  #drainInput(): void {
    while (!this.#closed && !this.#inputStopped && !this.#inputPaused && this.#read()) {
      // drained one buffer
    }
  }

  /** Reads once and dispatches; true if bytes arrived. */
  #read(): boolean {
    if (this.#inTail === this.#in.length || this.#in.length - this.#inTail < MAX_MESSAGE_SIZE) {
      // Everything before #inHead was dispatched; what remains is one partial message.
      this.#in.copyWithin(0, this.#inHead, this.#inTail);
      this.#inTail -= this.#inHead;
      this.#inHead = 0;
    }
    let n: number;
    try {
      n = this.stream.readInto(this.#in, this.#inTail, this.#in.length - this.#inTail, this.#scratchFds);
    } catch (e) {
      // ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED (fds already closed natively), or a recv error.
      this.#stopInput();
      this.#fail(e as ConnectionError);
      return false;
    }
    if (this.#scratchFds.length) this.fds.takeFrom(this.#scratchFds);
    if (n < 0) return false;
    if (n === 0) {
      this.#hangup();
      return false;
    }
    this.#inTail += n;
    if (this.fds.length > this.#maxQueuedFds) {
      this.#stopInput();
      this.#fail(connectionError('ERR_NOSIGBUS_WIRE_TOO_MANY_FDS', `${this.fds.length} received fds queued; at most ${this.#maxQueuedFds}`));
      return true;
    }
    this.#dispatch();
    return true;
  }

  #dispatch(): void {
    this.#dispatching = true;
    const handlers = this.#handlers;
    try {
      while (!this.#closed && !this.#inputStopped && !this.#inputPaused && this.#inTail - this.#inHead >= HEADER_SIZE) {
        const head = this.#inHead;
        const objectId = this.#inView.getUint32(head, true);
        const word = this.#inView.getUint32(head + 4, true);
        const size = word >>> 16;
        const opcode = word & 0xffff;
        if (size < HEADER_SIZE || size > MAX_MESSAGE_SIZE || size % 4 !== 0) {
          this.#stopInput();
          const err = connectionError(
            'ERR_NOSIGBUS_WIRE_BAD_SIZE',
            `bad size ${size} in the header of a message to object ${objectId} (opcode ${opcode}): sizes are multiples of 4 in ${HEADER_SIZE}..${MAX_MESSAGE_SIZE}`,
          );
          err.objectId = objectId;
          err.opcode = opcode;
          err.size = size;
          this.#fail(err);
          return;
        }
        if (this.#inTail - head < size) break;
        this.#inHead = head + size;
        if (handlers.onMessageAt !== undefined) handlers.onMessageAt(objectId, opcode, this.#in, head + HEADER_SIZE, head + size);
        else handlers.onMessage(objectId, opcode, this.#in.subarray(head + HEADER_SIZE, head + size));
      }
      // Everything dispatched: start the buffer over. Stored every time rather
      // than in a branch taken only when a read ended on a message boundary:
      // the optimized loop has never seen such a rare store run, and running
      // it deoptimizes the loop (and all it inlined), again each time.
      const drained = this.#inHead === this.#inTail;
      this.#inHead = drained ? 0 : this.#inHead;
      this.#inTail = drained ? 0 : this.#inTail;
    } finally {
      this.#dispatching = false;
    }
  }

  #stopInput(): void {
    this.#inputStopped = true;
    this.#updatePoll();
  }

  #stopOutput(): void {
    this.#outputStopped = true;
    this.#wantWritable = false;
    this.#updatePoll();
  }

  /** The peer is gone (a write found it closed): what it sent before it went,
   * such as a wl_display.error, is still queued for us — dispatch it first. */
  #hangupAfterInput(): void {
    this.#stopOutput();
    queueMicrotask(() => {
      if (!this.#hungUp && !this.#dispatching) this.#drainInput(); // a read of 0 bytes hangs up itself
      if (!this.#closed) this.#hangup();
    });
  }

  #hangup(): void {
    if (this.#hungUp) return;
    this.#hungUp = true;
    this.#inputStopped = this.#outputStopped = true;
    this.#wantWritable = false;
    this.#updatePoll();
    queueMicrotask(() => {
      if (this.#closed) return;
      if (this.#handlers.onHangup) this.#handlers.onHangup();
      else this.#report(connectionError('ERR_NOSIGBUS_SOCKET_HANGUP', 'the peer closed the connection'));
    });
  }

  #fail(error: ConnectionError): void {
    if (this.#failed || this.#hungUp) return;
    this.#failed = error;
    queueMicrotask(() => {
      if (!this.#closed) this.#report(error);
    });
  }

  #report(error: ConnectionError): void {
    this.#handlers.onError(error);
  }
}
