// Unix sockets for Wayland: listen + lock file conventions, SCM_RIGHTS, limits, polling.
// First: the test build of the addon, before anything from src/ loads one.
import { nativeSocket } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  activePolls,
  closeFd,
  connectWayland,
  dupFd,
  listenWayland,
  MAX_FDS_PER_RECV,
  MAX_FDS_PER_SEND,
  socketPair,
  socketPairForChild,
  SUN_PATH_MAX,
  UnixStream,
  type ReadData,
} from '../../src/wire/socket.js';
import { privateDirs } from '../support/common.js';

const socketModule = fileURLToPath(new URL('../../src/wire/socket.js', import.meta.url));
const dirs = privateDirs('nsb-sock-');
const privateDir = dirs.make;
after(dirs.removeAll);

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** How many of this process's fds refer to the same file as `fd` (fd itself included):
 * unlike fdCount(), blind to fds the runtime opens meanwhile. */
function fdsOnFileOf(fd: number): number {
  const ino = fstatSync(fd).ino;
  let n = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (fstatSync(Number(name)).ino === ino) n++;
    } catch {
      // closed meanwhile (readdir's own fd)
    }
  }
  return n;
}

function isOpen(fd: number): boolean {
  return existsSync(`/proc/self/fd/${fd}`);
}

function fdFlags(fd: number): number {
  const m = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m ? parseInt(m[1] as string, 8) : -1;
}
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

async function readSome(stream: UnixStream, size = 4096, tries = 200): Promise<ReadData> {
  const buf = new Uint8Array(size);
  for (let i = 0; i < tries; i++) {
    const r = stream.read(buf);
    if (r === 'eof') throw new Error('unexpected eof');
    if (r !== 'again') return r;
    await tick();
  }
  throw new Error('nothing to read');
}

/** Temp files with distinct content; returns their fds. */
function tempFiles(dir: string, n: number, prefix = 'f'): number[] {
  const fds: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = join(dir, `${prefix}${i}`);
    writeFileSync(p, `file ${i}\n`);
    fds.push(openSync(p, 'r+'));
  }
  return fds;
}

