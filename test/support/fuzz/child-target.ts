// A FuzzTarget in a child process (child-compositor.ts): what the long run
// drives. Its fds and memory are read from /proc/<pid>; its death (a signal,
// a status) is a crash with the last lines it wrote to stderr.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectWayland, type UnixStream } from '../../../src/wire/socket.js';
import { fdCount, memoryOf, type FuzzTarget, type HarnessStep, type Leftovers, type TargetProbe } from './target.js';

interface Answer {
  id?: number;
  type?: string;
  ok?: boolean;
  error?: string;
  path?: string;
  line?: string;
  leftovers?: Leftovers;
  clientStats?: number;
  hotspots?: { x: number; y: number }[];
  heapUsed?: number;
  external?: number;
}

const CHILD = fileURLToPath(new URL('./child-compositor.js', import.meta.url));

export class ChildTarget implements FuzzTarget {
  readonly description: string;
  readonly #child: ChildProcess;
  readonly #path: string;
  readonly #errors: string[] = [];
  readonly #stderr: string[] = [];
  readonly #waiting = new Map<number, (a: Answer) => void>();
  #nextId = 1;
  /** The highest VmHWM read (what stands once the process is gone). */
  #peak = 0;
  death: string | null = null;

  private constructor(child: ChildProcess, path: string) {
    this.#child = child;
    this.#path = path;
    this.description = `child-process compositor (pid ${child.pid ?? '?'})`;
    child.on('message', (a: Answer) => this.#onMessage(a));
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk); // everything the compositor says, as it says it
      for (const line of chunk.toString().split('\n')) if (line) this.#stderr.push(line);
      if (this.#stderr.length > 40) this.#stderr.splice(0, this.#stderr.length - 40);
    });
    child.on('exit', (code, signal) => {
      this.death = `exit ${signal ? `by signal ${signal}` : `status ${String(code)}`}${this.#stderr.length ? `; stderr:\n${this.#stderr.join('\n')}` : ''}`;
      for (const resolve of this.#waiting.values()) resolve({ ok: false, error: this.death });
      this.#waiting.clear();
    });
    // The IPC channel breaks when the child dies (EPIPE): its 'exit' tells why.
    child.on('error', (e) => {
      for (const resolve of this.#waiting.values()) resolve({ ok: false, error: `IPC: ${e.message}` });
      this.#waiting.clear();
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Starts a compositor process and waits until it listens. */
  static start(options: { width?: number; height?: number; truncationPolicy?: 'error' | 'zero' } = {}): Promise<ChildTarget> {
    const args = ['--width', String(options.width ?? 640), '--height', String(options.height ?? 480)];
    if (options.truncationPolicy === 'zero') args.push('--zero');
    const child = fork(CHILD, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv: ['--expose-gc'] });
    return new Promise((resolve, reject) => {
      const onMessage = (a: Answer): void => {
        if (a.type !== 'ready' || !a.path) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(new ChildTarget(child, a.path));
      };
      const onExit = (code: number | null, signal: string | null): void => reject(new Error(`the compositor exited before listening (${String(signal ?? code)})`));
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  }

  #onMessage(a: Answer): void {
    if (a.type === 'log' && a.line) {
      if (/^nosigbus: error: /.test(a.line)) this.#errors.push(a.line);
      return;
    }
    if (a.id === undefined) return;
    const resolve = this.#waiting.get(a.id);
    this.#waiting.delete(a.id);
    resolve?.(a);
  }

  #ask(message: object): Promise<Answer> {
    if (this.death || !this.#child.connected) return this.#exited().then(() => ({ ok: false, error: this.death ?? 'the compositor is gone' }));
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.send({ ...message, id }, (e) => {
        if (!e) return;
        this.#waiting.delete(id);
        resolve({ ok: false, error: `IPC: ${e.message}` });
      });
    });
  }

  /** Resolves once the child has exited (at once if it has), or after 2 s. */
  #exited(): Promise<void> {
    if (this.death || this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        setImmediate(resolve);
      });
    });
  }

  connect(_label: string): UnixStream {
    return connectWayland(this.#path);
  }

  async drive(step: HarnessStep): Promise<void> {
    const a = await this.#ask({ cmd: 'step', step });
    if (a.ok || this.death) return;
    if (a.error?.startsWith('IPC: ')) await this.#exited(); // a dead child: its exit tells why
    if (!this.death) throw new Error(a.error ?? 'step failed');
  }

  async hotspots(): Promise<{ x: number; y: number }[]> {
    return (await this.#ask({ cmd: 'hotspots' })).hotspots ?? [];
  }

  /** JS heap and external memory still referenced after a full garbage collection (a leak grows it). */
  async heapAfterGc(): Promise<{ heapUsed: number; external: number }> {
    const a = await this.#ask({ cmd: 'heap' });
    return { heapUsed: a.heapUsed ?? -1, external: a.external ?? -1 };
  }

  takeErrors(): string[] {
    return this.#errors.splice(0);
  }

  async probe(): Promise<TargetProbe> {
    const a = await this.#ask({ cmd: 'leftovers' });
    const pid = this.pid;
    let mem = { rss: 0, hwm: this.#peak };
    let fds = -1;
    try {
      mem = memoryOf(pid);
      fds = fdCount(pid);
    } catch {
      // gone between the question and now: its last figures stand
    }
    this.#peak = Math.max(this.#peak, mem.hwm);
    const empty: Leftovers = { connectedClients: -1, clientsNotMarkedDisconnected: -1, windows: -1, layerSurfaces: -1, clipboardSource: -1, primarySource: -1, keyboardFocus: -1, pointerFocus: -1, pointerGrab: -1, cursor: -1, dragIcon: -1, pointerConstraints: -1, idleInhibitors: -1, captureSessions: -1, captureDamageLogs: -1, capturesWaiting: -1, mappings: -1, polls: -1 };
    return { fds, rssBytes: mem.rss, peakRssBytes: this.#peak, leftovers: a.leftovers ?? empty, clientStats: a.clientStats ?? -1 };
  }

  async close(): Promise<void> {
    if (this.death) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ cmd: 'exit' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
