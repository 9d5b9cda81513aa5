/*
 * nosigbus.h: MAP_NOSIGBUS in user space, for C programs (libnosigbus).
 *
 * A mapping made by nosigbus_mmap never raises SIGBUS because its file
 * shrank: a page wholly past end of file reads zeros (and a write there is
 * discarded), the partial last page reads the kernel's way, bytes before end
 * of file stay live and shared. A page that read zeros stays zero in this
 * mapping until nosigbus_mremap (even if the file grows back). A SIGBUS that
 * is not a truncation of a guarded mapping still goes to the program's
 * previous SIGBUS handler, or kills the process with SIGBUS.
 * The full contract: docs/contract.md, its twelve points.
 *
 * Link: cc ... $(pkg-config --cflags --libs nosigbus)   (-lnosigbus -lpthread)
 * Thread-safe; no begin/end access brackets. Not async-signal-safe (like
 * mmap in practice: do not call these from a signal handler).
 */
#ifndef NOSIGBUS_H
#define NOSIGBUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NOSIGBUS_API __attribute__((visibility("default")))
#else
#define NOSIGBUS_API
#endif

/* mmap(2)'s signature. fd must be a regular file (memfd, shm_open, tmpfs,
 * or a file on a disk filesystem), flags MAP_SHARED or MAP_PRIVATE (plus
 * the usual modifiers, MAP_FIXED included), offset any value >= 0: the
 * result points at byte `offset` of the file even when it is not page
 * aligned. fd may be closed afterwards (the mapping keeps its own dup).
 * Returns MAP_FAILED with errno set: mmap's errors, and
 *   ENODEV  fd is not a regular file (pipe, socket, device, dmabuf...);
 *   EINVAL  len 0, offset < 0, MAP_ANONYMOUS, a hugetlbfs file, or a
 *           MAP_FIXED addr that is not page aligned minus offset's remainder;
 *   EPERM   a FUSE file (its server could stall every fault);
 *   ENOMEM  also when the guard's share of vm.max_map_count is spent. */
NOSIGBUS_API void *nosigbus_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);

/* Unmaps [addr, addr+len). addr may be the (unaligned) pointer nosigbus_mmap
 * returned. Rescues in flight on the range finish first. Unmapping part of a
 * guarded mapping keeps the rest guarded. Ranges that are not guarded are
 * unmapped as munmap(2) would. */
NOSIGBUS_API int nosigbus_munmap(void *addr, size_t len);

/* Resizes the guarded mapping that nosigbus_mmap returned at old_addr
 * (old_len its current length). With MREMAP_MAYMOVE a growth maps the file
 * afresh at a new address (pages that read zeros follow the file again);
 * without it the mapping grows in place or fails with ENOMEM. MREMAP_FIXED
 * and MREMAP_DONTUNMAP: EINVAL. An address that is not a guarded mapping's
 * start is passed to mremap(2). */
NOSIGBUS_API void *nosigbus_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...);

struct nosigbus_stats {
  uint64_t rescues;     /* truncations rescued in this mapping (tail mode: one per truncation) */
  int64_t first_fault;  /* offset from the mapping's start of the first rescued access, -1 if none */
  int degraded;         /* a whole mapping had to be replaced by zeros (kernel refused a split) */
};

/* Stats of the guarded mapping holding addr (any address inside it).
 * Returns 0, or -1 with errno EINVAL if addr is in no guarded mapping.
 * Use it after reading a client's buffer to tell a truncation happened
 * (post a protocol error, disconnect, log). */
NOSIGBUS_API int nosigbus_stats(const void *addr, struct nosigbus_stats *out);

#ifdef __cplusplus
}
#endif

#endif
