/*
 * libnosigbus.c: the C API (include/nosigbus.h) over the guard.
 *
 * Each guarded mapping is a record: the page-aligned span the guard holds,
 * the window the caller sees inside it (an unaligned file offset starts
 * inside the first page), and a dup of the fd (the guard fstat's it to find
 * end of file; the caller may close theirs). Records are kept sorted by
 * address under one mutex; nothing here runs in the signal handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/nosigbus.h"
#include "../guard/admit.h"
#include "../guard/guard.h"
#include "nosigbus-internal.h"

typedef struct rec {
  uintptr_t base; /* page aligned */
  size_t span;
  size_t delta;   /* window start - base (offset % page) */
  size_t len;     /* window length */
  int prot, flags, fd;
  uint64_t file_offset; /* of base */
  struct stat st;
  enum guard_backing backing;
  guard_slot *slot;
} rec;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static rec *g_recs;
static size_t g_nrecs, g_cap;
static _Atomic size_t g_live;

static void *(*sys_mmap)(void *, size_t, int, int, int, off_t) = mmap;
static int (*sys_munmap)(void *, size_t) = munmap;
static nsb_mremap_fn sys_mremap = mremap;

void nsb_use_syscalls(const guard_syscalls *sys, nsb_mremap_fn mremap_fn) {
  if (sys->mmap_fn) sys_mmap = sys->mmap_fn;
  if (sys->munmap_fn) sys_munmap = sys->munmap_fn;
  if (mremap_fn) sys_mremap = mremap_fn;
  guard_use_syscalls(sys);
}

void (*nsb_rescued)(const guard_stats *stats, size_t len);

/* Stops guarding r's slot: released (drained, unmapped) or forgotten (left mapped). */
static void unguard_rec(const rec *r, int release) {
  if (nsb_rescued) {
    guard_stats s;
    guard_read_stats(r->slot, &s);
    if (s.rescues) nsb_rescued(&s, r->len);
  }
  if (release) guard_release(r->slot);
  else guard_forget(r->slot);
}

int nsb_any(void) { return atomic_load_explicit(&g_live, memory_order_relaxed) != 0; }

static size_t page(void) { return guard_page_size(); }
static size_t round_up(size_t n) { return (n + page() - 1) & ~(page() - 1); }

/* fork(): g_mu is held across it, before the guard's lock (the order every
 * path takes them), so the child never inherits a half-updated list. */
__attribute__((constructor)) static void hold_list_across_fork(void) { guard_fork_outer(&g_mu); }

int nsb_install(void) {
  int rc = guard_install();
  if (rc == 0) guard_ensure_first(); /* someone may have replaced our SIGBUS action since */
  return rc;
}

/* ---- records (under g_mu) ---- */

