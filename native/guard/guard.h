/*
 * guard: the process-wide table of guarded ranges and the SIGBUS handler.
 *
 * This is the only place in nosigbus that runs inside a signal handler.
 * Invariants (see docs/contract.md, the contract of a guarded mapping):
 *   - ranges are found by binary search in one sorted array under a seqlock
 *     (O(log n) at 100,000 live mappings); slots live in chunks that are
 *     never freed, so a slot pointer stays valid forever, and a generation
 *     number tells a reused slot from the one the search found;
 *   - a slot is ACTIVE while its file is mapped. Closing marks it CLOSING,
 *     maps zeros over the whole range (guard_retire: a pointer may outlive
 *     the close), marks it RETIRED, waits for the handlers counted in
 *     `inflight`, and only then unmaps or takes it out of the table: a fault
 *     during a close waits for the zeros and retries (never dies), and a
 *     rescue can never MAP_FIXED over an unrelated mapping that reused the
 *     address;
 *   - a rescue first *claims* the pages it replaces (a watermark lowered by
 *     CAS, and in page mode one claim byte per page, which the watermark
 *     path also takes), so no page is ever replaced twice and a write made
 *     after a rescue is never discarded, in page mode's fallback too;
 *   - a fault is a truncation only if fstat of the mapped regular file (same
 *     dev/ino as when mapped) says the page is past EOF. On a shmem file
 *     (memfd, tmpfs) a fault on a covered page (tmpfs full, or the file grew
 *     back meanwhile) is rescued too: there is no I/O to protect. On other
 *     filesystems it is an I/O error: retried while the same thread faults
 *     at the same address with no rescue in between, at most
 *     GUARD_IN_FILE_RETRIES times; then a read is let through to kill the
 *     process, and a write (x86-64 tells them apart; elsewhere every fault
 *     counts as a read) is a disk that cannot back it (full, quota): that
 *     page (page mode) or the rest of the mapping (tail mode) becomes
 *     private zeros, and the mapping is degraded;
 *   - every VMA the guard may add is counted against a budget under
 *     vm.max_map_count (re-read, with the VMAs the rest of the process uses
 *     counted from /proc/self/maps and a headroom kept): a mapping reserves
 *     what its rescue needs when it is registered, so a rescue never needs
 *     a mapping the kernel will refuse; registration fails (ENOSPC) when the
 *     budget is spent;
 *   - everything that is not BUS_ADRERR inside a guarded slot goes to the
 *     previous handler with the semantics the kernel would have given it
 *     (sa_mask, SA_NODEFER, SA_RESETHAND, SA_SIGINFO), or kills the process
 *     with SIGBUS (old action restored, signal re-raised; SIG_DFL and
 *     SIG_IGN are never called as functions).
 */
#ifndef NOSIGBUS_GUARD_H
#define NOSIGBUS_GUARD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum guard_mode { GUARD_TAIL = 0, GUARD_PAGE = 1 };

typedef struct guard_slot guard_slot;

typedef struct guard_stats {
  uint64_t rescues;     /* replacements made (tail: one per truncation) */
  int64_t first_fault;  /* offset from the start of the mapping, -1 if none */
  int degraded;         /* a whole range had to be replaced (see guard.c) */
} guard_stats;

typedef struct guard_budget {
  long limit;     /* vm.max_map_count, as last read */
  long others;    /* VMAs of the rest of the process, as last counted */
  long headroom;  /* kept free for the rest of the process to grow */
  long used;      /* VMAs the guard holds or has reserved */
  long available; /* limit - others - headroom - used (may be < 0) */
} guard_budget;

#define GUARD_IN_FILE_RETRIES 1000

/* Also holds `outer` (a lock its caller takes before any guard call that
 * locks) across fork(), outside the guard's own lock. */
void guard_fork_outer(pthread_mutex_t *outer);

/* Installs the SIGBUS handler once per process. Returns 0 or an errno. */
int guard_install(void);

/* If another SIGBUS action replaced ours (sigaction, process.on('SIGBUS')),
 * puts ours back first with that one chained. Returns 1 if it did, 0 if ours
 * was in place, -1 on failure. */
int guard_ensure_first(void);

/* For a preload that interposes mmap, munmap and sigaction: the real
 * functions (dlsym(RTLD_NEXT)) the guard must call instead of the wrappers.
 * Call before guard_install; NULL fields keep libc's. */
struct sigaction;
typedef struct guard_syscalls {
  void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
  int (*munmap_fn)(void *, size_t);
  int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
} guard_syscalls;
void guard_use_syscalls(const guard_syscalls *sys);

/* Makes act the chained previous action (what the program installed for
 * SIGBUS), leaving ours first. Async-signal-safe. */
void guard_set_previous(const struct sigaction *act);

/* Page size, valid after guard_install. */
size_t guard_page_size(void);

/* What a file descriptor's filesystem means for the guard. */
enum guard_backing {
  GUARD_BACKING_SHMEM,    /* tmpfs, memfd, /dev/shm: faults inside EOF read zeros */
  GUARD_BACKING_DISK,     /* other regular files: faults inside EOF are I/O errors */
  GUARD_BACKING_FUSE,     /* served by another process, which can stall every fault */
  GUARD_BACKING_HUGETLB,  /* huge pages: replacements in base pages are rejected */
};
/* (Which fds may be mapped, and their backing: admit.h.) */

/* Registers [base, base+len) (page aligned, already mapped from fd at
 * file_offset; st is fd's fstat; fd must stay open until guard_release or
 * guard_retire returns). Returns NULL with errno set on failure (ENOSPC:
 * the VMA budget is spent; the memory is left mapped). */
guard_slot *guard_register(void *base, size_t len, int prot, enum guard_mode mode, int fd, const struct stat *st,
                           uint64_t file_offset, enum guard_backing backing);

/* Stops guarding: rescues in flight drained (a fault meanwhile waits), then munmap. */
void guard_release(guard_slot *slot);

/* Like guard_release, but leaves the memory mapped as it is (the caller
 * unmaps it, or registers its pieces again). */
void guard_forget(guard_slot *slot);

/* Like guard_release, but leaves private zero pages mapped over the range
 * (a stray pointer reads zeros, and the address cannot be reused) and keeps
 * it counted in the budget until guard_unmap_retired. Returns 0, or -1 if it
 * had to munmap at once. */
int guard_retire(guard_slot *slot, uintptr_t *base, size_t *len);
void guard_unmap_retired(uintptr_t base, size_t len);

void guard_read_stats(guard_slot *slot, guard_stats *out);

/* The VMA budget now (re-reads the limit and recounts if stale). */
void guard_read_budget(guard_budget *out);

/* Number of ACTIVE slots (for tests and leak checks). */
size_t guard_active_count(void);

/* True while our handler is the installed SIGBUS action. */
int guard_handler_installed(void);

/* Testing: caps the limit the guard assumes (0: none), as if vm.max_map_count were lower. */
void guard_set_limit_cap(long cap);

/* Testing and benchmarks: register a range with no VMA reservation, and the
 * time of one lookup of addr in the table (ns, averaged over n lookups). */
guard_slot *guard_register_unbudgeted(void *base, size_t len, int prot, enum guard_mode mode, int fd,
                                      const struct stat *st, uint64_t file_offset);
double guard_lookup_ns(uintptr_t addr, long n);

#endif
