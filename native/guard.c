/*
 * guard.c: range table + SIGBUS handler. Read guard.h for the invariants.
 *
 * The handler (on_sigbus and everything it calls) is async-signal-safe:
 * atomics, fstat, mmap, sigaction, raise; no locks, no malloc, no stdio.
 */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The handler relies on these being real atomics, not libatomic locks. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "long atomics must be lock-free");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics must be lock-free");

#define SLOTS_PER_CHUNK 256

enum slot_state { SLOT_FREE = 0, SLOT_ACTIVE = 1, SLOT_CLOSING = 2 };

struct guard_slot {
  _Atomic int state;
  _Atomic int inflight;       /* handlers currently inside this slot */
  _Atomic uintptr_t base;     /* page aligned */
  _Atomic size_t len;         /* page aligned */
  int prot;
  int mode;
  int fd;                     /* the mapped file (the mapping's own dup), for fstat */
  dev_t dev;                  /* ...and its identity: a reused fd number is not it */
  ino_t ino;
  int regular;                /* S_ISREG: only then does st_size say where EOF is */
  uint64_t file_offset;       /* file offset of base */
  _Atomic size_t watermark;   /* tail: pages at offsets >= watermark are claimed */
  _Atomic(unsigned char *) claims; /* page: one claim byte per page */
  _Atomic int whole;          /* page mode fallback: everything was claimed */
  _Atomic long page_vmas;     /* estimated VMAs this slot's page rescues added */
  _Atomic uint64_t rescues;
  _Atomic int64_t first_fault;
  _Atomic int degraded;
  _Atomic uintptr_t in_file_addr;  /* last fault on a page the file still covers */
  _Atomic unsigned in_file_faults; /* ...and how many times in a row it faulted */
};

struct chunk {
  struct guard_slot slots[SLOTS_PER_CHUNK];
  struct chunk *_Atomic next;
};

static struct chunk g_first;                 /* chunks are appended, never freed */
static pthread_mutex_t g_alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction g_old;               /* the action we replaced */
static _Atomic int g_installed;
static size_t g_page;
/* Single-page rescues split VMAs. Past this budget (half of vm.max_map_count,
 * net of merges with neighbouring rescued pages) page mode degrades before the
 * kernel refuses a mapping at an unlucky moment (e.g. another thread maps). */
static long g_page_vma_budget;
static _Atomic long g_page_vmas;

size_t guard_page_size(void) { return g_page; }

/* ---- the handler (async-signal-safe from here to on_sigbus) ---- */

static int anon_over(uintptr_t addr, size_t len, int prot) {
  void *p = mmap((void *)addr, len, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? -1 : 0;
}

static void note_fault(struct guard_slot *s, size_t off) {
  int64_t none = -1;
  atomic_compare_exchange_strong(&s->first_fault, &none, (int64_t)off);
}

/* Tail mode: claim [start, watermark) by lowering the watermark, then replace
 * exactly the claimed pages. A page above the watermark is someone else's
 * (maybe holding writes made after its rescue) and is never replaced again. */
static int rescue_tail(struct guard_slot *s, uintptr_t base, size_t start) {
  size_t cur = atomic_load(&s->watermark);
  do {
    if (start >= cur) return 0; /* claimed by another rescue: retrying the access is enough */
  } while (!atomic_compare_exchange_weak(&s->watermark, &cur, start));
  if (anon_over(base + start, cur - start, s->prot) == 0) {
    atomic_fetch_add(&s->rescues, 1);
    return 0;
  }
  /* The kernel refused a new VMA (vm.max_map_count): claim everything below
   * too, so one replacement covers the file-backed part without a split. */
  size_t low = atomic_load(&s->watermark);
  while (low > 0 && !atomic_compare_exchange_weak(&s->watermark, &low, 0)) {
  }
  atomic_store(&s->degraded, 1);
  if (low == start) {
    if (anon_over(base, cur, s->prot) != 0) return -1;
  } else {
    if (low > 0 && anon_over(base, low, s->prot) != 0) return -1;
    if (anon_over(base + start, cur - start, s->prot) != 0) return -1;
  }
  atomic_fetch_add(&s->rescues, 1);
  return 0;
}

static int claimed(unsigned char *claims, size_t idx) {
  return atomic_load((_Atomic unsigned char *)&claims[idx]) != 0;
}

/* Page mode, degraded: replace from the first page past EOF to the end (one
 * VMA; pages before EOF stay live), or the whole range if even that is refused. */
static int rescue_all(struct guard_slot *s, uintptr_t base, size_t len, size_t eof) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&s->whole, &expected, 1)) return 0;
  atomic_store(&s->degraded, 1);
  if (eof >= len || anon_over(base + eof, len - eof, s->prot) != 0)
    if (anon_over(base, len, s->prot) != 0) return -1;
  atomic_fetch_sub(&g_page_vmas, atomic_exchange(&s->page_vmas, 0));
  atomic_fetch_add(&s->rescues, 1);
  return 0;
}

