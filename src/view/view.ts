// `serve --view [HOST:]PORT`: the output live in a browser, and the
// browser's keyboard and pointer on the seat. Node's http for the page
// (page.ts), `ws` for one WebSocket per viewer.
//
// Invariants:
//  - a viewer gets the whole output when it connects (and after a mode
//    change), then only damage: the renderer's damaged rectangles, gathered
//    into a bounded damage list (region.ts, MAX_DAMAGE_RECTS) while the
//    viewer is still taking the last update. One update is in flight per
//    viewer; a slow viewer gets fewer, larger updates, never a queue, so a
//    viewer costs the compositor one damage list and one update's copy;
//  - pixels go as the framebuffer's bytes (BGRA, opaque); the page swizzles
//    them, so the compositor does no per-pixel work for a viewer;
//  - loopback by default. Bound to any other address, every request needs
//    the random token serve prints in the URL (403 without it). A
//    WebSocket from a page of another origin is refused (browsers send
//    Origin; without this any web page could type into the session through
//    a loopback view);
//  - what a page sends is bounded: MAX_MESSAGE bytes a message (ws closes
//    past it), a malformed message closes that viewer (1008), keys and
//    buttons a viewer holds are released when it leaves or loses focus,
//    at most MAX_VIEWERS viewers (503 past it);
//  - the window list and counters go at most every STATUS_MS, only when
//    they changed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Compositor } from '../compositor/index.js';
import { addDamage, intersect, isEmpty, rect, union, type Rect } from '../compositor/core/region.js';
import { AXIS, AXIS_SOURCE, BUTTON, WHEEL_STEP } from '../compositor/input/pointer.js';
import { randomToken } from '../compositor/shell/random-token.js';
import { evdevOfCode } from './key-codes.js';
import { PAGE } from './page.js';

/** Viewers at once. */
export const MAX_VIEWERS = 8;
/** Bytes of one message from a page (input events are a few dozen). */
const MAX_MESSAGE = 1024;
/** Window list and counters: at most this often. */
const STATUS_MS = 250;
/** DOM MouseEvent.button → evdev button. */
const BUTTONS: readonly number[] = [BUTTON.left, BUTTON.middle, BUTTON.right];

export interface ViewOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** 0: any free port. */
  port: number;
}

export interface View {
  /** The page's URL, with the token when one is needed. */
  readonly url: string;
  readonly viewers: number;
  close(): Promise<void>;
}

export class ViewError extends Error {}

/** Whether `host` reaches only this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

class Viewer {
  /** Output rectangles changed since the last update went (a damage list). */
  damage: Rect[] = [];
  /** Whether an update is being written. */
  inFlight = false;
  /** The page's size is stale: send hello and a whole frame next. */
  reset = true;
  /** evdev keys and buttons this viewer holds down. */
  readonly keys = new Set<number>();
  readonly buttons = new Set<number>();
  lastStatus = '';
  constructor(readonly socket: WebSocket) {}
}

