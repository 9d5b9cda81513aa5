// A client that floods a compositor with wl_surface attach(null) /
// damage_buffer / commit, as fast as the socket takes them, then makes a
// roundtrip so every request was processed before it exits:
// `node flood-client.js DISPLAY RUNTIME_DIR REQUESTS`. Prints the count sent.
import { WaylandClient } from '../src/client/index.js';
import { requestOpcode } from '../src/protocol/index.js';
import { wl_compositor, wl_surface } from '../src/protocol/wayland.js';

const [display, runtimeDir, count] = process.argv.slice(2);
const client = WaylandClient.connect({ display: display!, runtimeDir: runtimeDir! });
await client.registry();
const surface = client.bind(wl_compositor, 4).request('create_surface', null)!;
await client.roundtrip();

const words = (...ws: number[]): Buffer => {
  const b = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
  return b;
};
const message = (opcode: number, ...args: number[]): Buffer => words(surface.id, ((8 + args.length * 4) << 16) | opcode, ...args);
const triple = Buffer.concat([
  message(requestOpcode(wl_surface, 'attach'), 0, 0, 0),
  message(requestOpcode(wl_surface, 'damage_buffer'), 0, 0, 64, 64),
  message(requestOpcode(wl_surface, 'commit')),
]);
const PER_CHUNK = 1000;
const chunk = Buffer.concat(Array.from({ length: PER_CHUNK }, () => triple));
const chunks = Math.ceil(Number(count) / 3 / PER_CHUNK);
for (let i = 0; i < chunks; i++) {
  client.sendRaw(chunk);
  // Keep what is unsent bounded: a roundtrip every 64 chunks (~2 MB).
  if (i % 64 === 63) await client.roundtrip();
}
await client.roundtrip();
console.log(chunks * PER_CHUNK * 3);
client.close();
