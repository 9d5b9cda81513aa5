/* Shared by libnosigbus.c and preload.c (not installed). */
#ifndef NOSIGBUS_INTERNAL_H
#define NOSIGBUS_INTERNAL_H

#include <sys/stat.h>

#include "../guard/guard.h"

typedef void *(*nsb_mremap_fn)(void *, size_t, size_t, int, ...);

/* The real mmap/munmap/mremap/sigaction the library and the guard call
 * (the preload's wrappers are interposed over libc's). Before any mapping. */
void nsb_use_syscalls(const guard_syscalls *sys, nsb_mremap_fn mremap_fn);

/* nosigbus_mmap after guard_admit_fd (native/guard/admit.h) said yes. */
void *nsb_map(void *addr, size_t len, int prot, int flags, int fd, off_t offset, const struct stat *st,
              enum guard_backing backing);

/* True while some guarded mapping exists (lock-free: the wrappers' fast path). */
int nsb_any(void);

/* Stops guarding [lo, hi) (page aligned); pieces of guarded mappings outside
 * it stay guarded. With unmap, also munmaps [lo, hi). Returns munmap's result. */
int nsb_unguard(uintptr_t lo, uintptr_t hi, int unmap);

/* Called (outside the handler) when a mapping that was rescued is unmapped
 * or remapped: the preload logs it under NOSIGBUS_DEBUG=1. */
extern void (*nsb_rescued)(const guard_stats *stats, size_t len);

/* The guard's install under the library's lock, with the SIGBUS action
 * that was in place before it (what the program sees). Returns 0 or an errno. */
int nsb_install(void);

#endif
