// What a user does with a browser, checked by what they see: one browser
// (Chromium or Firefox, kiosk: the page fills a fullscreen window) on the
// in-process compositor, started once per test file, the test page
// (browsers.ts) in a private directory, and these steps in order:
//  - the page is drawn: its known colours at known places of a screenshot;
//  - wtype (a real client: zwp_virtual_keyboard_v1) types a word into the
//    focused <input>: the page's box for it turns green;
//  - a click on the <select> opens its dropdown, drawn over the page (an
//    xdg_popup in the compositor's scene for Chromium; Firefox makes it a
//    subsurface of its window, see DropdownRole), a click on an option picks
//    it: the page's box takes the option's colour, the dropdown is gone;
//  - wl-copy puts a random text on the clipboard; a click focuses the
//    second <input>, Ctrl+V through the seat's keyboard pastes it: the
//    page's box for it turns magenta;
//  - wlr-randr changes the output's mode: the window is configured to the
//    new size and the page's bottom-right marker moves to the new corner.
// Each wait is bounded; the browser's process group, wl-copy and the
// compositor are stopped by pid whatever happens.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Compositor, XdgSurface } from '../../src/compositor/index.js';
import { placeTree } from '../../src/compositor/core/tree.js';
import { LAYOUT, PAGE, testPage, type Browser } from './browsers.js';
import { privateDir, until, waitFor } from './common.js';
import { startCompositor, type TestCompositor } from './compositor.js';
import { start, type Proc } from './peer-compositors.js';
import { needPeer } from './peers.js';

const WTYPE = '/usr/bin/wtype';
const WL_COPY = '/usr/bin/wl-copy';
const WLR_RANDR = '/usr/bin/wlr-randr';
/** The output's mode at start, and after the mode change. */
const FIRST = { width: 640, height: 480 };
const SECOND = { width: 800, height: 600 };
/** The word typed into the first input. */
const WORD = 'wayland';

/**
 * How a browser shows a <select>'s dropdown. Chromium: an xdg_popup.
 * Firefox: a wl_subsurface of its window, by its own choice whatever the
 * compositor offers: a page's dropdown is constrained to the browser
 * window by layout (nsMenuPopupFrame::GetConstraintRect adds the window's
 * rect for content popups), and a popup constrained by layout is not
 * placed with move-to-rect (nsWindowWayland::WaylandPopupCheckAndGetAnchor,
 * MOZ_LOG=WidgetPopup:5 prints "can't use move-to-rect, flipped /
 * constrained by layout" then "set type UTILITY"), which GTK 3 maps as a
 * subsurface of the parent, not an xdg_popup.
 */
export type DropdownRole = 'xdg_popup' | 'subsurface';

export interface BrowserUnderTest {
  name: string;
  /** Paths needPeer() checks, and the Debian package. */
  paths: readonly string[];
  pkg: string;
  /** Starts the browser on `url` with the environment `env` (WAYLAND_DISPLAY set), its files under `dir`. */
  launch(url: string, dir: string, env: NodeJS.ProcessEnv): Browser;
  /** How long its first frame may take (a cold start, software rendering). */
  startMs: number;
  dropdown: DropdownRole;
  /** The dropdown's rows are drawn in their <option>'s background colour (Chromium; Firefox ignores it). */
  optionColours: boolean;
}

interface Session {
  name: string;
  t: TestCompositor;
  compositor: Compositor;
  dir: string;
  env: NodeJS.ProcessEnv;
  helpers: Proc[];
  pasteText: string;
}

interface Running extends Session {
  browser: Browser;
}

/** rgb at (x, y) of a snapshot. */
function rgbAt(compositor: Compositor, frame: Uint32Array, x: number, y: number): number {
  return frame[y * compositor.output.width + x]! & 0xffffff;
}

const hex = (rgb: number): string => `#${rgb.toString(16).padStart(6, '0')}`;

/** Fails with `message`, the end of the browser's stderr, and a screenshot kept for a look (the session's directory goes). */
function failWithScreenshot(s: Running, message: string): never {
  const path = join(tmpdir(), `nosigbus-${s.name}-failed.png`);
  s.compositor.writeScreenshot(path);
  assert.fail(`${message} (screenshot: ${path}; the browser said: ${s.browser.stderr().slice(-1500)})`);
}

/** Waits until every point shows its colour; fails naming those that do not. */
async function waitForColours(s: Running, points: readonly (readonly [number, number, number])[], what: string, timeoutMs = 10_000): Promise<void> {
  let wrong: string[] = [];
  await until(() => {
    const frame = s.compositor.snapshot();
    wrong = points.filter(([x, y, rgb]) => rgbAt(s.compositor, frame, x, y) !== rgb)
      .map(([x, y, rgb]) => `(${x},${y}) ${hex(rgbAt(s.compositor, frame, x, y))}, not ${hex(rgb)}`);
    return wrong.length === 0 || s.browser.child.exitCode !== null;
  }, timeoutMs, 20);
  if (s.browser.child.exitCode !== null) failWithScreenshot(s, `${what}: the browser exited (${s.browser.child.exitCode})`);
  if (wrong.length) failWithScreenshot(s, `${what}: ${wrong.join('; ')}`);
}