static size_t first_at_or_after(uintptr_t addr) { /* first record with base + span > addr */
  size_t lo = 0, hi = g_nrecs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (g_recs[mid].base + g_recs[mid].span <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int add_rec(const rec *r) {
  if (g_nrecs == g_cap) {
    size_t cap = g_cap ? g_cap * 2 : 64;
    rec *n = realloc(g_recs, cap * sizeof *n);
    if (!n) return -1;
    g_recs = n;
    g_cap = cap;
  }
  size_t at = first_at_or_after(r->base);
  memmove(&g_recs[at + 1], &g_recs[at], (g_nrecs - at) * sizeof *g_recs);
  g_recs[at] = *r;
  g_nrecs++;
  atomic_store(&g_live, g_nrecs);
  return 0;
}

static void drop_rec(size_t at) {
  memmove(&g_recs[at], &g_recs[at + 1], (g_nrecs - at - 1) * sizeof *g_recs);
  g_nrecs--;
  atomic_store(&g_live, g_nrecs);
}

/* Registers r (mapped, fd owned) with the guard and the records. 0, or an errno
 * (r is then left mapped and r->fd open). */
static int guard_rec(rec *r) {
  r->slot = guard_register((void *)r->base, r->span, r->prot, GUARD_TAIL, r->fd, &r->st, r->file_offset, r->backing);
  if (!r->slot) return errno == ENOSPC ? ENOMEM : errno;
  if (add_rec(r) != 0) {
    guard_forget(r->slot);
    return ENOMEM;
  }
  return 0;
}

/* A piece [lo, hi) of an existing record, guarded again (after a partial unmap). */
static void keep_piece(const rec *r, uintptr_t lo, uintptr_t hi, int *fd_used) {
  rec p = *r;
  p.base = lo;
  p.span = hi - lo;
  p.file_offset = r->file_offset + (lo - r->base);
  p.delta = lo == r->base ? r->delta : 0;
  size_t end = r->base + r->delta + r->len;
  p.len = (end < hi ? end : hi) - (lo + p.delta);
  p.fd = *fd_used ? fcntl(r->fd, F_DUPFD_CLOEXEC, 3) : r->fd;
  if (p.fd < 0) return; /* no fd left: that piece stays mapped, unguarded */
  *fd_used = 1;
  if (guard_rec(&p) != 0 && p.fd != r->fd) close(p.fd);
}

int nsb_unguard(uintptr_t lo, uintptr_t hi, int unmap) {
  if (!nsb_any()) return unmap ? sys_munmap((void *)lo, hi - lo) : 0;
  pthread_mutex_lock(&g_mu);
  size_t at = first_at_or_after(lo), n = 0;
  rec cuts[2];
  while (at < g_nrecs && g_recs[at].base < hi) {
    rec r = g_recs[at];
    drop_rec(at);
    int whole = r.base >= lo && r.base + r.span <= hi;
    unguard_rec(&r, 0); /* rescues in flight drained; unmapped below, in one munmap of [lo, hi) */
    if (whole) {
      close(r.fd);
      continue;
    }
    /* Partial: at most the first and the last record overlapping [lo, hi). */
    if (n < 2) cuts[n++] = r;
  }
  int rc = unmap ? sys_munmap((void *)lo, hi - lo) : 0;
  int err = errno;
  for (size_t i = 0; i < n; i++) {
    int used = 0;
    if (cuts[i].base < lo) keep_piece(&cuts[i], cuts[i].base, lo, &used);
    if (cuts[i].base + cuts[i].span > hi) keep_piece(&cuts[i], hi, cuts[i].base + cuts[i].span, &used);
    if (!used) close(cuts[i].fd);
  }
  pthread_mutex_unlock(&g_mu);
  errno = err;
  return rc;
}

/* ---- the API ---- */

void *nsb_map(void *addr, size_t len, int prot, int flags, int fd, off_t offset, const struct stat *st,
              enum guard_backing backing) {
  int err = nsb_install();
  if (err) {
    errno = err;
    return MAP_FAILED;
  }
  size_t delta = (size_t)offset & (page() - 1);
  if (len == 0 || len > SIZE_MAX - 2 * page()) {
    errno = len ? ENOMEM : EINVAL;
    return MAP_FAILED;
  }
  rec r = {0};
  r.span = round_up(len + delta);
  uintptr_t want = (uintptr_t)addr - delta;
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (want & (page() - 1))) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  r.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (r.fd < 0) return MAP_FAILED;
  if (flags & MAP_FIXED) nsb_unguard(want, want + r.span, 0); /* replaced: no longer ours to guard */
  void *base = sys_mmap(addr ? (void *)want : NULL, r.span, prot, flags, fd, offset - (off_t)delta);
  if (base == MAP_FAILED) {
    err = errno;
    close(r.fd);
    errno = err;
    return MAP_FAILED;
  }
  r.base = (uintptr_t)base;
  r.delta = delta;
  r.len = len;
  r.prot = prot;
  r.flags = flags & ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
  r.file_offset = (uint64_t)offset - delta;
  r.st = *st;
  r.backing = backing;
  pthread_mutex_lock(&g_mu);
  err = guard_rec(&r);
  pthread_mutex_unlock(&g_mu);
  if (err) {
    sys_munmap(base, r.span);
    close(r.fd);
    errno = err;
    return MAP_FAILED;
  }
  return (char *)base + delta;
}

void *nosigbus_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  guard_admission admitted;
  int type = flags & MAP_TYPE, err = 0;
  if (offset < 0 || (flags & MAP_ANONYMOUS) || (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE))
    err = EINVAL;
  else
    err = guard_admit_fd(fd, 0, &admitted); /* FUSE refused: no allowFuse in the C API */
  if (err) {
    errno = err;
    return MAP_FAILED;
  }
  return nsb_map(addr, len, prot, flags, fd, offset, &admitted.st, admitted.backing);
}

int nosigbus_munmap(void *addr, size_t len) {
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }
  uintptr_t lo = (uintptr_t)addr & ~(uintptr_t)(page() ? page() - 1 : 4095);
  if (!page()) return sys_munmap(addr, len); /* nothing was ever guarded */
  return nsb_unguard(lo, round_up((uintptr_t)addr + len), 1);
}

