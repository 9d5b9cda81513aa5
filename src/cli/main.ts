#!/usr/bin/env node
// `nosigbus` command: run, serve, ctl, demo, preload, and the main job (no
// arguments, what `npm start` runs).
import { closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import { map, memfd } from '../shm/index.js';
import { parseCompositorArgs, splitAtClient, USAGE, UsageError } from './options.js';

/** A truncated mapping read safely where a plain mmap would kill the process. */
function demo(): void {
  const size = 4 * 4096;
  const fd = memfd('nosigbus-demo', size);
  writeSync(fd, Buffer.alloc(size, 0xab), 0, size, 0);
  const m = map(fd, { length: size });
  console.log(`mapped ${m.length} bytes of a memfd; byte 8192 = 0x${m.bytes[8192]!.toString(16)}`);
  ftruncateSync(fd, 100);
  console.log('the client truncated the file to 100 bytes (a plain mmap reader now dies of SIGBUS)');
  let sum = 0;
  for (let i = 0; i < m.length; i++) sum += m.bytes[i]!;
  const r = m.rescues;
  console.log(`read all ${m.length} bytes: byte 50 = 0x${m.bytes[50]!.toString(16)}, byte 8192 = ${m.bytes[8192]}, sum = ${sum}`);
  console.log(`rescues: ${r.count}, first faulting offset: ${r.firstOffset}`);
  m.close();
  closeSync(fd);
  console.log(`closed; m.bytes.length = ${m.bytes.length}`);
}

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Modules are loaded for the command that needs them: start-up time is a feature of `run`.
  if (command === undefined) return (await import('./main-job.js')).mainJob();
  if (command === '--help' || command === '-h') return void console.log(USAGE);
  if (command === '--version' || command === '-V') return void console.log(version());
  if (command === 'demo') return demo();
  if (command === 'preload') return (await import('./preload.js')).preload(rest);
  if (command === 'ctl') return (await import('./ctl.js')).ctl(rest);
  if (command !== 'run' && command !== 'serve') throw new UsageError(`unknown command '${command}' (try --help)`);
  const split = command === 'run' ? splitAtClient(rest) : { options: [...rest], command: [] };
  const args = parseCompositorArgs(split.options);
  if (args.help) return void console.log(USAGE);
  if (args.version) return void console.log(version());
  if (command === 'run' && split.command.length === 0) throw new UsageError('run: no CLIENT given (nosigbus run [options] [--] CLIENT [ARGS...])');
  const { run, serve } = await import('./run.js');
  if (command === 'serve') return serve(args);
  return run(args, split.command);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`nosigbus: ${e.message}\n`);
  process.exit(2);
});
