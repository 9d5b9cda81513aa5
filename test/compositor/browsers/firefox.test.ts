// Debian's Firefox ESR (MOZ_ENABLE_WAYLAND=1, kiosk, software WebRender) as a
// tested client: a local page drawn, typed into, a <select> popup, a paste,
// an output mode change (the steps: test/support/browser-suite.ts).
import { join } from 'node:path';
import { browserEnv, firefoxArgs, FIREFOX, FIREFOX_ENV, startGroup } from '../../support/browsers.js';
import { browserSuite } from '../../support/browser-suite.js';

browserSuite({
  name: 'firefox',
  paths: [FIREFOX],
  pkg: 'firefox-esr',
  startMs: 30_000,
  dropdown: 'subsurface',
  optionColours: false,
  launch: (url, dir, env) => startGroup(FIREFOX, firefoxArgs(join(dir, 'profile'), url), { ...env, ...browserEnv(dir, env.WAYLAND_DISPLAY!), ...FIREFOX_ENV }, 110_000),
});