/* Under g_mu: the record whose window starts at addr, or -1. */
static long rec_at(uintptr_t addr) {
  size_t at = first_at_or_after(addr);
  return at < g_nrecs && g_recs[at].base + g_recs[at].delta == addr ? (long)at : -1;
}

/* Grows, shrinks or moves record i (under g_mu). */
static void *remap_rec(size_t i, size_t new_len, int flags) {
  rec r = g_recs[i], n = r;
  n.len = new_len;
  n.span = round_up(new_len + r.delta);
  if (n.span <= r.span) { /* in place: the tail goes */
    if (n.span < r.span) {
      drop_rec(i);
      guard_forget(r.slot);
      sys_munmap((void *)(r.base + n.span), r.span - n.span);
      int err = guard_rec(&n);
      if (err) {
        close(n.fd); /* mapped, unguarded: the kernel's behaviour, at least */
        errno = err;
        return MAP_FAILED;
      }
    } else {
      g_recs[i].len = new_len;
    }
    return (void *)(r.base + r.delta);
  }
  void *p;
  if (!(flags & MREMAP_MAYMOVE)) { /* grow in place, if the next pages are free */
    p = sys_mmap((void *)(r.base + r.span), n.span - r.span, r.prot, r.flags | MAP_FIXED_NOREPLACE, r.fd,
                 (off_t)(r.file_offset + r.span));
    if (p == MAP_FAILED || (uintptr_t)p != r.base + r.span) {
      if (p != MAP_FAILED) sys_munmap(p, n.span - r.span);
      errno = ENOMEM;
      return MAP_FAILED;
    }
    drop_rec(i);
    guard_forget(r.slot);
    int err = guard_rec(&n);
    if (err) {
      close(n.fd);
      errno = err;
      return MAP_FAILED;
    }
    return (void *)(r.base + r.delta);
  }
  /* Map afresh: the kernel's mremap refuses a range a rescue split into several VMAs. */
  p = sys_mmap(NULL, n.span, r.prot, r.flags, r.fd, (off_t)r.file_offset);
  if (p == MAP_FAILED) return MAP_FAILED;
  n.base = (uintptr_t)p;
  drop_rec(i);
  int err = guard_rec(&n);
  if (err) {
    sys_munmap(p, n.span);
    add_rec(&r);
    errno = err;
    return MAP_FAILED;
  }
  /* Private writable pages are the mapping's own: carry them over (a guarded copy). */
  if ((r.flags & MAP_TYPE) == MAP_PRIVATE && (r.prot & PROT_WRITE) && (r.prot & PROT_READ))
    memcpy((char *)p + r.delta, (char *)r.base + r.delta, r.len);
  unguard_rec(&r, 1);
  return (char *)p + r.delta;
}

void *nosigbus_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...) {
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    new_addr = va_arg(ap, void *);
    va_end(ap);
  }
  if (nsb_any()) {
    pthread_mutex_lock(&g_mu);
    long i = rec_at((uintptr_t)old_addr);
    if (i >= 0) {
      void *res = MAP_FAILED;
      if ((flags & ~MREMAP_MAYMOVE) || new_len == 0) errno = EINVAL;
      else res = remap_rec((size_t)i, new_len, flags);
      pthread_mutex_unlock(&g_mu);
      return res;
    }
    pthread_mutex_unlock(&g_mu);
    /* Part of a guarded mapping, or several: the part that moves is not guarded any more. */
    uintptr_t lo = (uintptr_t)old_addr & ~(uintptr_t)(page() - 1);
    nsb_unguard(lo, round_up((uintptr_t)old_addr + (old_len ? old_len : 1)), 0);
  }
  return flags & MREMAP_FIXED ? sys_mremap(old_addr, old_len, new_len, flags, new_addr)
                              : sys_mremap(old_addr, old_len, new_len, flags);
}

int nosigbus_stats(const void *addr, struct nosigbus_stats *out) {
  int rc = -1;
  pthread_mutex_lock(&g_mu);
  size_t at = first_at_or_after((uintptr_t)addr);
  if (at < g_nrecs && g_recs[at].base <= (uintptr_t)addr) {
    guard_stats s;
    guard_read_stats(g_recs[at].slot, &s);
    int64_t d = (int64_t)g_recs[at].delta;
    out->rescues = s.rescues;
    out->first_fault = s.first_fault < 0 ? -1 : s.first_fault < d ? 0 : s.first_fault - d;
    out->degraded = s.degraded;
    rc = 0;
  }
  pthread_mutex_unlock(&g_mu);
  if (rc) errno = EINVAL;
  return rc;
}
