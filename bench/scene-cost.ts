// Compositor CPU for N toplevels from one client (issue 15): an in-process
// Compositor (1024×640) listening on a socket, toplevels-client.js in a child
// process, so the process.cpuUsage() delta is the compositor's alone (the
// client's hang-up and teardown included). Not part of `npm run bench`:
// `node dist/bench/scene-cost.js [N ...]` (default 1000 3000), both modes
// of the client, and each again with painting switched off (what the scene,
// focus and pointer code cost without the renderer).
import { execFile } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Compositor } from '../src/compositor/index.js';
import { privateDir } from '../test/support/common.js';

const CLIENT = fileURLToPath(new URL('./toplevels-client.js', import.meta.url));
const run = promisify(execFile);

async function compositorCpuMs(n: number, mode: string, paint: boolean): Promise<number> {
  const dir = privateDir('nosigbus-scene-');
  chmodSync(dir, 0o700);
  const compositor = new Compositor({ width: 1024, height: 640, logLevel: 'error', pingIntervalMs: 0 });
  if (!paint) compositor.renderer.render = () => [];
  compositor.listen('scene-cost', dir);
  const before = process.cpuUsage();
  await run(process.execPath, [CLIENT, 'scene-cost', dir, String(n), mode], { maxBuffer: 1 << 20 });
  // Its windows leave when the compositor sees the hang-up: that is part of the cost.
  while (compositor.windows.length > 0) await new Promise((r) => setTimeout(r, 1));
  const used = process.cpuUsage(before);
  compositor.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / 1000;
}

const counts = process.argv.slice(2).map(Number);
for (const paint of [true, false]) {
  for (const mode of ['batch', 'serial']) {
    const figures: string[] = [];
    for (const n of counts.length ? counts : [1000, 3000]) figures.push(`${n}: ${(await compositorCpuMs(n, mode, paint)).toFixed(0)} ms`);
    console.log(`toplevels, ${mode}${paint ? '' : ', no painting'}: compositor CPU ${figures.join(', ')}`);
  }
}