/* Page mode: claim one page by its claim byte, then replace it. */
static int rescue_page(struct guard_slot *s, uintptr_t base, size_t len, size_t off, size_t eof) {
  if (atomic_load(&s->whole)) return 0;
  unsigned char *claims = atomic_load(&s->claims);
  size_t idx = off / g_page, npages = len / g_page;
  if (atomic_exchange((_Atomic unsigned char *)&claims[idx], 1) != 0) return 0;
  /* A page between two rescued ones merges them (-2 VMAs); next to one, it
   * extends it (0); alone, it splits the file mapping (+2). */
  long delta = 2 - 2 * ((idx > 0 && claimed(claims, idx - 1)) + (idx + 1 < npages && claimed(claims, idx + 1)));
  if (atomic_fetch_add(&g_page_vmas, delta) + delta > g_page_vma_budget) {
    atomic_fetch_sub(&g_page_vmas, delta);
    return rescue_all(s, base, len, eof);
  }
  atomic_fetch_add(&s->page_vmas, delta);
  /* Re-check after claiming: a degradation that started meanwhile owns the range. */
  if (atomic_load(&s->whole)) return 0;
  if (anon_over(base + off, g_page, s->prot) == 0) {
    atomic_fetch_add(&s->rescues, 1);
    return 0;
  }
  return rescue_all(s, base, len, eof); /* the kernel refused: vm.max_map_count */
}

/* A fault on a page the file still covers is not a truncation: either the
 * file grew back after the fault (the retry succeeds) or it is an I/O error,
 * which must not be papered over with zeros: the same address faulting this
 * many times in a row is let through to kill the process. */
#define IN_FILE_RETRIES 1000

/* Offset (from base) of the first page wholly past end of file; SIZE_MAX when
 * that cannot be known for this file (not a regular file, fd not the file we
 * mapped any more, fstat failed): such a fault is not ours to paper over. */