export async function startView(compositor: Compositor, options: ViewOptions): Promise<View> {
  const { WebSocketServer } = await import('ws');
  const host = options.host ?? '127.0.0.1';
  const token = isLoopback(host) ? null : randomToken();
  const viewers = new Set<Viewer>();
  const output = compositor.output;

  const allowed = (req: IncomingMessage): boolean => token === null || new URL(req.url ?? '/', 'http://x').searchParams.get('token') === token;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!allowed(req)) return reply(res, 403, 'this view needs the token nosigbus serve printed in its URL\n');
    if (req.method !== 'GET' || path !== '/') return reply(res, 404, 'not found\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
    res.end(PAGE);
  });
  const wss: WebSocketServer = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') return refuse('404 Not Found');
    if (!allowed(req)) return refuse('403 Forbidden');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return refuse('403 Forbidden');
    if (viewers.size >= MAX_VIEWERS) return refuse('503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws));
  });

  const connected = (ws: WebSocket): void => {
    const viewer = new Viewer(ws);
    viewers.add(viewer);
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) throw new Error('binary message');
        input(viewer, JSON.parse(String(data)));
      } catch (e) {
        ws.close(1008, e instanceof Error ? e.message.slice(0, 100) : 'bad message');
      }
    });
    ws.on('close', () => {
      viewers.delete(viewer);
      release(viewer);
    });
    ws.on('error', () => ws.terminate());
    compositor.paint(); // the first frame is the output now
    flush(viewer);
    status(viewer, statusText());
  };

  /** One update for `viewer` if none is in flight and something changed. */
  const flush = (viewer: Viewer): void => {
    if (viewer.inFlight || viewer.socket.readyState !== viewer.socket.OPEN) return;
    const screen = rect(0, 0, output.width, output.height);
    if (viewer.reset) {
      viewer.reset = false;
      viewer.socket.send(JSON.stringify({ type: 'hello', width: output.width, height: output.height }));
      viewer.damage = [screen];
    }
    let rects = viewer.damage.map((r) => intersect(r, screen)).filter((r) => !isEmpty(r));
    viewer.damage = [];
    // Overlapping damage can add up past the output: then one box holding it all.
    if (rects.reduce((a, r) => a + r.width * r.height, 0) > screen.width * screen.height) rects = [rects.reduce<Rect | null>((u, r) => union(u, r), null)!];
    if (rects.length === 0) return;
    viewer.inFlight = true;
    viewer.socket.send(encode(output.framebuffer, output.width, rects), () => {
      viewer.inFlight = false;
      flush(viewer);
    });
  };

  let flushQueued = false;
  compositor.renderer.onDamage((rects) => {
    if (viewers.size === 0) return;
    for (const v of viewers) for (const r of rects) v.damage = addDamage(v.damage, r);
    // After the refresh (a render may be redone without a failing surface).
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      for (const v of viewers) flush(v);
    });
  });
  output.onChange(() => {
    for (const v of viewers) v.reset = true;
  });

  const seat = compositor.seat;
  const input = (viewer: Viewer, m: unknown): void => {
    if (typeof m !== 'object' || m === null || !('t' in m)) throw new Error('expected an input event');
    const num = (k: string, lo: number, hi: number): number => {
      const v: unknown = k in m ? Object.entries(m).find(([key]) => key === k)?.[1] : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new Error(`${k}: expected a number in ${lo}..${hi}`);
      return v;
    };
    const flag = (k: string): boolean => k in m && Object.entries(m).find(([key]) => key === k)?.[1] === true;
    switch (m.t) {
      case 'move':
        // The page shows the first output: its pixels, placed where it is in the layout.
        seat.pointer.move(output.x + output.toLogical(num('x', 0, output.width - 1)), output.y + output.toLogical(num('y', 0, output.height - 1)));
        return;
      case 'button': {
        const button = BUTTONS[num('button', 0, 2)]!;
        const down = flag('down');
        if (down === viewer.buttons.has(button)) return;
        if (down) viewer.buttons.add(button);
        else viewer.buttons.delete(button);
        seat.pointer.button(button, down);
        return;
      }
      case 'wheel': {
        const dx = Math.trunc(num('dx', -100, 100));
        const dy = Math.trunc(num('dy', -100, 100));
        if (dy) seat.pointer.axis(AXIS.vertical_scroll, dy * WHEEL_STEP, dy, AXIS_SOURCE.wheel);
        if (dx) seat.pointer.axis(AXIS.horizontal_scroll, dx * WHEEL_STEP, dx, AXIS_SOURCE.wheel);
        return;
      }
      case 'key': {
        const code = 'code' in m && typeof m.code === 'string' ? evdevOfCode(m.code) : undefined;
        if (code === undefined) return; // a key the seat has no code for: ignored, as a keyboard's unknown key
        const down = flag('down');
        if (down === viewer.keys.has(code)) return;
        if (down) viewer.keys.add(code);
        else viewer.keys.delete(code);
        seat.keyboard.key(seat.keyboard.seatDevice, code, down);
        return;
      }
      case 'blur':
        release(viewer);
        return;
      default:
        throw new Error('unknown input event');
    }
  };

  /** Lets go of what `viewer` holds (it left, or its page lost focus). */
  const release = (viewer: Viewer): void => {
    for (const k of viewer.keys) seat.keyboard.key(seat.keyboard.seatDevice, k, false);
    for (const b of viewer.buttons) seat.pointer.button(b, false);
    viewer.keys.clear();
    viewer.buttons.clear();
  };

  /** The window list and counters, as the message every viewer gets. */
  const statusText = (): string => {
    const focus = seat.keyboardFocus;
    const windows = [...compositor.windows].flatMap((w) => (w.toplevel ? [{ title: w.toplevel.title, appId: w.toplevel.appId, focused: w.surface === focus }] : []));
    const stats = compositor.clientStats;
    const counters = {
      clients: stats.filter((s) => !s.disconnected).length,
      windows: windows.length,
      refreshes: compositor.ticks,
      commits: stats.reduce((n, s) => n + s.commits, 0),
      rescues: stats.reduce((n, s) => n + s.rescues, 0),
      'protocol errors': stats.filter((s) => s.protocolError).length,
      viewers: viewers.size,
    };
    return JSON.stringify({ type: 'status', windows, counters });
  };
  /** Sends `text` to `viewer` unless it has it already. */
  const status = (viewer: Viewer, text: string): void => {
    if (text === viewer.lastStatus || viewer.socket.readyState !== viewer.socket.OPEN) return;
    viewer.lastStatus = text;
    viewer.socket.send(text);
  };
  // Made once a tick for all viewers, and not at all without one.
  const statusTimer = setInterval(() => {
    if (viewers.size === 0) return;
    const text = statusText();
    for (const v of viewers) status(v, text);
  }, STATUS_MS);
  statusTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ViewError(`--view: cannot listen on ${host}:${options.port}: ${e.code ?? e.message}`)));
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ''}`,
    get viewers() {
      return viewers.size;
    },
    close: async () => {
      clearInterval(statusTimer);
      for (const v of viewers) v.socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** One update: the rectangles, then their pixels (the framebuffer's bytes, row by row). */
function encode(framebuffer: Uint32Array, width: number, rects: readonly Rect[]): Buffer {
  let size = 4 + rects.length * 16;
  for (const r of rects) size += r.width * r.height * 4;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(rects.length, 0);
  let offset = 4 + rects.length * 16;
  const bytes = new Uint8Array(framebuffer.buffer, framebuffer.byteOffset, framebuffer.byteLength);
  rects.forEach((r, i) => {
    out.writeUInt32LE(r.x, 4 + i * 16);
    out.writeUInt32LE(r.y, 8 + i * 16);
    out.writeUInt32LE(r.width, 12 + i * 16);
    out.writeUInt32LE(r.height, 16 + i * 16);
    for (let y = r.y; y < r.y + r.height; y++) {
      const from = (y * width + r.x) * 4;
      out.set(bytes.subarray(from, from + r.width * 4), offset);
      offset += r.width * 4;
    }
  });
  return out;
}
