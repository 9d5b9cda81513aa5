// The live view's page: a canvas kept equal to the output, a window list and
// counters, and the keyboard and pointer sent back to the seat. One HTML
// document with its script inline (no build step, no framework), served by
// view.ts. Messages (view.ts has the server's side):
//  - server → page, text: {type:'hello', width, height} (also after a mode
//    change: the canvas takes the new size; a whole frame follows),
//    {type:'status', windows:[{title, appId, focused}], counters:{…}};
//  - server → page, binary (little-endian): u32 n, n × (u32 x, y, w, h),
//    then each rectangle's pixels, row-major BGRA (the framebuffer's bytes);
//  - page → server, text: {t:'move', x, y} (output pixels), {t:'button',
//    button: 0 | 1 | 2 (DOM's left, middle, right), down}, {t:'wheel', dx,
//    dy} (wheel steps), {t:'key', code (KeyboardEvent.code), down}.
// window.nosigbusView exposes {updates, lastUpdateMs, connected} for tests
// and the benchmark (updates applied so far; Date.now() of the last).

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nosigbus live view</title>
<style>
  body { margin: 0; font: 13px system-ui, sans-serif; background: #1e1e1e; color: #ddd; display: flex; height: 100vh; }
  main { flex: 1; overflow: auto; padding: 8px; }
  canvas { image-rendering: pixelated; max-width: 100%; outline: none; cursor: crosshair; background: #000; }
  canvas:focus { box-shadow: 0 0 0 2px #4a9eff; }
  aside { width: 240px; padding: 8px; background: #252526; overflow: auto; }
  h2 { font-size: 13px; margin: 8px 0 4px; color: #aaa; }
  ul { list-style: none; margin: 0; padding: 0; }
  li.focused { color: #4a9eff; }
  dl { display: grid; grid-template-columns: auto auto; gap: 2px 8px; margin: 0; }
  dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
  #state { color: #aaa; }
</style>
</head>
<body>
<main><canvas id="screen" width="1" height="1" tabindex="0"></canvas></main>
<aside>
  <div id="state">connecting…</div>
  <h2>Windows</h2><ul id="windows"></ul>
  <h2>Counters</h2><dl id="counters"></dl>
  <p>Click the screen to give it the keyboard.</p>
</aside>
<script>
"use strict";
const view = (window.nosigbusView = { updates: 0, lastUpdateMs: 0, connected: false });
const canvas = document.getElementById('screen');
const ctx = canvas.getContext('2d', { alpha: false });
const state = document.getElementById('state');
const url = new URL('ws', location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
url.search = location.search;
const ws = new WebSocket(url);
ws.binaryType = 'arraybuffer';
ws.onopen = () => { view.connected = true; state.textContent = 'live'; };
ws.onclose = (e) => { view.connected = false; state.textContent = 'disconnected' + (e.reason ? ': ' + e.reason : ''); };
const send = (m) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m)); };

function paint(buffer) {
  const head = new DataView(buffer);
  const n = head.getUint32(0, true);
  let offset = 4 + n * 16;
  for (let i = 0; i < n; i++) {
    const x = head.getUint32(4 + i * 16, true), y = head.getUint32(8 + i * 16, true);
    const w = head.getUint32(12 + i * 16, true), h = head.getUint32(16 + i * 16, true);
    const src = new Uint8Array(buffer, offset, w * h * 4);
    const image = new ImageData(w, h);
    const dst = image.data;
    for (let p = 0; p < src.length; p += 4) {
      dst[p] = src[p + 2]; dst[p + 1] = src[p + 1]; dst[p + 2] = src[p]; dst[p + 3] = 255;
    }
    ctx.putImageData(image, x, y);
    offset += w * h * 4;
  }
  view.updates++;
  view.lastUpdateMs = Date.now();
}

function status(m) {
  const list = document.getElementById('windows');
  list.replaceChildren(...m.windows.map((w) => {
    const li = document.createElement('li');
    li.textContent = (w.title || '(untitled)') + (w.appId ? ' — ' + w.appId : '');
    if (w.focused) li.className = 'focused';
    return li;
  }));
  const dl = document.getElementById('counters');
  dl.replaceChildren(...Object.entries(m.counters).flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = String(v);
    return [dt, dd];
  }));
}

ws.onmessage = (e) => {
  if (typeof e.data !== 'string') return paint(e.data);
  const m = JSON.parse(e.data);
  if (m.type === 'hello') { canvas.width = m.width; canvas.height = m.height; }
  else if (m.type === 'status') status(m);
};

function at(e) {
  const r = canvas.getBoundingClientRect();
  return { x: Math.floor((e.clientX - r.left) * canvas.width / r.width), y: Math.floor((e.clientY - r.top) * canvas.height / r.height) };
}
canvas.addEventListener('mousemove', (e) => send({ t: 'move', ...at(e) }));
canvas.addEventListener('mousedown', (e) => { canvas.focus(); send({ t: 'move', ...at(e) }); send({ t: 'button', button: e.button, down: true }); e.preventDefault(); });
canvas.addEventListener('mouseup', (e) => { send({ t: 'button', button: e.button, down: false }); e.preventDefault(); });
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
canvas.addEventListener('wheel', (e) => {
  // Pixels or lines to wheel steps (about 100 px or 3 lines a step), at least one step.
  const steps = (d) => d === 0 ? 0 : Math.sign(d) * Math.max(1, Math.round(Math.abs(d) / (e.deltaMode === 0 ? 100 : 3)));
  send({ t: 'wheel', dx: steps(e.deltaX), dy: steps(e.deltaY) });
  e.preventDefault();
}, { passive: false });
canvas.addEventListener('keydown', (e) => { if (!e.repeat) send({ t: 'key', code: e.code, down: true }); e.preventDefault(); });
canvas.addEventListener('keyup', (e) => { send({ t: 'key', code: e.code, down: false }); e.preventDefault(); });
canvas.addEventListener('blur', () => send({ t: 'blur' }));
</script>
</body>
</html>
`;
