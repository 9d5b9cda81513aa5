// Newline-delimited text over a UnixStream (src/wire/socket.ts: the
// project's own non-blocking sockets on libuv polls), for the control
// socket's both ends. Not node:net: a serve that listens for control costs
// half a MiB, not two.
//
// Invariants:
//  - lines are delivered in order, without their \n, as UTF-8 text; a line
//    longer than maxLine bytes is not assembled: onOversize() is called once
//    and reading stops (the owner ends the stream);
//  - fds a peer sends along (SCM_RIGHTS) are closed at once: this
//    protocol carries none;
//  - write() never blocks: what the socket does not take is queued and sent
//    when it is writable again, its `written` callback called once sent;
//    unsentBytes says how much waits;
//  - end() sends what is queued, then closes; close() closes at once;
//    onClose runs once, whoever closed.
import { closeFdQuietly, type UnixStream } from '../wire/socket.js';

const READ_CHUNK = 64 * 1024;

interface Pending {
  bytes: Buffer;
  offset: number;
  written?: (() => void) | undefined;
}

export interface LineStreamHandlers {
  onLine(line: string): void;
  /** A line grew past maxLine bytes (reading stopped). */
  onOversize?(): void;
  /** The stream closed (the peer hung up, an error, end() or close()). */
  onClose?(): void;
}

export class LineStream {
  readonly #stream: UnixStream;
  readonly #maxLine: number;
  readonly #handlers: LineStreamHandlers;
  readonly #readBuffer = Buffer.allocUnsafe(READ_CHUNK);
  #partial: Buffer[] = [];
  #partialBytes = 0;
  readonly #queue: Pending[] = [];
  #unsent = 0;
  #reading = true;
  #ending = false;
  #closed = false;

  constructor(stream: UnixStream, maxLine: number, handlers: LineStreamHandlers) {
    this.#stream = stream;
    this.#maxLine = maxLine;
    this.#handlers = handlers;
    stream.onPoll((error, events) => {
      if (error) return this.close();
      if (events.writable) this.#flush();
      if (events.readable || events.disconnect) this.#read();
    });
    this.#poll();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued and not yet taken by the socket. */
  get unsentBytes(): number {
    return this.#unsent;
  }

  /** Whether the stream keeps the process alive (default true). */
  ref(keepAlive: boolean): void {
    this.#stream.ref(keepAlive);
  }

  /** Queues `text` (a line ends in \n: the caller adds it); `written` runs once the socket took all of it, or the stream closed. */
  write(text: string, written?: () => void): void {
    if (this.#closed || this.#ending) return void written?.();
    const bytes = Buffer.from(text);
    this.#queue.push({ bytes, offset: 0, written });
    this.#unsent += bytes.length;
    this.#flush();
  }

  /** Stops reading, sends what is queued (and `text`), then closes. */
  end(text?: string): void {
    if (this.#closed || this.#ending) return;
    if (text !== undefined) this.write(text);
    this.#ending = true;
    this.#reading = false;
    if (this.#queue.length === 0) this.close();
    else this.#poll();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.close();
    for (const p of this.#queue.splice(0)) p.written?.();
    this.#unsent = 0;
    this.#partial = [];
    this.#handlers.onClose?.();
  }

  #poll(): void {
    if (this.#closed) return;
    this.#stream.pollStart(this.#reading, this.#queue.length > 0);
  }

  #flush(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const p = this.#queue[0]!;
      let n: number;
      try {
        n = this.#stream.writeFrom(p.bytes, p.offset, p.bytes.length - p.offset);
      } catch {
        return this.close(); // the peer is gone
      }
      if (n === 0) break;
      p.offset += n;
      this.#unsent -= n;
      if (p.offset < p.bytes.length) break;
      this.#queue.shift();
      p.written?.();
    }
    if (this.#ending && this.#queue.length === 0) return this.close();
    this.#poll();
  }

  #read(): void {
    while (this.#reading && !this.#closed) {
      const fds: number[] = [];
      let n: number;
      try {
        n = this.#stream.readInto(this.#readBuffer, 0, READ_CHUNK, fds);
      } catch {
        return this.close();
      }
      for (const fd of fds) closeFdQuietly(fd);
      if (n < 0) return;
      if (n === 0) return this.close();
      this.#take(this.#readBuffer.subarray(0, n));
    }
  }

  #take(data: Buffer): void {
    let start = 0;
    while (this.#reading && !this.#closed) {
      const nl = data.indexOf(0x0a, start);
      const end = nl < 0 ? data.length : nl;
      if (this.#partialBytes + end - start > this.#maxLine) {
        this.#reading = false;
        this.#poll();
        this.#handlers.onOversize?.();
        return;
      }
      if (nl < 0) {
        if (end > start) {
          // The read buffer is reused: keep a copy.
          this.#partial.push(Buffer.from(data.subarray(start)));
          this.#partialBytes += end - start;
        }
        return;
      }
      this.#partial.push(data.subarray(start, nl));
      const line = Buffer.concat(this.#partial, this.#partialBytes + nl - start).toString('utf8');
      this.#partial = [];
      this.#partialBytes = 0;
      start = nl + 1;
      this.#handlers.onLine(line);
    }
  }
}