describe('listenWayland', () => {
  test('explicit name: socket + lock file in the runtime dir; both unlinked on close', async () => {
    const dir = privateDir();
    const before = fdCount();
    const l = listenWayland({ name: 'wayland-test', runtimeDir: dir });
    assert.equal(l.name, 'wayland-test');
    assert.equal(l.path, join(dir, 'wayland-test'));
    assert.equal(l.lockPath, join(dir, 'wayland-test.lock'));
    assert.ok(lstatSync(l.path).isSocket());
    assert.ok(lstatSync(l.lockPath).isFile());
    assert.equal(lstatSync(l.lockPath).mode & 0o777 & ~0o660, 0, 'lock file mode within 0660');
    assert.ok(fdFlags(l.fd) & O_CLOEXEC && fdFlags(l.fd) & O_NONBLOCK);
    assert.ok(fdFlags(l.lockFd) & O_CLOEXEC);
    assert.equal(fdCount(), before + 2);

    // A client gets through, with our credentials.
    const accepted = new Promise<UnixStream>((resolve) => l.onConnection(resolve));
    const client = connectWayland('wayland-test', dir);
    const server = await accepted;
    const cred = server.peerCredentials();
    assert.equal(cred.pid, process.pid);
    assert.equal(cred.uid, process.getuid?.());
    assert.equal(cred.gid, process.getgid?.());
    assert.ok(fdFlags(server.fd) & O_CLOEXEC && fdFlags(server.fd) & O_NONBLOCK);
    client.close();
    server.close();

    const { fd, lockFd } = l;
    l.close();
    l.close(); // idempotent
    assert.equal(existsSync(join(dir, 'wayland-test')), false);
    assert.equal(existsSync(join(dir, 'wayland-test.lock')), false);
    assert.equal(isOpen(fd) && isOpen(lockFd), false);
    assert.equal(fdCount(), before);
    assert.equal(l.closed, true);
  });

  test('a second listen on a held name fails with ERR_NOSIGBUS_SOCKET_IN_USE and disturbs nothing', () => {
    const dir = privateDir();
    const l = listenWayland({ name: 'wayland-0', runtimeDir: dir });
    const before = fdCount();
    let err: (Error & { code?: string; sysCode?: string }) | undefined;
    try {
      listenWayland({ name: 'wayland-0', runtimeDir: dir });
    } catch (e) {
      err = e as Error & { code?: string };
    }
    assert.equal(err?.code, 'ERR_NOSIGBUS_SOCKET_IN_USE');
    assert.equal(err?.sysCode, 'EAGAIN'); // EWOULDBLOCK from flock(LOCK_NB)
    assert.match(err?.message ?? '', /another compositor/);
    assert.equal(fdCount(), before, 'no fd leaked by the failed attempt');
    // The first listener's socket is still there and works.
    assert.ok(lstatSync(l.path).isSocket());
    const c = connectWayland(l.path);
    const s = l.accept();
    assert.ok(s);
    s.close();
    c.close();
    l.close();
  });

  test('a stale socket left by a killed compositor is replaced', async () => {
    const dir = privateDir();
    const script = `
      const { listenWayland } = await import(${JSON.stringify(socketModule)});
      const l = listenWayland({ name: 'wayland-stale', runtimeDir: ${JSON.stringify(dir)} });
      console.log('ready ' + l.path);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const path = join(dir, 'wayland-stale');
    assert.ok(lstatSync(path).isSocket(), 'the killed process left its socket');
    assert.ok(existsSync(`${path}.lock`), 'and its lock file (no longer locked)');
    assert.equal(codeOf(() => connectWayland(path)), 'ERR_NOSIGBUS_SOCKET_CONNECT', 'nobody listens there');

    const l = listenWayland({ name: 'wayland-stale', runtimeDir: dir });
    const c = connectWayland(path);
    await tick();
    const s = l.accept();
    assert.ok(s, 'the new socket accepts');
    s.close();
    c.close();
    l.close();
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test('no name: the first wayland-N whose lock is free', () => {
    const dir = privateDir();
    const held = listenWayland({ name: 'wayland-0', runtimeDir: dir });
    // wayland-1 has a lock file nobody holds (and a stale socket-less path): free.
    writeFileSync(join(dir, 'wayland-1.lock'), '');
    const a = listenWayland({ runtimeDir: dir });
    assert.equal(a.name, 'wayland-1');
    assert.equal(a.path, join(dir, 'wayland-1'));
    const b = listenWayland({ runtimeDir: dir });
    assert.equal(b.name, 'wayland-2');
    held.close();
    const c = listenWayland({ runtimeDir: dir });
    assert.equal(c.name, 'wayland-0');
    for (const l of [a, b, c]) l.close();
    assert.deepEqual(readdirSync(dir), []);
  });

  test('all of wayland-0 ... wayland-32 held: ERR_NOSIGBUS_SOCKET_NO_FREE_NAME', () => {
    const dir = privateDir();
    const ls = [];
    for (let i = 0; i <= 32; i++) ls.push(listenWayland({ runtimeDir: dir }));
    assert.equal(ls[32]?.name, 'wayland-32');
    assert.equal(codeOf(() => listenWayland({ runtimeDir: dir })), 'ERR_NOSIGBUS_SOCKET_NO_FREE_NAME');
    for (const l of ls) l.close();
    assert.deepEqual(readdirSync(dir), []);
  });

  test('sun_path limit: 107 bytes work, 108 fail with ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG', () => {
    assert.equal(SUN_PATH_MAX, 108);
    const dir = privateDir();
    const fits = 'w'.repeat(SUN_PATH_MAX - 1 - dir.length - 1);
    const l = listenWayland({ name: fits, runtimeDir: dir });
    assert.equal(l.path.length, 107);
    l.close();
    let err: (Error & { code?: string; sysCode?: string }) | undefined;
    try {
      listenWayland({ name: `${fits}w`, runtimeDir: dir });
    } catch (e) {
      err = e as Error & { code?: string };
    }
    assert.equal(err?.code, 'ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG');
    assert.equal(err?.sysCode, 'ENAMETOOLONG');
    assert.equal(codeOf(() => connectWayland(`${fits}w`, dir)), 'ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG');
    assert.deepEqual(readdirSync(dir), [], 'nothing created, no lock file either');
  });

  test('absolute names, missing runtime dir, bad directory', () => {
    const dir = privateDir();
    const l = listenWayland({ name: join(dir, 'abs-socket') });
    assert.equal(l.path, join(dir, 'abs-socket'));
    l.close();
    const saved = process.env.XDG_RUNTIME_DIR;
    delete process.env.XDG_RUNTIME_DIR;
    try {
      assert.equal(codeOf(() => listenWayland({ name: 'wayland-0' })), 'ERR_NOSIGBUS_SOCKET_NO_RUNTIME_DIR');
      assert.equal(codeOf(() => listenWayland({ runtimeDir: 'relative/dir' })), 'ERR_NOSIGBUS_SOCKET_NO_RUNTIME_DIR');
    } finally {
      if (saved !== undefined) process.env.XDG_RUNTIME_DIR = saved;
    }
    assert.equal(codeOf(() => listenWayland({ name: 'x', runtimeDir: join(dir, 'missing') })), 'ERR_NOSIGBUS_SOCKET_LOCK');
    assert.equal(codeOf(() => listenWayland({ name: '' , runtimeDir: dir })), 'ERR_NOSIGBUS_BAD_ARGUMENT');
  });
});

describe('UnixStream', () => {
  test('bytes and 3 fds over a socket pair: same files, close-on-exec, in order', async () => {
    const dir = privateDir();
    const [a, b] = socketPair();
    const files = tempFiles(dir, 3);
    const payload = new TextEncoder().encode('hello fds');
    assert.equal(a.write(payload, files), payload.length);
    const r = await readSome(b);
    assert.equal(r.bytes, payload.length);
    assert.equal(r.fds.length, 3);
    for (let i = 0; i < 3; i++) {
      const got = r.fds[i] as number;
      const mine = files[i] as number;
      assert.notEqual(got, mine);
      assert.equal(fstatSync(got).ino, fstatSync(mine).ino, `fd ${i} is the same file`);
      assert.ok(fdFlags(got) & O_CLOEXEC, 'received fds are close-on-exec');
    }
    // Writing through a received fd reaches the file.
    writeSync(r.fds[1] as number, 'through the socket', 0);
    assert.match(readFileSync(join(dir, 'f1'), 'utf8'), /^through the socket/);
    // The sender's fds were only borrowed.
    for (const fd of files) assert.ok(isOpen(fd));
    for (const fd of [...files, ...r.fds]) closeFd(fd);
    a.close();
    b.close();
  });

  test('28 fds in one write work; 29 are rejected before anything is sent', async () => {
    const dir = privateDir();
    const [a, b] = socketPair();
    const f = tempFiles(dir, 1);
    const file = f[0] as number;
    const fds28 = Array.from({ length: MAX_FDS_PER_SEND }, () => file);
    assert.equal(MAX_FDS_PER_SEND, 28);
    assert.equal(a.write(new Uint8Array([1]), fds28), 1);
    const r = await readSome(b);
    assert.equal(r.fds.length, 28);
    for (const fd of r.fds) {
      assert.equal(fstatSync(fd).ino, fstatSync(file).ino);
      closeFd(fd);
    }
    const before = fdCount();
    assert.equal(codeOf(() => a.write(new Uint8Array([2]), [...fds28, file])), 'ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS');
    assert.equal(
      codeOf(() => nativeSocket.send(a.fd, new Uint8Array([2]), 0, 1, [...fds28, file])),
      'ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS',
    );
    assert.equal(codeOf(() => a.write(new Uint8Array(0), [file])), 'ERR_NOSIGBUS_BAD_ARGUMENT', 'fds need a byte');
    assert.equal(b.read(new Uint8Array(16)), 'again', 'nothing was sent');
    assert.equal(fdCount(), before);
    closeFd(file);
    a.close();
    b.close();
  });

  test('MSG_CTRUNC: a peer sending more fds than fit in one message is fatal and every fd is closed', async () => {
    const dir = privateDir();
    const [a, b] = socketPair();
    const file = tempFiles(dir, 1)[0] as number;
    assert.equal(MAX_FDS_PER_RECV, 128);
    // Exactly the receive capacity is fine.
    assert.equal(nativeSocket.testing.sendRawFds(a.fd, file, MAX_FDS_PER_RECV), 1);
    const ok = await readSome(b);
    assert.equal(ok.fds.length, MAX_FDS_PER_RECV);
    ok.fds.forEach(closeFd);

    const before = fdsOnFileOf(file);
    assert.equal(nativeSocket.testing.sendRawFds(a.fd, file, 250), 1);
    await tick();
    let err: (Error & { code?: string }) | undefined;
    try {
      b.read(new Uint8Array(16));
    } catch (e) {
      err = e as Error & { code?: string };
    }
    assert.equal(err?.code, 'ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED');
    assert.equal(fdsOnFileOf(file), before, 'every fd installed by the truncated receive was closed');
    closeFd(file);
    a.close();
    b.close();
  });

  test('EAGAIN and partial writes are reported exactly; fds never ride on a refused write', async () => {
    const dir = privateDir();
    const [a, b] = socketPair();
    const file = tempFiles(dir, 1)[0] as number;
    const chunk = new Uint8Array(65536).fill(7);
    let total = 0;
    let sawPartial = false;
    for (;;) {
      const n = a.write(chunk);
      if (n === 0) break;
      if (n < chunk.length) sawPartial = true;
      total += n;
    }
    assert.ok(total > 0);
    assert.ok(sawPartial, 'the last write before EAGAIN was short');
    // Socket full: the fds must not go out (0 bytes written).
    assert.equal(a.write(new Uint8Array([9]), [file]), 0);
    // Drain everything: the byte count matches and no fd arrived.
    const buf = new Uint8Array(1 << 16);
    let got = 0;
    const fds: number[] = [];
    for (let i = 0; got < total && i < 10000; i++) {
      const n = b.readInto(buf, 0, buf.length, fds);
      if (n > 0) got += n;
      else await tick();
    }
    assert.equal(got, total);
    assert.equal(b.read(buf), 'again');
    assert.deepEqual(fds, []);
    // Now there is room: the same write carries its fd.
    assert.equal(a.write(new Uint8Array([9]), [file]), 1);
    const r = await readSome(b);
    assert.equal(r.fds.length, 1);
    closeFd(r.fds[0] as number);
    closeFd(file);
    a.close();
    b.close();
  });

  test('end of stream, hang-up on write, use after close, double close', () => {
    const [a, b] = socketPair();
    a.close();
    assert.equal(b.read(new Uint8Array(8)), 'eof');
    assert.equal(codeOf(() => b.write(new Uint8Array([1]))), 'ERR_NOSIGBUS_SOCKET_HANGUP');
    const fd = b.fd;
    b.close();
    assert.equal(b.fd, -1);
    assert.equal(codeOf(() => b.read(new Uint8Array(8))), 'ERR_NOSIGBUS_CLOSED');
    assert.equal(codeOf(() => closeFd(fd)), 'ERR_NOSIGBUS_BAD_FD');
    const d = dupFd(0);
    assert.ok(fdFlags(d) & O_CLOEXEC);
    closeFd(d);
  });

  test('polling: readable and writable callbacks on the event loop; stop; close releases the handle', async () => {
    const basePolls = activePolls();
    const [a, b] = socketPair();
    const events: string[] = [];
    let wake: (() => void) | null = null;
    b.onPoll((err, ev) => {
      assert.equal(err, null);
      if (ev.readable) {
        const r = b.read(new Uint8Array(64));
        events.push(typeof r === 'string' ? r : `read ${r.bytes}`);
      }
      wake?.();
    });
    b.pollStart(true, false);
    assert.equal(activePolls(), basePolls + 1);
    const woke = () => new Promise<void>((resolve) => (wake = resolve));
    let w = woke();
    a.write(new Uint8Array(5));
    await w;
    assert.deepEqual(events, ['read 5']);

    b.pollStop();
    a.write(new Uint8Array(3));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, ['read 5'], 'no callback while stopped');
    w = woke();
    b.pollStart(true, false);
    await w;
    assert.deepEqual(events, ['read 5', 'read 3']);

    // Writable fires at once on an empty socket buffer.
    let writable = false;
    a.onPoll((_err, ev) => {
      writable ||= ev.writable;
      a.pollStop();
    });
    a.pollStart(false, true);
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(writable);

    // Peer hang-up wakes the reader (disconnect), which reads eof.
    w = woke();
    a.close();
    await w;
    assert.equal(events.at(-1), 'eof');
    b.close();
    assert.equal(activePolls(), basePolls + 2, 'uv_close completes on the loop');
    await new Promise((r) => setTimeout(r, 1)); // past the loop's closing-handles phase
    assert.equal(activePolls(), basePolls, 'uv handles closed and freed');
  });

  test('an exception in a poll callback reaches uncaughtException and polling goes on', async () => {
    const [a, b] = socketPair();
    const caught: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const handler = (e: unknown) => caught.push(e);
    process.on('uncaughtException', handler);
    try {
      let calls = 0;
      b.onPoll(() => {
        calls++;
        b.read(new Uint8Array(8));
        throw new Error('boom from a poll callback');
      });
      b.pollStart(true, false);
      a.write(new Uint8Array([1]));
      await new Promise((r) => setTimeout(r, 30));
      a.write(new Uint8Array([2]));
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(calls, 2);
      assert.equal(caught.length, 2);
      assert.match(String(caught[0]), /boom/);
    } finally {
      process.off('uncaughtException', handler);
      for (const l of listeners) process.on('uncaughtException', l);
      a.close();
      b.close();
    }
  });

  test('socketPairForChild: a blocking fd a child process can use (WAYLAND_SOCKET style)', async () => {
    const { stream, childFd } = socketPairForChild();
    assert.equal(fdFlags(childFd) & O_NONBLOCK, 0, 'the child end blocks');
    assert.ok(fdFlags(stream.fd) & O_NONBLOCK, 'our end does not');
    const child = spawn(process.execPath, ['-e', "require('fs').writeSync(3, 'hi from ' + process.env.WAYLAND_SOCKET)"], {
      stdio: ['ignore', 'inherit', 'inherit', childFd],
      env: { ...process.env, WAYLAND_SOCKET: '3' },
    });
    closeFd(childFd);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const buf = new Uint8Array(64);
    let r: ReturnType<UnixStream['read']> = 'again';
    for (let i = 0; i < 100 && r === 'again'; i++, await tick()) r = stream.read(buf);
    assert.ok(typeof r === 'object');
    assert.equal(new TextDecoder().decode(buf.subarray(0, r.bytes)), 'hi from 3');
    stream.close();
  });

  test('1,000 connect/accept/close cycles with fds in flight leave no fd behind', async () => {
    const dir = privateDir();
    const file = tempFiles(dir, 1)[0] as number;
    const l = listenWayland({ name: 'wayland-cycles', runtimeDir: dir });
    const before = fdCount();
    const basePolls = activePolls();
    for (let i = 0; i < 1000; i++) {
      const c = connectWayland(l.path);
      c.write(new Uint8Array(8), [file, file, file]);
      let s: UnixStream | null = null;
      while (!(s = l.accept())) await tick();
      if (i % 2) {
        // Half the time the server receives (and owns, and closes) the fds.
        const r = await readSome(s);
        r.fds.forEach(closeFd);
      }
      // Otherwise they die in flight with the sockets.
      s.close();
      c.close();
    }
    await tick();
    assert.equal(fdCount(), before);
    assert.equal(activePolls(), basePolls);
    l.close();
    closeFd(file);
  });
});

test('a closed listener cannot accept; close is idempotent', () => {
  const dir = privateDir();
  const l = listenWayland({ name: 'w', runtimeDir: dir });
  l.close();
  assert.equal(codeOf(() => l.accept()), 'ERR_NOSIGBUS_CLOSED');
  assert.equal(codeOf(() => l.onConnection(() => {})), 'ERR_NOSIGBUS_CLOSED');
  closeSync(openSync(join(dir, 'keep'), 'w'));
  assert.deepEqual(readdirSync(dir), ['keep']);
});

test('a worker terminated with open polls tears them down cleanly (async cleanup hook)', async () => {
  const url = pathToFileURL(socketModule).href;
  const dir = privateDir();
  for (let round = 0; round < 3; round++) {
    const worker = new Worker(
      `import(${JSON.stringify(url)}).then((m) => {
        const [a, b] = m.socketPair();
        b.onPoll(() => b.read(new Uint8Array(64)));
        b.pollStart(true, false);
        a.onPoll(() => {});
        a.pollStart(true, true);
        const l = m.listenWayland({ name: 'worker-' + ${round}, runtimeDir: ${JSON.stringify(dir)} });
        l.onConnection((s) => s.close());
        require('worker_threads').parentPort.postMessage(m.activePolls());
      });`,
      { eval: true },
    );
    const polls = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(polls, 3);
    const code = await worker.terminate();
    assert.equal(code, 1);
    // Its listener was released at teardown: socket and lock file unlinked, lock free.
    assert.equal(existsSync(join(dir, `worker-${round}`)), false);
    assert.equal(existsSync(join(dir, `worker-${round}.lock`)), false);
    const l = listenWayland({ name: `worker-${round}`, runtimeDir: dir });
    l.close();
  }
});

test('send: a JS getter on the fd list that detaches the buffer cannot make sendmsg read freed memory', () => {
  const [a, b] = socketPair();
  const fd = openSync('/dev/null', 'r');
  const ab = new ArrayBuffer(1 << 20);
  const bytes = new Uint8Array(ab);
  const fds: number[] = [];
  Object.defineProperty(fds, 0, {
    get() {
      structuredClone(ab, { transfer: [ab] }); // detaches (and frees) the buffer
      return fd;
    },
    enumerable: true,
  });
  Object.defineProperty(fds, 'length', { value: 1 });
  assert.throws(() => a.write(bytes, fds), { code: 'ERR_NOSIGBUS_BAD_RANGE' });
  closeSync(fd);
  a.close();
  b.close();
});
