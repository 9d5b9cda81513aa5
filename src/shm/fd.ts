// Helpers around the fds that back mappings: memfd creation, seals, size.
// Seals are information, never trust (docs/contract.md point 12).
import { native } from './native.js';

export const SEAL = { seal: 0x1, shrink: 0x2, grow: 0x4, write: 0x8, futureWrite: 0x10, exec: 0x20 } as const;
export type SealName = keyof typeof SEAL;
export type Seals = Record<SealName, boolean>;

export interface MemfdOptions {
  /** Seals to add after sizing: `true` means shrink + grow + seal (what careful clients do). */
  seal?: boolean | readonly SealName[];
  /** MFD_NOEXEC_SEAL (kernel >= 6.3). */
  noexec?: boolean;
}

/** Creates a memfd of `size` bytes (close-on-exec). */
export function memfd(name: string, size: number, options: MemfdOptions = {}): number {
  const names: readonly SealName[] = options.seal === true ? ['shrink', 'grow', 'seal'] : options.seal || [];
  const bits = names.reduce((acc, n) => acc | SEAL[n], 0);
  return native.memfd(name, size, bits, options.noexec ?? false);
}

/** The seals on fd; all false for files that cannot be sealed. */
export function seals(fd: number): Seals {
  const bits = native.seals(fd);
  const out = {} as Seals;
  for (const [name, bit] of Object.entries(SEAL) as [SealName, number][]) out[name] = (bits & bit) !== 0;
  return out;
}

/** The current size of the file behind fd. */
export function fileSize(fd: number): number {
  return native.fileSize(fd);
}

/** Adds seals to a memfd (F_ADD_SEALS); throws ERR_NOSIGBUS_MEMFD if the kernel refuses. */
export function addSeals(fd: number, names: readonly SealName[]): void {
  native.addSeals(fd, names.reduce((acc, n) => acc | SEAL[n], 0));
}
