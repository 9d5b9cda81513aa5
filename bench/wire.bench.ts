// Wire codec throughput on a typical frame's mix of messages:
// wl_surface.attach (?oii), damage_buffer (iiii), frame (n), commit (), plus
// a wl_registry.global event (usu). Prints messages per second and ns per
// message for decode and encode.
import type { MessageDesc } from '../src/protocol/types.js';
import {
  HEADER_SIZE,
  WireWriter,
  decode,
  encode,
  headerObjectId,
  headerOpcode,
  headerSize,
  type DecodeContext,
  type WireValue,
} from '../src/wire/codec.js';

const attach: MessageDesc = { name: 'attach', since: 1, signature: '?oii', args: ['buffer', 'x', 'y'], types: ['wl_buffer', null, null] };
const damageBuffer: MessageDesc = {
  name: 'damage_buffer',
  since: 4,
  signature: 'iiii',
  args: ['x', 'y', 'width', 'height'],
  types: [null, null, null, null],
};
const frame: MessageDesc = { name: 'frame', since: 1, signature: 'n', args: ['callback'], types: ['wl_callback'] };
const commit: MessageDesc = { name: 'commit', since: 1, signature: '', args: [], types: [] };
const global: MessageDesc = { name: 'global', since: 1, signature: 'usu', args: ['name', 'interface', 'version'], types: [null, null, null] };

// [object id, opcode, desc, args]; opcodes index `descs` below.
const mix: [number, number, MessageDesc, WireValue[]][] = [
  [3, 0, attach, [10, 0, 0]],
  [3, 1, damageBuffer, [20, 20, 210, 210]],
  [3, 2, frame, [11]],
  [3, 3, commit, []],
  [2, 4, global, [7, 'xdg_wm_base', 5]],
];
const descs = [attach, damageBuffer, frame, commit, global];

const objects: (string | undefined)[] = [];
objects[1] = 'wl_display';
objects[2] = 'wl_registry';
objects[3] = 'wl_surface';
objects[10] = 'wl_buffer';
const ctx: DecodeContext = { sender: 'client', lookup: (id) => objects[id] };
const noFds = { shift: (): number | undefined => undefined };

const BUDGET_MS = 1500;

function measure(label: string, batch: number, fn: () => void): void {
  // Warm up, then run whole batches until the time budget is spent.
  const warm = performance.now();
  while (performance.now() - warm < 200) fn();
  let msgs = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < BUDGET_MS) {
    fn();
    msgs += batch;
    t = performance.now();
  }
  const secs = (t - t0) / 1000;
  const rate = msgs / secs;
  console.log(
    `${label.padEnd(8)} ${(rate / 1e6).toFixed(2).padStart(7)} M msgs/s  ${((secs * 1e9) / msgs).toFixed(1).padStart(7)} ns/msg`,
  );
}

export async function run(): Promise<void> {
  // One buffer of many encoded messages, decoded in a loop.
  const REPEAT = 200;
  const w = new WireWriter();
  for (let r = 0; r < REPEAT; r++) for (const [id, op, desc, args] of mix) encode(w, id, op, desc, args);
  const bytes = w.bytes.slice();
  const count = REPEAT * mix.length;
  console.log(`mix: attach ?oii, damage_buffer iiii, frame n, commit, global usu; ${bytes.length / count} bytes/msg on average`);

  const out: WireValue[] = [];
  let sink = 0;
  measure('decode', count, () => {
    let p = 0;
    while (p < bytes.length) {
      const size = headerSize(bytes, p);
      const desc = descs[headerOpcode(bytes, p)]!;
      sink += headerObjectId(bytes, p);
      const err = decode(desc, bytes, noFds, ctx, out, p + HEADER_SIZE, p + size);
      if (err) throw err;
      p += size;
    }
  });

  const enc = new WireWriter(bytes.length + 4096);
  measure('encode', count, () => {
    enc.clear();
    for (let r = 0; r < REPEAT; r++) {
      for (let m = 0; m < mix.length; m++) {
        const [id, op, desc, args] = mix[m]!;
        enc.encode(id, op, desc, args);
      }
    }
    sink += enc.length;
  });
  if (sink === 0) console.log('');
  await Promise.resolve();
}
