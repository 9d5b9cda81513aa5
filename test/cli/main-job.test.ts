// The main job (`npm start`, `nosigbus` with no command): what it prints for
// each policy — the hostile window clients, then the hostile screen-capture
// clients (outcome, the capture file's size and bytes afterwards), the
// compositor still serving — and the screenshot.png it writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { privateDir } from '../support/common.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function mainJob(cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The report's section for one policy. */
function section(stdout: string, policy: string): string {
  const start = stdout.indexOf(`--on-truncate ${policy}`);
  assert.ok(start >= 0, `a section for policy ${policy}:\n${stdout}`);
  const end = stdout.indexOf('\n\n', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

/** The line reporting the capture client `label`. */
function captureLine(text: string, label: string): string {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(`capture ${label} `));
  assert.ok(line, `a line for capture ${label}:\n${text}`);
  return line;
}

const INVALID_FD = /wl_shm\.error\.invalid_fd on its wl_buffer: "error accessing SHM buffer", disconnected/;
const HALF_OF_FRAME = /file 345600 bytes \(half the frame\), exactly the frame's bytes/;

test('npm start: every capture attack is answered by the policy, files checked, the compositor and an honest capture go on; screenshot.png', async () => {
  const cwd = privateDir('nosigbus-main-job-');
  const r = await mainJob(cwd);
  assert.equal(r.code, 0, r.stderr);
  for (const policy of ['error', 'zero'] as const) {
    const text = section(r.stdout, policy);
    const refused = policy === 'error' ? INVALID_FD : /^ *capture \S+ +failed;/;
    for (const label of ['truncate-zero', 'truncate-half', 'sealed-resize']) assert.match(captureLine(text, label), refused, `${policy}: ${label}`);
    assert.match(captureLine(text, 'truncate-zero'), /file 0 bytes \(frame 691200\); 1 rescue$/);
    assert.match(captureLine(text, 'truncate-half'), new RegExp(`${HALF_OF_FRAME.source}; 1 rescue$`));
    assert.match(captureLine(text, 'sealed-resize'), /file 691200 bytes, untouched \(still its 0x5a filler\); 1 rescue$/);
    // Truncated while written: the policy if it landed during the copy, else ready; the first half is the frame either way.
    const during = captureLine(text, 'truncate-during');
    assert.match(during, policy === 'error' ? /ready \(the copy was done\), the truncation landed after it|wl_shm\.error\.invalid_fd/ : /ready \(the copy was done\), the truncation landed after it|failed/);
    assert.match(during, HALF_OF_FRAME);
    assert.match(captureLine(text, 'read-only'), /failed; file 691200 bytes, untouched \(all zeros\); 0 rescues$/);
    assert.match(captureLine(text, 'honest'), /ready \(the copy was done\); file 691200 bytes, exactly the frame's bytes; 0 rescues$/);
    assert.match(text, /compositor: stayed up; the honest client still gets its frames, an honest capture still works/);
  }
  assert.match(r.stdout, /plain mmap reader \(child process\): died by SIGBUS/);
  const png = decode(readFileSync(join(cwd, 'screenshot.png')));
  assert.deepEqual([png.width, png.height], [800, 480]);
  rmSync(cwd, { recursive: true, force: true });
});
