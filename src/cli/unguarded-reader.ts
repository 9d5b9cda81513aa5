// The contrast in the main job: what the sealed-resize attack does to a
// reader with a plain, unguarded mmap (libwayland trusts F_SEAL_SHRINK and
// skips its SIGBUS handling for such a pool). Run as a child process: it
// dies of SIGBUS, which is the point.
import { memfd, pageSize } from '../shm/index.js';
import { native } from '../shm/native.js';

const size = 16 * pageSize;
// A sealed memfd (it cannot shrink: "SIGBUS is impossible"), then the pool is
// resized to twice the file, and the reader touches the new half.
const fd = memfd('sealed-pool', size, { seal: true });
native.readUnguarded(fd, 2 * size);
console.log('the unguarded reader survived (it should not have)');
