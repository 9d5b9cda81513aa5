// The test hooks of the addon (native/addon/testing.c), typed: `native` is
// the addon src/ uses in this process, loaded as the test build, so the
// hooks act on the guard and the mappings src/ makes. Import this module
// before anything from src/ (src/shm/native.ts then throws: the production
// addon has no hooks); the production addon is what every other test loads.
import './test-build.js';
import { testingBuild, type NativeBinding, type NativeHandle, type NativeSocketBinding } from '../../src/shm/native.js';

/** Opaque native token of a hook (threads, raw mappings, fake ranges). */
export type NativeToken = { readonly __nativeToken: unique symbol };

export interface NativeTestingBinding extends NativeBinding {
  socket: NativeSocketBinding & {
    testing: {
      sendRawFds(sockFd: number, fd: number, n: number): number;
    };
  };
  testing: {
    startThreads(handle: NativeHandle, readers: number, writers: number): NativeToken;
    markTruncated(token: NativeToken): void;
    stopThreads(token: NativeToken): { reads: number; writes: number; lost: number; threads: number };
    sendSigbus(handle: NativeHandle, offset: number, siCode: number): void;
    readUnguarded(fd: number, length: number): ArrayBuffer;
    refuseExternalBuffers(refuse: boolean): void;
    eventfd(): number;
    hugetlbMemfd(size: number): number;
    rawMap(fd: number, length: number): [ArrayBuffer, NativeToken];
    rawUnmap(buffer: ArrayBuffer, handle: NativeToken): void;
    setLimitCap(cap: number): void;
    fakeRanges(n: number): NativeToken;
    dropFakeRanges(token: NativeToken): void;
    lookupNs(handle: NativeHandle, iterations: number): number;
    windowAddress(handle: NativeHandle): number;
  };
}

export const native = testingBuild() as NativeTestingBinding;
/** native.socket, hooks included (src/wire/socket.ts' nativeSocket, typed for the test build). */
export const nativeSocket = native.socket;
