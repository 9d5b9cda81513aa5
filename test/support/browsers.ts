// Debian's Chromium and Firefox ESR as Wayland clients, for the browser tests
// and the benchmark: a local test page, each browser's command line with
// everything that would reach the network switched off (background
// networking, first-run pages, updates, telemetry, crash reports, safe
// browsing; name resolution itself fails), the profile and caches in a
// private directory, and the browser run in its own process group, killed
// with all its processes (renderers, zygotes, content processes) by that
// group's id on every way out: stop(), its time bound, and the test
// process's own exit.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collected, type Exit, type Proc } from './peer-compositors.js';

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

export interface Browser extends Proc {
  /** SIGKILLs the browser's process group (if still there) and waits for the browser's exit. Idempotent. */
  stop(): Promise<Exit>;
}

/** Process groups still to kill when the test process exits (a failed or timed-out test skips its finally). */
const running = new Set<number>();
process.on('exit', () => {
  for (const pgid of running) killGroup(pgid);
});

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // the group is gone already
  }
}

/**
 * Starts `cmd` as the leader of a new process group (setsid: a browser's
 * helpers stay in it), its output collected; the whole group is SIGKILLed
 * after `timeoutMs`, at stop(), or when this process exits.
 */
export function startGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Browser {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc = collected(child);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${cmd} did not start`);
  running.add(pgid);
  const bound = setTimeout(() => killGroup(pgid), timeoutMs);
  bound.unref();
  let stopped: Promise<Exit> | null = null;
  // The leader's exit does not end the group: its helpers (which hold its output pipes open) are killed then too.
  child.once('exit', () => {
    clearTimeout(bound);
    killGroup(pgid);
    running.delete(pgid);
  });
  return {
    ...proc,
    stop: () => {
      if (!stopped) {
        // Once the leader's exit took the group down, its id may be another's: not killed again.
        if (running.has(pgid)) killGroup(pgid);
        stopped = proc.exited;
      }
      return stopped;
    },
  };
}

/** The environment a browser gets: its own HOME and XDG directories under `dir`, no X display, no session bus. */
export function browserEnv(dir: string, waylandDisplay: string): NodeJS.ProcessEnv {
  const home = join(dir, 'home');
  for (const d of ['config', 'cache', 'data', 'tmp']) mkdirSync(join(home, d), { recursive: true });
  return {
    PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: waylandDisplay, LANG: 'C.UTF-8',
    // Its temporary files too (a browser killed by SIGKILL leaves org.chromium.* directories behind).
    TMPDIR: join(home, 'tmp'),
    XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), XDG_DATA_HOME: join(home, 'data'),
    // No session bus here: an address that cannot be parsed fails at once instead of autolaunching dbus.
    DBUS_SESSION_BUS_ADDRESS: 'disabled:',
    NO_AT_BRIDGE: '1',
  };
}

/**
 * Chromium's command line: Wayland (ozone), software rendering, a private
 * profile, kiosk (fullscreen, no browser UI: the page is the window) unless
 * given a window size, and nothing that reaches the network or asks the
 * user anything.
 */
export function chromiumArgs(profile: string, url: string, window?: { width: number; height: number }): string[] {
  return [
    '--ozone-platform=wayland',
    // Chromium refuses to start as root with its sandbox (it needs an unprivileged user
    // namespace or the setuid helper, neither of which it will use as root): CI runs as root.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    // --test-type: no "unsupported command-line flag" bar over the page for --no-sandbox.
    '--test-type',
    `--user-data-dir=${profile}`,
    `--disk-cache-dir=${join(profile, 'cache')}`,
    // No GPU here (no /dev/dri): software compositing, and sRGB output so the page's colours are the screenshot's.
    '--disable-gpu', '--force-color-profile=srgb',
    '--no-first-run', '--no-default-browser-check', '--disable-default-apps', '--disable-extensions',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-pings',
    '--disable-breakpad', '--disable-crash-reporter', '--metrics-recording-only', '--disable-domain-reliability',
    '--disable-client-side-phishing-detection', '--safebrowsing-disable-auto-update',
    '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
    '--password-store=basic', '--use-mock-keychain',
    // Any name lookup fails: whatever is left cannot reach a server.
    '--host-resolver-rules=MAP * ~NOTFOUND',
    // Timers of a page that is not focused or shown would be throttled: the page drives the tests.
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    // A window of its own size (logical units), or kiosk.
    ...(window ? [`--window-size=${window.width},${window.height}`] : ['--kiosk']), url,
  ];
}

/** Firefox's preferences (user.js): no first-run or what's-new pages, telemetry, updates, safe browsing or any other network. */
const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'startup.homepage_welcome_url': '',
  'startup.homepage_welcome_url.additional': '',
  'browser.aboutwelcome.enabled': false,
  'trailhead.firstrun.didSeeAboutWelcome': true,
  'browser.startup.page': 0,
  'browser.newtabpage.enabled': false,
  'browser.sessionstore.resume_from_crash': false,
  'toolkit.startup.max_resumed_crashes': -1,
  'browser.tabs.warnOnClose': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.policy.firstRunURL': '',
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'browser.ping-centre.telemetry': false,
  'browser.crashReports.unsubmittedCheck.enabled': false,
  'app.update.auto': false,
  'app.update.enabled': false,
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'browser.search.update': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.prefetch-next': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'media.gmp-manager.url': '',
  'media.gmp-gmpopenh264.enabled': false,
  'geo.provider.network.url': '',
  'identity.fxaccounts.enabled': false,
  'dom.push.connection.enabled': false,
  'browser.translations.enable': false,
  'browser.topsites.contile.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  // No name is looked up (remote settings would still resolve its server: its URL pref is
  // ignored by release builds), and every request that still goes out goes to a proxy
  // that is not there (discard, on loopback).
  'network.dns.forceResolve': '127.0.0.1',
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1',
  'network.proxy.http_port': 9,
  'network.proxy.ssl': '127.0.0.1',
  'network.proxy.ssl_port': 9,
  'network.proxy.no_proxies_on': '',
  // No GPU here: software WebRender, and no colour management, so the page's colours are the screenshot's.
  'gfx.webrender.software': true,
  'gfx.color_management.mode': 0,
};

/** Writes a Firefox profile (user.js) into `profile`; returns Firefox's command line for it. */
export function firefoxArgs(profile: string, url: string): string[] {
  mkdirSync(profile, { recursive: true });
  const prefs = Object.entries(FIREFOX_PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join('');
  writeFileSync(join(profile, 'user.js'), prefs);
  return ['--profile', profile, '--no-remote', '--new-instance', '--kiosk', url];
}

/** Firefox's environment on top of browserEnv(): Wayland, no crash reporter, no safe-mode prompt. */
export const FIREFOX_ENV: NodeJS.ProcessEnv = { MOZ_ENABLE_WAYLAND: '1', MOZ_CRASHREPORTER_DISABLE: '1', MOZ_DISABLE_AUTO_SAFE_MODE: '1' };

/** rgb of the test page's parts (0xRRGGBB): what the screenshots are checked against. */
export const PAGE = {
  background: 0x204060,
  /** 0,0 100×100: the page is drawn. */
  mark: 0x0000ff,
  /** A box that is `idle` until its check passes. */
  idle: 0x808080,
  /** 100,0: the typed input holds the typed word. */
  typed: 0x00c000,
  /** 200,0: the paste input holds the clipboard's text. */
  pasted: 0xc000c0,
  /** 300,0: the colour of the option picked in the select. */
  options: [['orange', 0xff8000], ['teal', 0x008080], ['purple', 0x800080]] as const,
  /** 400,0: which input has focus (`typing`: the first; `pasting`: the second). */
  typing: 0xffffff,
  pasting: 0x00ffff,
  /** 40×40 at the bottom-right corner of the viewport. */
  corner: 0xffff00,
} as const;

/** Where things are on the page, CSS pixels (each box is 100×100 at y 0). */
export const LAYOUT = {
  box: 100,
  mark: 0, typedBox: 100, pastedBox: 200, pickedBox: 300, focusBox: 400,
  corner: 40,
  /** The controls: left, width and height, and each one's top. */
  control: { left: 20, width: 200, height: 30 },
  typed: 140, pasted: 190, pick: 240,
} as const;

const css = (rgb: number): string => `#${rgb.toString(16).padStart(6, '0')}`;

/**
 * The test page: coloured boxes that change when the page sees what the
 * user did (the word typed into the first input, the clipboard's `pasteText`
 * pasted into the second, an option picked in the select, which input has
 * focus), a marker at the viewport's bottom-right corner, and an optional
 * long part that scrolls itself (the benchmark).
 */
export function testPage(word: string, pasteText: string): string {
  const L = LAYOUT;
  const box = (id: string, left: number, rgb: number): string =>
    `#${id}{position:fixed;top:0;left:${left}px;width:${L.box}px;height:${L.box}px;background:${css(rgb)}}`;
  const control = (id: string, top: number): string =>
    `#${id}{position:fixed;left:${L.control.left}px;top:${top}px;width:${L.control.width}px;height:${L.control.height}px;box-sizing:border-box;font-size:16px;margin:0}`;
  // Each option's row is drawn in its colour: the open dropdown is found, and its rows told apart, by pixels.
  const options = PAGE.options.map(([name, rgb]) => `<option value="${name}" style="background:${css(rgb)};color:#ffffff">${name}</option>`).join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>nosigbus test page</title><style>
html,body{margin:0;height:100%;overflow:hidden;background:${css(PAGE.background)}}
${box('mark', L.mark, PAGE.mark)}
${box('typedBox', L.typedBox, PAGE.idle)}
${box('pastedBox', L.pastedBox, PAGE.idle)}
${box('pickedBox', L.pickedBox, PAGE.idle)}
${box('focusBox', L.focusBox, PAGE.idle)}
#corner{position:fixed;right:0;bottom:0;width:${L.corner}px;height:${L.corner}px;background:${css(PAGE.corner)}}
${control('typed', L.typed)}
${control('pasted', L.pasted)}
${control('pick', L.pick)}
</style></head><body>
<div id="mark"></div><div id="typedBox"></div><div id="pastedBox"></div><div id="pickedBox"></div><div id="focusBox"></div><div id="corner"></div>
<input id="typed" autofocus autocomplete="off" spellcheck="false">
<input id="pasted" autocomplete="off" spellcheck="false">
<select id="pick"><option value="">pick</option>${options}</select>
<script>
const $ = (id) => document.getElementById(id);
const colours = ${JSON.stringify(Object.fromEntries(PAGE.options.map(([n, c]) => [n, css(c)])))};
const show = () => {
  $('typedBox').style.background = $('typed').value === ${JSON.stringify(word)} ? '${css(PAGE.typed)}' : '${css(PAGE.idle)}';
  $('pastedBox').style.background = $('pasted').value === ${JSON.stringify(pasteText)} ? '${css(PAGE.pasted)}' : '${css(PAGE.idle)}';
  $('pickedBox').style.background = colours[$('pick').value] ?? '${css(PAGE.idle)}';
  const focused = document.hasFocus() ? document.activeElement : null;
  $('focusBox').style.background = focused === $('typed') ? '${css(PAGE.typing)}' : focused === $('pasted') ? '${css(PAGE.pasting)}' : '${css(PAGE.idle)}';
};
for (const e of ['input', 'change', 'focusin', 'focusout']) document.addEventListener(e, show);
for (const e of ['focus', 'blur']) window.addEventListener(e, show);
$('typed').focus();
show();
</script></body></html>
`;
}
