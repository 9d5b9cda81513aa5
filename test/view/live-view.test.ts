// `serve --view`: the output live in a real headless Chromium (Debian's,
// driven over the DevTools protocol: test/support/cdp.ts). What is asserted,
// as a user sees it:
//  - after weston-flower draws, the page's canvas equals grim's capture of
//    the output pixel for pixel, and the page lists the flower's window;
//  - after the flower's window changes (a second window maps), the canvas
//    follows: damage updates keep it equal; after an output mode change it
//    takes the new size;
//  - keys pressed in the page reach foot: a line typed there becomes a file;
//  - bound beyond loopback, the page and the WebSocket need the printed
//    token (403 without), a WebSocket from another origin is refused, and a
//    malformed message closes only that viewer (serve and others go on).
// Missing chromium, weston-flower, foot or grim fails in CI (needPeer).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode as decodePng } from 'fast-png';
import { WebSocket } from 'ws';
import { nosigbus, type Running } from '../support/cli.js';
import { Browser, CHROMIUM } from '../support/cdp.js';
import { privateDir, waitFor } from '../support/common.js';
import { needPeer } from '../support/peers.js';

const FLOWER = '/usr/bin/weston-flower';
const FOOT = '/usr/bin/foot';
const GRIM = '/usr/bin/grim';
const WLR_RANDR = '/usr/bin/wlr-randr';
const WIDTH = 640;
const HEIGHT = 480;

