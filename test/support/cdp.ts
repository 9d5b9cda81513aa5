// A headless Debian Chromium driven through the DevTools protocol (CDP)
// over `ws`: no browser download, no puppeteer. start() opens one page at
// a URL; evaluate() runs an expression in it and returns its JSON value;
// key() and mouse events go through Input.dispatch*, as a user's would.
// The browser runs in its own process group with a private profile, and
// close() kills the group by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { WebSocket } from 'ws';
import { privateDir, waitFor } from './common.js';

export const CHROMIUM = '/usr/bin/chromium';

export class Browser {
  readonly #child: ChildProcess;
  readonly #profile: string;
  readonly #ws: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(child: ChildProcess, profile: string, ws: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#ws = ws;
    ws.on('message', (data) => {
      const m: unknown = JSON.parse(String(data));
      if (typeof m !== 'object' || m === null || !('id' in m) || typeof m.id !== 'number') return;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`CDP: ${JSON.stringify(m.error)}`));
      else p.resolve('result' in m ? m.result : undefined);
    });
  }

  /** Headless Chromium showing `url` (one page). */
  static async start(url: string, size = { width: 1280, height: 900 }): Promise<Browser> {
    const profile = privateDir('nosigbus-chromium-');
    // As root Chromium needs --no-sandbox; the rest keeps it off the network and quiet.
    const child = spawn(CHROMIUM, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
      '--disable-features=Translate,MediaRouter,OptimizationHints', '--metrics-recording-only', '--mute-audio',
      `--user-data-dir=${profile}`, `--window-size=${size.width},${size.height}`, '--remote-debugging-port=0', url,
    ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, TMPDIR: profile } }); // what it leaves in TMPDIR goes with the profile
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch { /* gone */ }
      rmSync(profile, { recursive: true, force: true });
    };
    try {
      await waitFor(() => /DevTools listening on (ws:\S+)/.test(stderr) || child.exitCode !== null, 'Chromium\'s DevTools endpoint', 20_000, 20);
      const browserUrl = /DevTools listening on (ws:\S+)/.exec(stderr)?.[1];
      if (!browserUrl) throw new Error(`Chromium ended: ${stderr}`);
      const port = new URL(browserUrl).port;
      let pageUrl: string | undefined;
      await waitFor(async () => {
        const list: unknown = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
        for (const t of Array.isArray(list) ? list : []) {
          if (typeof t === 'object' && t !== null && t.type === 'page' && typeof t.webSocketDebuggerUrl === 'string') pageUrl = t.webSocketDebuggerUrl;
        }
        return pageUrl !== undefined;
      }, 'Chromium\'s page', 10_000, 50);
      const ws = new WebSocket(pageUrl!, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const browser = new Browser(child, profile, ws);
      await waitFor(async () => (await browser.evaluate<string>('document.readyState')) === 'complete' && (await browser.evaluate<string>('location.href')) === url,
        `Chromium to load ${url}`, 15_000, 50);
      return browser;
    } catch (e) {
      kill();
      throw e;
    }
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The JSON value of `expression` in the page (awaited if a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as { result?: { value?: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`page: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result?.value as T;
  }

  /** A key pressed and released in the page: `code` (KeyboardEvent.code), `key` its character or name. */
  async key(code: string, key: string, text?: string): Promise<void> {
    await this.send('Input.dispatchKeyEvent', { type: text ? 'keyDown' : 'rawKeyDown', code, key, ...(text ? { text } : {}) });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', code, key });
  }

  async mouse(type: 'mousePressed' | 'mouseReleased' | 'mouseMoved', x: number, y: number): Promise<void> {
    await this.send('Input.dispatchMouseEvent', { type, x, y, button: type === 'mouseMoved' ? 'none' : 'left', clickCount: 1 });
  }

  close(): void {
    this.#ws.terminate();
    try {
      process.kill(-this.#child.pid!, 'SIGKILL');
    } catch { /* gone */ }
    rmSync(this.#profile, { recursive: true, force: true });
  }
}
