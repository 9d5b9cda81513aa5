// Debian's Chromium (--ozone-platform=wayland, kiosk, software rendering) as a
// tested client: a local page drawn, typed into, a <select> popup, a paste,
// an output mode change (the steps: test/support/browser-suite.ts).
import { join } from 'node:path';
import { browserEnv, chromiumArgs, CHROMIUM, startGroup } from '../../support/browsers.js';
import { browserSuite } from '../../support/browser-suite.js';

browserSuite({
  name: 'chromium',
  paths: [CHROMIUM],
  pkg: 'chromium',
  startMs: 30_000,
  dropdown: 'xdg_popup',
  optionColours: true,
  launch: (url, dir, env) => startGroup(CHROMIUM, chromiumArgs(join(dir, 'profile'), url), { ...env, ...browserEnv(dir, env.WAYLAND_DISPLAY!) }, 110_000),
});