static size_t eof_page(struct guard_slot *s) {
  struct stat st;
  if (!s->regular || fstat(s->fd, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino) return SIZE_MAX;
  uint64_t end = ((uint64_t)st.st_size + g_page - 1) & ~(uint64_t)(g_page - 1);
  return end > s->file_offset ? (size_t)(end - s->file_offset) : 0;
}

/* 1: handled, retry the access. 0: not a truncation of this slot. -1: ours,
 * but the kernel refused every replacement (the process must die). */
static int rescue(struct guard_slot *s, uintptr_t base, size_t len, uintptr_t addr) {
  size_t off = (addr - base) & ~(g_page - 1);
  size_t eof = eof_page(s);
  if (eof == SIZE_MAX) return 0;
  if (off < eof) {
    uintptr_t last = atomic_exchange(&s->in_file_addr, addr);
    if (last != addr) atomic_store(&s->in_file_faults, 0);
    return atomic_fetch_add(&s->in_file_faults, 1) < IN_FILE_RETRIES ? 1 : 0;
  }
  note_fault(s, addr - base);
  /* Tail: start at the first page past EOF, not at the faulting page, so
   * threads faulting at different pages of one truncation cost one
   * replacement, not one each. */
  int rc = s->mode == GUARD_PAGE ? rescue_page(s, base, len, off, eof) : rescue_tail(s, base, eof);
  return rc == 0 ? 1 : -1;
}

static int try_rescue(uintptr_t addr) {
  for (struct chunk *c = &g_first; c; c = atomic_load(&c->next)) {
    for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
      struct guard_slot *s = &c->slots[i];
      if (atomic_load_explicit(&s->state, memory_order_relaxed) != SLOT_ACTIVE) continue;
      if (addr - atomic_load_explicit(&s->base, memory_order_relaxed) >=
          atomic_load_explicit(&s->len, memory_order_relaxed))
        continue;
      /* Count ourselves in, then re-check state *before* reading the fields:
       * guard_release sets CLOSING before waiting for inflight == 0, and
       * guard_register writes every field before ACTIVE, so an ACTIVE seen
       * here guarantees the fields below belong to one live mapping. */
      atomic_fetch_add(&s->inflight, 1);
      int rc = 0;
      if (atomic_load(&s->state) == SLOT_ACTIVE) {
        uintptr_t base = atomic_load(&s->base);
        size_t len = atomic_load(&s->len);
        if (addr - base < len) rc = rescue(s, base, len, addr);
      }
      atomic_fetch_sub(&s->inflight, 1);
      if (rc != 0) return rc;
    }
  }
  return 0;
}

static void die_by_sigbus(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGBUS, &dfl, NULL);
  /* SIGBUS is blocked while we run: it stays pending and is delivered with
   * the default action as soon as the handler returns. A hardware fault
   * would re-fault anyway; a signal sent by kill() would not. */
  raise(SIGBUS);
}

static void chain(int sig, siginfo_t *info, void *uctx) {
  /* sa_handler and sa_sigaction share storage: test for SIG_DFL/SIG_IGN
   * first, whatever SA_SIGINFO says, so neither is ever called. */
  if (g_old.sa_handler == SIG_IGN) {
    /* Ignoring a signal somebody sent is fine; a fault cannot be ignored. */
    if (info->si_code <= 0) return;
  } else if (g_old.sa_handler != SIG_DFL) {
    if (g_old.sa_flags & SA_SIGINFO)
      g_old.sa_sigaction(sig, info, uctx);
    else
      g_old.sa_handler(sig);
    return;
  }
  die_by_sigbus();
}

static void on_sigbus(int sig, siginfo_t *info, void *uctx) {
  int saved_errno = errno;
  int rc = 0;
  if (info->si_code == BUS_ADRERR) rc = try_rescue((uintptr_t)info->si_addr);
  if (rc == -1)
    die_by_sigbus(); /* ours, but no memory left to put under it */
  else if (rc == 0)
    chain(sig, info, uctx);
  errno = saved_errno;
}

/* ---- outside the handler ---- */

static long read_max_map_count(void) {
  char buf[32] = {0};
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 65530;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  long v = n > 0 ? strtol(buf, NULL, 10) : 0;
  return v > 0 ? v : 65530;
}

static void install_once(void) {
  g_page = (size_t)sysconf(_SC_PAGESIZE);
  g_page_vma_budget = read_max_map_count() / 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGBUS, &sa, &g_old) == 0) atomic_store(&g_installed, 1);
}

int guard_install(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install_once);
  return atomic_load(&g_installed) ? 0 : EINVAL;
}

int guard_handler_installed(void) {
  struct sigaction cur;
  if (sigaction(SIGBUS, NULL, &cur) != 0) return 0;
  return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus;
}