/** Centre of a 100×100 box of the page at `left` (the window is at 0,0: kiosk, fullscreen). */
const boxAt = (left: number, rgb: number): [number, number, number] => [left + LAYOUT.box / 2, LAYOUT.box / 2, rgb];
/** Centre of a control of the page. */
const controlAt = (top: number): { x: number; y: number } => ({ x: LAYOUT.control.left + LAYOUT.control.width / 2, y: top + LAYOUT.control.height / 2 });

const toplevels = (c: Compositor): XdgSurface[] => [...c.windows].filter((w) => w.toplevel !== null);

interface Box { x: number; y: number; w: number; h: number }

/**
 * Where the open dropdown of a <select> is in the output, or null: as an
 * xdg_popup, a mapped popup window; as a subsurface, a mapped subsurface of
 * the toplevel smaller than the window (Firefox draws the page itself on a
 * window-sized subsurface).
 */
function dropdown(c: Compositor, role: DropdownRole): Box | null {
  if (role === 'xdg_popup') {
    const p = [...c.windows].find((w) => w.popup !== null && w.surface.mapped);
    return p ? { x: p.x, y: p.y, w: p.windowWidth, h: p.windowHeight } : null;
  }
  const [win] = toplevels(c);
  if (!win) return null;
  const sub = placeTree(win.surface, win.originX, win.originY, [])
    .find((p) => p.surface !== win.surface && p.surface.width * p.surface.height < win.windowWidth * win.windowHeight);
  return sub ? { x: sub.x, y: sub.y, w: sub.surface.width, h: sub.surface.height } : null;
}

async function run(s: Running, cmd: string, args: string[]): Promise<void> {
  const p = start(cmd, args, s.env, 20_000);
  s.helpers.push(p);
  const e = await p.exited;
  assert.equal(e.code, 0, `${cmd} ${args.join(' ')}: ${e.stderr}`);
}