interface Served {
  serve: Running;
  dir: string;
  socket: string;
  url: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function serveWithView(address: string, socket: string): Promise<Served> {
  const dir = privateDir('nosigbus-view-');
  const serve = nosigbus(['serve', '--socket', socket, '--width', String(WIDTH), '--height', String(HEIGHT), '--view', address], { XDG_RUNTIME_DIR: dir });
  let served = true;
  void serve.ended.then(() => (served = false));
  await waitFor(() => /^VIEW=\S+$/m.test(serve.stdout) || !served, 'nosigbus serve --view', 15_000);
  assert.ok(served, serve.stderr);
  const url = /^VIEW=(\S+)$/m.exec(serve.stdout)![1]!;
  return {
    serve, dir, socket, url,
    env: { ...process.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: socket },
    stop: async () => {
      serve.kill('SIGTERM');
      const e = await serve.ended;
      rmSync(dir, { recursive: true, force: true });
      assert.equal(e.code, 128 + 15, e.stderr);
    },
  };
}

/** grim's capture of the output, RGB. */
function grim(s: Served, size = `${WIDTH}x${HEIGHT}`): Buffer {
  const file = join(s.dir, 'grim.png');
  execFileSync(GRIM, [file], { env: s.env, timeout: 10_000 });
  const png = decodePng(readFileSync(file));
  assert.deepEqual([`${png.width}x${png.height}`, png.channels], [size, 3]);
  return Buffer.from(png.data.buffer, png.data.byteOffset, png.data.byteLength);
}

/** The page's canvas, RGB. */
async function canvas(b: Browser, size = `${WIDTH}x${HEIGHT}`): Promise<Buffer> {
  const base64 = await b.evaluate<string>(`(() => {
    const c = document.getElementById('screen');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 4) s += String.fromCharCode(d[i], d[i + 1], d[i + 2]);
    return c.width + 'x' + c.height + ':' + btoa(s);
  })()`);
  const [shown, data] = base64.split(':');
  return shown === size ? Buffer.from(data!, 'base64') : Buffer.alloc(0);
}

/** Waits until the canvas equals grim's capture, `size` big (the page takes updates as they come). */
async function canvasShowsOutput(b: Browser, s: Served, what: string, size = `${WIDTH}x${HEIGHT}`): Promise<void> {
  let differing = -1;
  await waitFor(async () => {
    const [page, output] = [await canvas(b, size), grim(s, size)];
    if (page.length !== output.length) return false;
    differing = 0;
    for (let i = 0; i < page.length; i += 3) if (page[i] !== output[i] || page[i + 1] !== output[i + 1] || page[i + 2] !== output[i + 2]) differing++;
    return differing === 0;
  }, `the canvas to equal grim's capture ${what} (${differing} pixels differ)`, 10_000, 100);
}

test('the page\'s canvas is the output pixel for pixel, before and after a window maps and after a mode change; the page lists the windows', async (t) => {
  if (!needPeer(t, [CHROMIUM], 'chromium') || !needPeer(t, [FLOWER], 'weston (weston-flower)') || !needPeer(t, [GRIM, WLR_RANDR], 'grim wlr-randr')) return;
  const s = await serveWithView('0', 'nsb-view');
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const flowers: number[] = [];
  const flower = (): void => {
    const c = spawn(FLOWER, [], { env: s.env, stdio: 'ignore' });
    flowers.push(c.pid!);
  };
  let browser: Browser | undefined;
  try {
    flower();
    browser = await Browser.start(s.url);
    await waitFor(async () => (await browser!.evaluate<string>('document.getElementById("windows").innerText')).includes('Flower'), 'the page to list the flower', 10_000, 50);
    await canvasShowsOutput(browser, s, 'with one flower');
    const updates = await browser.evaluate<number>('window.nosigbusView.updates');
    flower();
    await waitFor(async () => (await browser!.evaluate<string>('document.getElementById("windows").innerText')).split('Flower').length === 3, 'the page to list two flowers', 10_000, 50);
    await canvasShowsOutput(browser, s, 'with two flowers');
    assert.ok((await browser.evaluate<number>('window.nosigbusView.updates')) > updates, 'the second flower came as an update');
    // An output mode change: the canvas takes the new size and the whole output again.
    execFileSync(WLR_RANDR, ['--output', 'HEADLESS-1', '--custom-mode', '400x300'], { env: s.env, timeout: 10_000 });
    await canvasShowsOutput(browser, s, 'after the mode change to 400x300', '400x300');
  } finally {
    browser?.close();
    for (const pid of flowers) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    await s.stop();
  }
});

test('keys pressed in the page reach foot: a typed line becomes a file', async (t) => {
  if (!needPeer(t, [CHROMIUM], 'chromium') || !needPeer(t, [FOOT], 'foot')) return;
  const s = await serveWithView('127.0.0.1:0', 'nsb-view-keys');
  const out = privateDir('nosigbus-view-out-');
  const foot = spawn(FOOT, ['sh', '-c', `read line && touch "${out}/$line"`], { env: s.env, stdio: 'ignore' });
  let browser: Browser | undefined;
  try {
    browser = await Browser.start(s.url);
    await waitFor(async () => (await browser!.evaluate<string>('document.getElementById("windows").innerText')).includes('foot'), 'foot\'s window in the page', 15_000, 50);
    // Give the canvas the page's keyboard (a click in it), then type "typed" and Enter.
    const box = await browser.evaluate<{ x: number; y: number }>('(() => { const r = document.getElementById("screen").getBoundingClientRect(); return { x: r.left + 100, y: r.top + 100 }; })()');
    await browser.mouse('mousePressed', box.x, box.y);
    await browser.mouse('mouseReleased', box.x, box.y);
    for (const ch of 'typed') await browser.key(`Key${ch.toUpperCase()}`, ch, ch);
    await browser.key('Enter', 'Enter', '\r');
    await waitFor(() => existsSync(join(out, 'typed')), 'foot to run touch with the typed line', 10_000, 20);
  } finally {
    browser?.close();
    try { process.kill(foot.pid!, 'SIGTERM'); } catch { /* gone */ }
    rmSync(out, { recursive: true, force: true });
    await s.stop();
  }
});

/** The HTTP status of a WebSocket handshake to `url` (101 when accepted). */
function handshake(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

test('beyond loopback the token is required; other origins are refused; a malformed message ends only its viewer', async () => {
  const s = await serveWithView('0.0.0.0:0', 'nsb-view-token');
  try {
    const url = new URL(s.url);
    const token = url.searchParams.get('token');
    assert.match(token ?? '', /^[0-9a-f]{32}$/);
    const base = `http://127.0.0.1:${url.port}`;
    const without = await fetch(`${base}/`);
    assert.equal(without.status, 403);
    assert.match(await without.text(), /needs the token/);
    assert.equal((await fetch(`${base}/?token=wrong`)).status, 403);
    const page = await fetch(`${base}/?token=${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<canvas id="screen"/);

    const ws = `ws://127.0.0.1:${url.port}/ws`;
    assert.equal(await handshake(ws), 403);
    assert.equal(await handshake(`${ws}?token=${token}`, { origin: 'http://evil.example' }), 403);
    assert.equal(await handshake(`${ws}?token=${token}`, { origin: base }), 101);

    // Two viewers; one sends garbage and is closed with 1008; the other still gets the window list.
    const good = new WebSocket(`${ws}?token=${token}`);
    const texts: string[] = [];
    good.on('message', (d, binary) => { if (!binary) texts.push(String(d)); });
    const bad = new WebSocket(`${ws}?token=${token}`);
    await Promise.all([good, bad].map((w) => new Promise((r) => w.once('open', r))));
    const closed = new Promise<number>((r) => bad.once('close', (code) => r(code)));
    bad.send('{"t":"key","code":');
    assert.equal(await closed, 1008);
    const huge = new WebSocket(`${ws}?token=${token}`);
    await new Promise((r) => huge.once('open', r));
    const hugeClosed = new Promise<number>((r) => huge.once('close', (code) => r(code)));
    huge.send(JSON.stringify({ t: 'move', x: 1, y: 1, pad: 'x'.repeat(4096) }));
    assert.equal(await hugeClosed, 1009); // past maxPayload: "message too big"
    good.send(JSON.stringify({ t: 'move', x: 10, y: 10 }));
    await waitFor(() => texts.some((m) => m.includes('"type":"status"')), 'the status for the good viewer', 5000);
    assert.ok(texts.some((m) => m.includes('"type":"hello"') && m.includes(`"width":${WIDTH}`)));
    good.close();
  } finally {
    await s.stop();
  }
});
