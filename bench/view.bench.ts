// The live view (`--view`, src/view) with one real viewer: Debian's headless
// Chromium showing the page, driven over the DevTools protocol.
//  - latency: a client commits a new frame on a still screen; how long until
//    the page has applied the update (the page's Date.now() at arrival, the
//    same clock as the commit's): median and p90 of 60, against the floor
//    of one refresh (a commit waits for the next refresh, ≤ 16.7 ms at
//    60 Hz, before anything can show it);
//  - cost: the compositor's CPU per refresh while the honest client animates
//    for 3 s, without a viewer and with one, side by side as a ratio (the
//    process also runs the client, the same in both runs; Chromium's own
//    CPU is not counted).
import { closeSync, existsSync, rmSync } from 'node:fs';
import { ClientRun, honestClient, openWindow, show, writeImage } from '../src/cli/clients.js';
import { WaylandClient } from '../src/client/index.js';
import { Compositor } from '../src/compositor/index.js';
import { wl_shm } from '../src/protocol/wayland.js';
import { memfd } from '../src/shm/index.js';
import { startView } from '../src/view/view.js';
import { connectWayland } from '../src/wire/socket.js';
import { Browser, CHROMIUM } from '../test/support/cdp.js';
import { privateDir, sleep, waitFor } from '../test/support/common.js';

const COMMITS = 60;
const SECONDS = 3;
const W = 320;
const H = 240;

/** CPU ms of this process per refresh over `seconds` of animation. */
async function cpuPerRefresh(compositor: Compositor, seconds: number): Promise<number> {
  const ticks = compositor.ticks;
  const before = process.cpuUsage();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (compositor.ticks - ticks);
}

export async function run(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: ${CHROMIUM} not found (Debian package chromium)`);
    return;
  }
  const dir = privateDir('nosigbus-bench-view-');
  const compositor = new Compositor({ width: 1024, height: 768, logLevel: 'error', pingIntervalMs: 0 });
  compositor.listen('wayland-view-bench', dir);
  const view = await startView(compositor, { port: 0 });
  let browser: Browser | undefined;
  const runs: ClientRun[] = [];
  try {
    // Cost without a viewer, then with one.
    const honest = await honestClient(connectWayland('wayland-view-bench', dir));
    runs.push(honest);
    await sleep(300);
    const alone = await cpuPerRefresh(compositor, SECONDS);
    browser = await Browser.start(view.url);
    await waitFor(() => view.viewers === 1, 'the viewer', 10_000);
    await sleep(300);
    const viewed = await cpuPerRefresh(compositor, SECONDS);
    honest.stop();

    // Latency: one commit at a time on a still screen.
    const still = new ClientRun('still', new WaylandClient(connectWayland('wayland-view-bench', dir)));
    runs.push(still);
    const w = await openWindow(still, 'still');
    const size = W * H * 4;
    const fd = memfd('still', size * 2);
    still.onStop(() => closeSync(fd));
    const pool = w.shm.request('create_pool', null, fd, size * 2)!;
    const buffers = [0, 1].map((i) => {
      writeImage(fd, i * size, W, H, () => (i ? 0xff2060a0 : 0xffa06020));
      return pool.request('create_buffer', null, i * size, W, H, W * 4, wl_shm.enums.format.entries.xrgb8888)!.on('release', () => {});
    });
    await sleep(500);
    const latencies: number[] = [];
    for (let i = 0; i < COMMITS; i++) {
      const updates = await browser.evaluate<number>('window.nosigbusView.updates');
      await sleep(Math.random() * 17); // anywhere in the refresh
      const t0 = Date.now();
      show(still, w, buffers[i % 2]!, W, H, () => {});
      await waitFor(async () => (await browser!.evaluate<number>('window.nosigbusView.updates')) > updates, `page update ${i}`, 5000, 1);
      latencies.push((await browser.evaluate<number>('window.nosigbusView.lastUpdateMs')) - t0);
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    const refreshMs = 1000 / 60;
    console.log(`commit → page (a ${W}×${H} window on a 1024×768 output, ${COMMITS} commits), ms; floor: one refresh, ${refreshMs.toFixed(1)}:`);
    console.log(`  median ${q(0.5)}   p90 ${q(0.9)}   (median ${(q(0.5) / refreshMs).toFixed(2)}× the floor)`);
    console.log(`compositor CPU per refresh, the honest client animating ${SECONDS} s:`);
    console.log(`  no viewer ${alone.toFixed(3)} ms   one viewer ${viewed.toFixed(3)} ms   ratio ${(viewed / alone).toFixed(2)}`);
  } finally {
    browser?.close();
    for (const r of runs) r.stop();
    await view.close();
    compositor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
