#!/usr/bin/env node
// `nosigbus` command. `demo` (what `npm start` runs) shows a truncated
// mapping being read safely where a plain mmap would kill the process.
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import { map, memfd } from '../shm/index.js';
import { preload } from './preload.js';

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

const [command = 'demo', ...args] = process.argv.slice(2);
switch (command) {
  case 'demo':
    demo();
    break;
  case 'preload':
    preload(args);
    break;
  default:
    console.error(`usage: nosigbus demo | nosigbus preload -- PROGRAM [ARGS...]`);
    process.exit(2);
}
