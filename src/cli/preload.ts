// `nosigbus preload -- PROGRAM ARGS...`: runs an unmodified program with
// libnosigbus-preload.so (built by `npm run build:c`), so its MAP_SHARED
// file mappings read zeros past end of file instead of dying by SIGBUS.
// Exits as the program did: same code, or the same signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const preloadLibrary = fileURLToPath(new URL('../../../build-c/libnosigbus-preload.so', import.meta.url));

export function preload(args: string[]): void {
  const [program, ...rest] = args[0] === '--' ? args.slice(1) : args;
  if (!program) {
    console.error('usage: nosigbus preload -- PROGRAM [ARGS...]');
    process.exit(2);
  }
  if (!existsSync(preloadLibrary)) {
    console.error(`nosigbus: ${preloadLibrary} not found: build it with \`npm run build:c\``);
    process.exit(2);
  }
  const LD_PRELOAD = [preloadLibrary, process.env.LD_PRELOAD].filter(Boolean).join(':');
  const child = spawn(program, rest, { stdio: 'inherit', env: { ...process.env, LD_PRELOAD } });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  child.on('error', (e) => {
    console.error(`nosigbus: cannot run ${program}: ${e.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