/** The steps above, as one describe() block: the browser starts in before(), each step is an it(). */
export function browserSuite(b: BrowserUnderTest): void {
  let s: Session | null = null;
  let browser: Browser | null = null;

  describe(`${b.name} on the compositor (kiosk, local page)`, { timeout: 120_000 }, () => {
    before(async () => {
      // needPeer wants a TestContext: before() has none, so the first it() reports a missing peer.
      const dir = privateDir(`nosigbus-${b.name}-`);
      const t = startCompositor({ ...FIRST });
      const listener = t.compositor.listen('wayland-browser', dir);
      const pasteText = `pasted-${randomBytes(6).toString('hex')}`;
      const page = join(dir, 'page.html');
      writeFileSync(page, testPage(WORD, pasteText));
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name, TMPDIR: dir }; // wl-copy's temporary files go with the directory
      s = { name: b.name, t, compositor: t.compositor, dir, env, helpers: [], pasteText };
      if (b.paths.every((p) => existsSync(p))) browser = b.launch(`file://${page}`, dir, env);
    });

    after(async () => {
      if (!s) return;
      await browser?.stop();
      for (const h of s.helpers) if (h.child.exitCode === null && h.child.signalCode === null && h.child.pid) process.kill(h.child.pid, 'SIGTERM');
      await Promise.all(s.helpers.map((h) => h.exited));
      s.t.close();
      rmSync(s.dir, { recursive: true, force: true });
    });

    const step = (name: string, fn: (s: Running) => Promise<void>, needs: readonly string[] = [], pkg = ''): void => {
      it(name, async (t) => {
        if (!needPeer(t, b.paths, b.pkg)) return;
        if (needs.length && !needPeer(t, needs, pkg)) return;
        assert.ok(s && browser, `${b.name} did not start`);
        await fn({ ...s, browser });
      });
    };

    step('the page is drawn: its colours at known places of the screenshot, the window fullscreen', async (s) => {
      const { compositor } = s;
      await waitForColours(s, [
        boxAt(LAYOUT.mark, PAGE.mark),
        boxAt(LAYOUT.typedBox, PAGE.idle),
        [FIRST.width - LAYOUT.corner / 2, FIRST.height - LAYOUT.corner / 2, PAGE.corner],
        [FIRST.width - LAYOUT.corner - 10, FIRST.height / 2, PAGE.background],
      ], 'the page drawn', b.startMs);
      const [win] = toplevels(compositor);
      assert.ok(win, 'a toplevel');
      assert.deepEqual([win.x, win.y, win.windowWidth, win.windowHeight], [0, 0, FIRST.width, FIRST.height]);
      // Its first <input> has focus (autofocus) with the window focused: keys will reach it.
      await waitForColours(s, [boxAt(LAYOUT.focusBox, PAGE.typing)], 'the first input focused');
    });

    step('wtype types a word into the focused <input>: the page turns its box green', async (s) => {
      await run(s, WTYPE, [WORD]);
      await waitForColours(s, [boxAt(LAYOUT.typedBox, PAGE.typed)], `"${WORD}" typed`);
    }, [WTYPE], 'wtype');

    step(`a click on the <select> opens its dropdown (${b.dropdown === 'xdg_popup' ? 'an xdg_popup' : 'a wl_subsurface: Firefox\'s choice'}); a click on an option picks it`, async (s) => {
      const { compositor } = s;
      const pointer = compositor.input.pointer;
      await pointer.click('left', controlAt(LAYOUT.pick));
      let box: Box | null = null;
      await waitFor(() => (box = dropdown(compositor, b.dropdown)) !== null, `the select's dropdown (${b.dropdown}) mapped`, 10_000);
      assert.ok(box);
      const { x, y, w, h } = box;
      // Below the select, inside the output, tall enough for its four rows.
      assert.ok(x >= 0 && y >= LAYOUT.pick + LAYOUT.control.height - 8 && x + w <= FIRST.width && y + h <= FIRST.height, `dropdown at ${JSON.stringify(box)}`);
      assert.ok(h >= 4 * 16, `dropdown ${h} px tall for 4 rows`);
      // Its rows are drawn over the page (the page has its background there; a
      // browser's first frame of a popup may still be blank): the middle of each row.
      const rows = 1 + PAGE.options.length;
      const rowY = (row: number): number => y + Math.trunc((h * (row + 0.5)) / rows);
      const cx = x + Math.trunc(w / 2);
      await waitFor(() => {
        const frame = compositor.snapshot();
        return [0, 1, 2, 3].every((r) => rgbAt(compositor, frame, cx, rowY(r)) !== PAGE.background);
      }, 'the dropdown\'s rows drawn', 10_000).catch((e: unknown) => failWithScreenshot(s, String(e)));
      // Where the browser draws the options' colours: each row its option's (the first row is "pick").
      if (b.optionColours) await waitForColours(s, PAGE.options.map(([, rgb], i) => [cx, rowY(i + 1), rgb] as const), 'the options\' rows');
      // The rows fill the dropdown evenly: the middle of the third ("teal", after "pick" and "orange").
      const [name, rgb] = PAGE.options[1];
      await pointer.move(cx, rowY(2));
      await pointer.click('left');
      await waitForColours(s, [boxAt(LAYOUT.pickedBox, rgb)], `option "${name}" picked`);
      // And the dropdown is gone: the page's background where its rows were.
      await waitFor(() => dropdown(compositor, b.dropdown) === null, 'the dropdown closed', 10_000);
      await waitForColours(s, [[cx, rowY(3), PAGE.background]], 'the page where the dropdown was');
    });

    step('wl-copy TEXT, a click on the second <input>, Ctrl+V: the page has TEXT', async (s) => {
      const { compositor } = s;
      const copy = start(WL_COPY, ['--foreground', s.pasteText], s.env, 60_000);
      s.helpers.push(copy);
      await waitFor(() => compositor.selections.clipboard.source?.live === true || copy.child.exitCode !== null, 'wl-copy to set the clipboard', 15_000);
      assert.equal(copy.child.exitCode, null, `wl-copy exited: ${copy.stderr()}`);
      await compositor.input.pointer.click('left', controlAt(LAYOUT.pasted));
      await waitForColours(s, [boxAt(LAYOUT.focusBox, PAGE.pasting)], 'the second input focused');
      await compositor.input.key('ctrl+v');
      await waitForColours(s, [boxAt(LAYOUT.pastedBox, PAGE.pasted)], 'the clipboard\'s text pasted');
    }, [WL_COPY], 'wl-clipboard');

    step('wlr-randr changes the output mode: the window takes the new size, the page\'s corner follows', async (s) => {
      const { compositor } = s;
      await run(s, WLR_RANDR, ['--output', 'HEADLESS-1', '--custom-mode', `${SECOND.width}x${SECOND.height}`]);
      assert.deepEqual([compositor.output.width, compositor.output.height], [SECOND.width, SECOND.height]);
      await waitForColours(s, [
        [SECOND.width - LAYOUT.corner / 2, SECOND.height - LAYOUT.corner / 2, PAGE.corner],
        [FIRST.width - LAYOUT.corner / 2, FIRST.height - LAYOUT.corner / 2, PAGE.background],
        [SECOND.width - LAYOUT.corner - 10, SECOND.height / 2, PAGE.background],
        boxAt(LAYOUT.mark, PAGE.mark),
      ], 'the page at the new size');
      const [win] = toplevels(compositor);
      assert.ok(win);
      assert.deepEqual([win.x, win.y, win.windowWidth, win.windowHeight], [0, 0, SECOND.width, SECOND.height]);
    }, [WLR_RANDR], 'wlr-randr');
  });
}