static struct guard_slot *take_free_slot(void) {
  struct chunk *c = &g_first;
  for (;;) {
    for (int i = 0; i < SLOTS_PER_CHUNK; i++)
      if (atomic_load(&c->slots[i].state) == SLOT_FREE) return &c->slots[i];
    struct chunk *next = atomic_load(&c->next);
    if (!next) {
      next = calloc(1, sizeof *next);
      if (!next) return NULL;
      atomic_store(&c->next, next); /* publish after zeroing: all slots FREE */
    }
    c = next;
  }
}

guard_slot *guard_register(void *base, size_t len, int prot, enum guard_mode mode, int fd, const struct stat *st,
                           uint64_t file_offset) {
  unsigned char *claims = NULL;
  if (mode == GUARD_PAGE) {
    claims = calloc(len / g_page, 1);
    if (!claims) {
      errno = ENOMEM;
      return NULL;
    }
  }
  pthread_mutex_lock(&g_alloc_lock);
  struct guard_slot *s = take_free_slot();
  if (!s) {
    pthread_mutex_unlock(&g_alloc_lock);
    free(claims);
    errno = ENOMEM;
    return NULL;
  }
  /* A handler may have counted itself in while scanning this FREE slot; it
   * leaves without reading fields, but wait so none is inside while we write. */
  while (atomic_load(&s->inflight) != 0) sched_yield();
  atomic_store(&s->base, (uintptr_t)base);
  atomic_store(&s->len, len);
  s->prot = prot;
  s->mode = mode;
  s->fd = fd;
  s->dev = st->st_dev;
  s->ino = st->st_ino;
  s->regular = S_ISREG(st->st_mode);
  s->file_offset = file_offset;
  atomic_store(&s->watermark, len);
  atomic_store(&s->claims, claims);
  atomic_store(&s->whole, 0);
  atomic_store(&s->page_vmas, 0);
  atomic_store(&s->rescues, 0);
  atomic_store(&s->first_fault, -1);
  atomic_store(&s->degraded, 0);
  atomic_store(&s->in_file_addr, 0);
  atomic_store(&s->in_file_faults, 0);
  atomic_store(&s->state, SLOT_ACTIVE);
  pthread_mutex_unlock(&g_alloc_lock);
  return s;
}

/* Stops guarding and waits for rescues in flight; the memory stays mapped. */
static void unregister(guard_slot *s, uintptr_t *base, size_t *len) {
  atomic_store(&s->state, SLOT_CLOSING);
  while (atomic_load(&s->inflight) != 0) sched_yield();
  *base = atomic_load(&s->base);
  *len = atomic_load(&s->len);
}

static void free_slot(guard_slot *s) {
  atomic_fetch_sub(&g_page_vmas, atomic_exchange(&s->page_vmas, 0));
  free(atomic_exchange(&s->claims, NULL));
  atomic_store(&s->state, SLOT_FREE);
}

void guard_release(guard_slot *s) {
  uintptr_t base;
  size_t len;
  unregister(s, &base, &len);
  munmap((void *)base, len);
  free_slot(s);
}

int guard_retire(guard_slot *s) {
  uintptr_t base;
  size_t len;
  unregister(s, &base, &len);
  /* Zeros over the whole range: the address stays reserved (nothing else can
   * be mapped there while a stray pointer may still read it), the file is
   * let go, and reads see zeros instead of a segfault. */
  int rc = anon_over(base, len, PROT_READ | PROT_WRITE);
  if (rc != 0) munmap((void *)base, len);
  free_slot(s);
  return rc;
}

void guard_read_stats(guard_slot *s, guard_stats *out) {
  out->rescues = atomic_load(&s->rescues);
  out->first_fault = atomic_load(&s->first_fault);
  out->degraded = atomic_load(&s->degraded);
}

size_t guard_active_count(void) {
  size_t n = 0;
  for (struct chunk *c = &g_first; c; c = atomic_load(&c->next))
    for (int i = 0; i < SLOTS_PER_CHUNK; i++)
      if (atomic_load(&c->slots[i].state) == SLOT_ACTIVE) n++;
  return n;
}
