// A server with a few stub globals, and clients connected to it over socketpairs.
import { WaylandClient } from '../../src/client/index.js';
import { wl_compositor, wl_output, wl_seat, wl_shm } from '../../src/protocol/wayland.js';
import { xdg_wm_base } from '../../src/protocol/xdg-shell.js';
import { Display, type Client, type DisplayOptions } from '../../src/server/index.js';
import { socketPair } from '../../src/wire/socket.js';

/** A display advertising wl_compositor 5, wl_shm 1 (formats 0 and 1), wl_seat 7, wl_output 4, xdg_wm_base 5. */
export function stubDisplay(options: DisplayOptions = {}): Display {
  const display = new Display({ onInternalError: () => {}, ...options });
  display.createGlobal(wl_compositor, 5, () => {});
  display.createGlobal(wl_shm, 1, (shm) => {
    shm.implement({ create_pool: () => {} }); // stub: keeps nothing; the dispatcher closes the fd
    shm.send('format', 0);
    shm.send('format', 1);
  });
  display.createGlobal(wl_seat, 7, (seat) => {
    seat.send('capabilities', 0);
    seat.send('name', 'seat0');
  });
  display.createGlobal(wl_output, 4, () => {});
  display.createGlobal(xdg_wm_base, 5, () => {});
  return display;
}

/** A client of `display` over a socketpair, and the server's view of it. */
export function connectPair(display: Display): { client: WaylandClient; server: Client } {
  const [serverEnd, clientEnd] = socketPair();
  const server = display.addClient(serverEnd);
  return { client: new WaylandClient(clientEnd), server };
}

/** Resolves when the client's connection has been closed by the server (error or hang-up). */
export function disconnected(client: WaylandClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not disconnected')), timeoutMs);
    const check = (): void => {
      if (client.error && (client.error.code === 'ERR_NOSIGBUS_DISCONNECTED' || client.connection.hungUp)) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(check, 2);
    };
    check();
  });
}

/** One raw message: header + 32-bit words / bytes (little endian). */
export function message(objectId: number, opcode: number, body: Uint8Array = new Uint8Array(0), sizeOverride?: number): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, objectId, true);
  v.setUint32(4, (((sizeOverride ?? out.length) << 16) | opcode) >>> 0, true);
  out.set(body, 8);
  return out;
}

export function words(...ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** A wire string: length (with NUL), bytes, NUL, padding. `terminate: false` omits the NUL but keeps the length. */
export function wireString(s: string, terminate = true): Uint8Array {
  const bytes = Buffer.from(s, 'utf8');
  const len = bytes.length + 1;
  const out = new Uint8Array(4 + Math.ceil(len / 4) * 4);
  new DataView(out.buffer).setUint32(0, len, true);
  out.set(bytes, 4);
  if (!terminate) out[4 + bytes.length] = 0x41;
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
