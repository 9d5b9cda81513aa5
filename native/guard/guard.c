/*
 * guard.c: range table + SIGBUS handler. Read guard.h for the invariants.
 *
 * The handler (on_sigbus and everything it calls, down to "outside the
 * handler") is async-signal-safe: atomics, fstat, mmap, gettid,
 * sched_yield, pthread_sigmask, sigaction, raise; no locks, no malloc, no
 * stdio, no thread-local storage (the addon is dlopen'ed: TLS may allocate).
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
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* The system calls the guard makes that a preload interposes (mmap,
 * munmap, sigaction) go through pointers: libc's by default, the real ones
 * behind the wrappers after guard_use_syscalls (libnosigbus-preload.so).
 * Set once, before guard_install; the macros keep the call sites as they are. */
static void *(*g_mmap)(void *, size_t, int, int, int, off_t) = mmap;
static int (*g_munmap)(void *, size_t) = munmap;
static int (*g_sigaction)(int, const struct sigaction *, struct sigaction *) = sigaction;
#define mmap(...) g_mmap(__VA_ARGS__)
#define munmap(...) g_munmap(__VA_ARGS__)
#define sigaction(...) g_sigaction(__VA_ARGS__)

void guard_use_syscalls(const guard_syscalls *sys) {
  if (sys->mmap_fn) g_mmap = sys->mmap_fn;
  if (sys->munmap_fn) g_munmap = sys->munmap_fn;
  if (sys->sigaction_fn) g_sigaction = sys->sigaction_fn;
}

/* The handler relies on these being real atomics, not libatomic locks. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "long atomics must be lock-free");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics must be lock-free");

#define SLOTS_PER_CHUNK 256
#define MAX_RANGES (1u << 20)

enum slot_state { SLOT_FREE = 0, SLOT_ACTIVE = 1, SLOT_CLOSING = 2, SLOT_RETIRED = 3 };

struct guard_slot {
  _Atomic int state;
  _Atomic int inflight;       /* handlers currently inside this slot */
  _Atomic uint64_t gen;       /* unique per registration */
  _Atomic uintptr_t base;     /* page aligned */
  _Atomic size_t len;         /* page aligned */
  int prot;
  int mode;
  int fd;                     /* the mapped file (the mapping's own dup), for fstat */
  dev_t dev;                  /* ...and its identity: a reused fd number is not it */
  ino_t ino;
  int regular;                /* S_ISREG: only then does st_size say where EOF is */
  int shmem;                  /* no I/O behind it: a fault inside EOF reads zeros */
  uint64_t file_offset;       /* file offset of base */
  _Atomic size_t watermark;   /* pages at offsets >= watermark are claimed */
  _Atomic(unsigned char *) claims; /* page mode: one claim byte per page */
  long reserved;              /* VMAs reserved in the budget at registration */
  _Atomic long extra;         /* page rescues' net VMAs beyond the reservation */
  _Atomic uint64_t rescues;
  _Atomic int64_t first_fault;
  _Atomic int degraded;
  struct guard_slot *next_free;
};

struct chunk {
  struct guard_slot slots[SLOTS_PER_CHUNK];
  struct chunk *next;
};

/* The sorted range table, read by the handler under a seqlock. */
struct range {
  _Atomic uintptr_t base, end;
  struct guard_slot *_Atomic slot;
  _Atomic uint64_t gen;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* writers: slots, table, budget refresh */
static struct chunk *g_chunks;
static struct guard_slot *g_free;
static struct range *g_ranges;
static _Atomic size_t g_nranges;
static _Atomic unsigned g_seq;
static uint64_t g_next_gen;
static size_t g_page;
static _Atomic int g_installed;
static struct sigaction g_ours;

/* The action chained to (ours replaced it). Published copies are never
 * rewritten while a handler may read them: a ring, advanced under g_lock. */
#define PREV_RING 64
static struct sigaction g_prev_ring[PREV_RING];
static unsigned g_prev_next;
static struct sigaction g_dfl; /* SIG_DFL, for SA_RESETHAND */
static const struct sigaction *_Atomic g_prev = &g_dfl;

/* The VMA budget (guard.h). */
static _Atomic long g_used, g_limit, g_others, g_headroom, g_budget;
static long g_limit_cap;
static int64_t g_limit_read_ms = -1000000, g_counted_ms = -1000000;

size_t guard_page_size(void) { return g_page; }

/* ---- the handler (async-signal-safe from here to "outside the handler") ---- */

#ifdef NOSIGBUS_TSAN
/* ThreadSanitizer builds of the tests only. TSan takes a mmap(MAP_FIXED)
 * for a write to the whole range, with no happens-before to a later access
 * by another thread; the MMU orders them (an access to a page being
 * replaced faults, and retries after the mmap). Ignoring accesses around
 * the mmap makes TSan reset the range's shadow instead: fresh memory. */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define FRESH_MEMORY_BEGIN() (AnnotateIgnoreReadsBegin(__FILE__, __LINE__), AnnotateIgnoreWritesBegin(__FILE__, __LINE__))
#define FRESH_MEMORY_END() (AnnotateIgnoreWritesEnd(__FILE__, __LINE__), AnnotateIgnoreReadsEnd(__FILE__, __LINE__))
#else
#define FRESH_MEMORY_BEGIN() ((void)0)
#define FRESH_MEMORY_END() ((void)0)
#endif

static int anon_over(uintptr_t addr, size_t len, int prot) {
  FRESH_MEMORY_BEGIN();
  void *p = mmap((void *)addr, len, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  FRESH_MEMORY_END();
  return p == MAP_FAILED ? -1 : 0;
}

/* Finds the range holding addr: its slot and the generation it had when it
 * was put in the table. 0 if none. */
static int lookup(uintptr_t addr, struct guard_slot **slot, uint64_t *gen) {
  for (;;) {
    unsigned s1 = atomic_load_explicit(&g_seq, memory_order_acquire);
    if (s1 & 1) {
      sched_yield(); /* a writer is moving entries: a few microseconds */
      continue;
    }
    size_t lo = 0, hi = atomic_load_explicit(&g_nranges, memory_order_relaxed);
    if (hi > MAX_RANGES) hi = MAX_RANGES;
    while (lo < hi) { /* first entry with base > addr */
      size_t mid = lo + (hi - lo) / 2;
      if (atomic_load_explicit(&g_ranges[mid].base, memory_order_relaxed) <= addr) lo = mid + 1;
      else hi = mid;
    }
    int found = 0;
    struct guard_slot *s = NULL;
    uint64_t g = 0;
    if (lo > 0 && addr < atomic_load_explicit(&g_ranges[lo - 1].end, memory_order_relaxed)) {
      s = atomic_load_explicit(&g_ranges[lo - 1].slot, memory_order_relaxed);
      g = atomic_load_explicit(&g_ranges[lo - 1].gen, memory_order_relaxed);
      found = 1;
    }
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&g_seq, memory_order_relaxed) == s1) {
      *slot = s;
      *gen = g;
      return found;
    }
  }
}

/* Takes n VMAs from the budget; 0 if they are not there. */
static int take_budget(long n) {
  long cur = atomic_load(&g_used);
  do {
    if (cur + n > atomic_load(&g_budget)) return 0;
  } while (!atomic_compare_exchange_weak(&g_used, &cur, cur + n));
  return 1;
}

static void note_fault(struct guard_slot *s, size_t off) {
  int64_t none = -1;
  atomic_compare_exchange_strong(&s->first_fault, &none, (int64_t)off);
}

static int claim(unsigned char *claims, size_t idx) {
  return atomic_exchange((_Atomic unsigned char *)&claims[idx], 1) == 0;
}

static int claimed(struct guard_slot *s, unsigned char *claims, size_t idx) {
  return atomic_load((_Atomic unsigned char *)&claims[idx]) != 0 || idx * g_page >= atomic_load(&s->watermark);
}

/* Last resort, when the kernel refused a replacement the budget allowed
 * (something else took the VMAs): one mapping over the whole range, which
 * covers whole VMAs and so never needs a split. Writes since earlier rescues
 * and bytes before EOF are lost: the mapping is marked degraded. */
static int zero_everything(struct guard_slot *s, uintptr_t base, size_t len) {
  atomic_store(&s->degraded, 1);
  atomic_store(&s->watermark, 0);
  return anon_over(base, len, s->prot);
}

/* Replaces the pages of [start, end) this call claims (claim byte taken now,
 * or `own`, already taken by the caller), one mapping per run. */
static int zero_claimable(struct guard_slot *s, uintptr_t base, unsigned char *claims, size_t start, size_t end,
                          size_t own) {
  size_t run = SIZE_MAX;
  for (size_t off = start; off <= end; off += g_page) {
    int mine = off < end && (off == own || claim(claims, off / g_page));
    if (mine && run == SIZE_MAX) run = off;
    if (!mine && run != SIZE_MAX) {
      if (anon_over(base + run, off - run, s->prot) != 0) return -1;
      run = SIZE_MAX;
    }
  }
  return 0;
}

/* Tail claim: lower the watermark to `start` and replace exactly what that
 * claimed ([start, old watermark), minus pages a page rescue owns). `own`
 * is a page offset the caller holds the claim of (page mode), or SIZE_MAX;
 * it is replaced here in any case. Pages below `start` (before EOF) stay live. */
static int rescue_tail(struct guard_slot *s, uintptr_t base, size_t len, size_t start, size_t own) {
  unsigned char *claims = atomic_load(&s->claims);
  size_t cur = atomic_load(&s->watermark);
  int took = 0;
#ifdef NOSIGBUS_TEST_RACY_CLAIM
  /* The sanitizer test's deliberately broken variant: the claim as a plain
   * read and write. ThreadSanitizer must report it. */
  size_t *plain = (size_t *)&s->watermark;
  cur = *plain;
  if ((took = start < cur)) *plain = start;
#else
  while (start < cur) {
    if (atomic_compare_exchange_weak(&s->watermark, &cur, start)) {
      took = 1;
      break;
    }
  }
#endif
  int rc = 0;
  if (took) rc = claims ? zero_claimable(s, base, claims, start, cur, own) : anon_over(base + start, cur - start, s->prot);
  if (rc == 0 && own != SIZE_MAX && !(took && own >= start && own < cur)) rc = anon_over(base + own, g_page, s->prot);
  if (rc != 0) rc = zero_everything(s, base, len);
  if (rc == 0 && (took || own != SIZE_MAX)) atomic_fetch_add(&s->rescues, 1);
  return rc;
}

/* Page mode: claim one page, replace it if the budget has the VMAs it adds.
 * Otherwise (or if the kernel refused) fall back to a tail claim from `start`
 * (EOF), which needs at most the one VMA the slot reserved. */
static int rescue_page(struct guard_slot *s, uintptr_t base, size_t len, size_t off, size_t start) {
  unsigned char *claims = atomic_load(&s->claims);
  size_t idx = off / g_page, npages = len / g_page;
  if (off >= atomic_load(&s->watermark) || !claim(claims, idx)) return 0; /* someone else's: retry */
  /* VMAs this may add, counted from above: the zeros (+1) and the file
   * piece split off on each side that stays file-backed (+1 each, -1 for the
   * piece replaced). A merge with rescued neighbours is never counted: the
   * kernel does not merge zeros that were written (different anon_vma), and
   * a neighbour claimed by another thread may not be mapped yet. */
  long delta = (long)(idx > 0 && !claimed(s, claims, idx - 1)) + (long)(idx + 1 < npages && !claimed(s, claims, idx + 1));
  if (delta == 0 || take_budget(delta)) {
    if (anon_over(base + off, g_page, s->prot) == 0) {
      atomic_fetch_add(&s->extra, delta);
      atomic_fetch_add(&s->rescues, 1);
      return 0;
    }
    atomic_fetch_sub(&g_used, delta);
  }
  atomic_store(&s->degraded, 1);
  return rescue_tail(s, base, len, start, off);
}

/* Per-thread state, keyed by tid (no TLS in a handler): the count of
 * consecutive in-file faults at one address (a rescue of the slot since
 * resets it), and whether the thread is inside a chained handler. Entries of
 * dead threads are taken over when a probe finds no free one. */
#define TID_SLOTS 1024
#define TID_PROBES 16
static struct thread_state {
  _Atomic int tid;
  _Atomic uintptr_t addr;
  _Atomic uint64_t gen, rescues;
  _Atomic unsigned count;
  _Atomic uintptr_t chain_uctx, chain_frame; /* the delivery we last chained, and our frame then */
} g_threads[TID_SLOTS];

static struct thread_state *this_thread(void) {
  int tid = (int)syscall(SYS_gettid);
  size_t h = (size_t)tid % TID_SLOTS;
  for (size_t i = 0; i < TID_PROBES; i++) {
    struct thread_state *t = &g_threads[(h + i) % TID_SLOTS];
    int cur = atomic_load(&t->tid), zero = 0;
    if (cur == tid || (cur == 0 && atomic_compare_exchange_strong(&t->tid, &zero, tid))) return t;
  }
  struct thread_state *t = &g_threads[h]; /* full: take over the first */
  atomic_store(&t->tid, tid);
  atomic_store(&t->chain_uctx, 0);
  return t;
}

static int retry_in_file(struct guard_slot *s, uint64_t gen, uintptr_t addr) {
  struct thread_state *t = this_thread();
  uint64_t rescues = atomic_load(&s->rescues);
  if (atomic_load(&t->addr) != addr || atomic_load(&t->gen) != gen || atomic_load(&t->rescues) != rescues) {
    atomic_store(&t->addr, addr);
    atomic_store(&t->gen, gen);
    atomic_store(&t->rescues, rescues);
    atomic_store(&t->count, 0);
  }
  return atomic_fetch_add(&t->count, 1) < GUARD_IN_FILE_RETRIES;
}

/* Offset (from base) of the first page wholly past end of file; SIZE_MAX when
 * that cannot be known for this file (not a regular file, fd not the file we
 * mapped any more, fstat failed): such a fault is not ours to paper over. */
static size_t eof_page(struct guard_slot *s) {
  struct stat st;
  if (!s->regular || fstat(s->fd, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino) return SIZE_MAX;
  uint64_t end = ((uint64_t)st.st_size + g_page - 1) & ~(uint64_t)(g_page - 1);
  return end > s->file_offset ? (size_t)(end - s->file_offset) : 0;
}

enum verdict { NOT_OURS = 0, RETRY = 1, WAIT = 2, DIE = -1 };

/* Whether the faulting access was a write (x86-64: the page-fault error
 * code's write bit, which the kernel copies into the signal context). Where
 * it cannot be told, every fault counts as a read. */
static int fault_was_write(const void *uctx) {
#if defined(__x86_64__) && defined(REG_ERR)
  return (((const ucontext_t *)uctx)->uc_mcontext.gregs[REG_ERR] & 2) != 0; /* X86_PF_WRITE */
#else
  (void)uctx;
  return 0;
#endif
}

static enum verdict rescue(struct guard_slot *s, uint64_t gen, uintptr_t addr, int write) {
  uintptr_t base = atomic_load(&s->base);
  size_t len = atomic_load(&s->len);
  if (addr - base >= len) return NOT_OURS;
  size_t off = (addr - base) & ~(g_page - 1);
  size_t eof = eof_page(s), start = eof;
  if (eof == SIZE_MAX) return NOT_OURS;
  if (off < eof) {
    if (!s->shmem) {
      if (retry_in_file(s, gen, addr)) return RETRY;
      /* A write the filesystem cannot back (disk full, quota): it would fail
       * forever, and whoever handed us the file chose that. The pages from
       * here on become private zeros and the mapping is degraded. A read
       * that keeps failing is an I/O error: a real error, let through. */
      if (!write) return NOT_OURS;
      atomic_store(&s->degraded, 1);
    }
    start = off; /* shmem: tmpfs full, or the file grew back since the fault */
  }
  note_fault(s, addr - base);
  int rc = s->mode == GUARD_PAGE ? rescue_page(s, base, len, off, start) : rescue_tail(s, base, len, start, SIZE_MAX);
  return rc == 0 ? RETRY : DIE;
}

static enum verdict try_rescue(uintptr_t addr, int write) {
  struct guard_slot *s;
  uint64_t gen;
  if (!lookup(addr, &s, &gen)) return NOT_OURS;
  /* Count ourselves in, then read state before gen: guard_register writes
   * gen before ACTIVE, so ACTIVE with our gen means the fields are this
   * registration's, and close waits for us before unmapping. */
  atomic_fetch_add(&s->inflight, 1);
  int state = atomic_load(&s->state);
  enum verdict v;
  if (atomic_load(&s->gen) != gen) v = RETRY; /* closed and reused since the lookup: zeros or gone */
  else if (state == SLOT_ACTIVE) v = rescue(s, gen, addr, write);
  else if (state == SLOT_CLOSING) v = WAIT;
  else v = retry_in_file(s, gen, addr) ? RETRY : NOT_OURS; /* retired: zeros are in place */
  atomic_fetch_sub(&s->inflight, 1);
  if (v == WAIT) {
    /* Being closed: zeros are being mapped over the range. Wait, then retry. */
    while (atomic_load(&s->state) == SLOT_CLOSING && atomic_load(&s->gen) == gen) sched_yield();
    v = RETRY;
  }
  return v;
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

/* Calls the previous action as the kernel would have: with its sa_mask
 * added to the mask at delivery, SIGBUS blocked unless SA_NODEFER, reset to
 * SIG_DFL first if SA_RESETHAND. */
static void chain(int sig, siginfo_t *info, void *uctx) {
  const struct sigaction *prev = atomic_load(&g_prev);
  /* sa_handler and sa_sigaction share storage: test for SIG_DFL/SIG_IGN
   * first, whatever SA_SIGINFO says, so neither is ever called. */
  if (prev->sa_handler == SIG_IGN) {
    if (info->si_code <= 0) return; /* ignoring a signal somebody sent is fine; a fault cannot be ignored */
    die_by_sigbus();
    return;
  }
  if (prev->sa_handler == SIG_DFL) {
    die_by_sigbus();
    return;
  }
  struct sigaction act = *prev;
  if (act.sa_flags & SA_RESETHAND) atomic_compare_exchange_strong(&g_prev, &prev, &g_dfl);
  sigset_t mask = ((ucontext_t *)uctx)->uc_sigmask, saved;
  for (int i = 1; i < NSIG; i++)
    if (sigismember(&act.sa_mask, i) == 1) sigaddset(&mask, i);
  if (act.sa_flags & SA_NODEFER) sigdelset(&mask, sig);
  else sigaddset(&mask, sig);
  pthread_sigmask(SIG_SETMASK, &mask, &saved);
  if (act.sa_flags & SA_SIGINFO) act.sa_sigaction(sig, info, uctx);
  else act.sa_handler(sig);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static void on_sigbus(int sig, siginfo_t *info, void *uctx) {
  int saved_errno = errno;
  enum verdict v = info->si_code == BUS_ADRERR ? try_rescue((uintptr_t)info->si_addr, fault_was_write(uctx)) : NOT_OURS;
  if (v == DIE) {
    die_by_sigbus(); /* ours, but the kernel refused every replacement */
  } else if (v == NOT_OURS) {
    /* A previous handler installed after us may have saved ours as *its*
     * previous: it then calls us back as a function (wlroots' style), or
     * declines a fault by restoring "its" old action, ours, and re-raising
     * (libwayland's), which leaves SIGBUS pending here. Without us in
     * between its old action was SIG_DFL: die as it would have, instead of
     * recursing or ping-ponging forever. */
    struct thread_state *t = this_thread();
    uintptr_t here = (uintptr_t)&t;
    /* Called back: the same delivery's context, from below our own frame
     * (a new delivery after the previous handler left by siglongjmp has
     * its own context, or sits at our old depth, not below it). */
    if ((uintptr_t)uctx == atomic_load(&t->chain_uctx) && here < atomic_load(&t->chain_frame)) {
      die_by_sigbus();
    } else {
      atomic_store(&t->chain_uctx, (uintptr_t)uctx);
      atomic_store(&t->chain_frame, here);
      chain(sig, info, uctx);
      atomic_store(&t->chain_uctx, 0);
      sigset_t pending;
      if (info->si_code > 0 && sigpending(&pending) == 0 && sigismember(&pending, sig) == 1) die_by_sigbus();
    }
  }
  errno = saved_errno;
}

/* ---- outside the handler ---- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long read_max_map_count(void) {
  char buf[32] = {0};
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 65530;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  long v = n > 0 ? strtol(buf, NULL, 10) : 0;
  return v > 0 ? v : 65530;
}

/* VMAs of this process that are not the guard's, from /proc/self/maps. */
static long count_other_vmas(void) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  static char buf[1 << 16]; /* under g_lock */
  long others = 0;
  size_t have = 0;
  int at_line_start = 1;
  uintptr_t start = 0;
  int in_addr = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    have += (size_t)n;
    for (ssize_t i = 0; i < n; i++) {
      char c = buf[i];
      if (at_line_start) {
        start = 0;
        in_addr = 1;
        at_line_start = 0;
      }
      if (in_addr) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d >= 0) {
          start = start * 16 + (uintptr_t)d;
        } else {
          in_addr = 0;
          struct guard_slot *s;
          uint64_t gen;
          if (!lookup(start, &s, &gen)) others++;
        }
      }
      if (c == '\n') at_line_start = 1;
    }
  }
  close(fd);
  return have ? others : -1;
}

/* Recomputes the budget: the limit at most every 100 ms, the other VMAs
 * when forced or when the guard has used three quarters of its budget. */
static void refresh_budget(int force) {
  int64_t now = now_ms();
  if (force || now - g_limit_read_ms >= 100) {
    long limit = read_max_map_count();
    if (g_limit_cap > 0 && g_limit_cap < limit) limit = g_limit_cap;
    atomic_store(&g_limit, limit);
    atomic_store(&g_headroom, limit / 8 > 256 ? limit / 8 : 256);
    g_limit_read_ms = now;
  }
  long budget = atomic_load(&g_budget);
  if (force || g_counted_ms < 0 || (atomic_load(&g_used) * 4 > budget * 3 && now - g_counted_ms >= 1000)) {
    long others = count_other_vmas();
    if (others >= 0) atomic_store(&g_others, others);
    g_counted_ms = now;
  }
  atomic_store(&g_budget, atomic_load(&g_limit) - atomic_load(&g_others) - atomic_load(&g_headroom));
}

static int is_ours(const struct sigaction *sa) { return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_sigbus; }

/* Under g_lock. */
static void publish_prev(const struct sigaction *sa) {
  struct sigaction *slot = &g_prev_ring[g_prev_next++ % PREV_RING];
  *slot = *sa;
  atomic_store(&g_prev, slot);
}

/* fork(): the child has only the forking thread. Taking g_lock around the
 * fork means no writer is half-way through the slots or the table (an odd
 * seqlock would spin the child's handler forever); handlers that were inside
 * a slot in other threads do not exist in the child, so their counts go.
 * A caller's own lock taken before g_lock (guard_fork_outer) is held around
 * the fork too, outside it. Registered at load, before any thread can hold
 * either lock: a registration made later could miss a fork already running. */
static pthread_mutex_t *_Atomic g_outer;
void guard_fork_outer(pthread_mutex_t *outer) { atomic_store(&g_outer, outer); }
static void atfork_prepare(void) {
  pthread_mutex_t *outer = atomic_load(&g_outer);
  if (outer) pthread_mutex_lock(outer);
  pthread_mutex_lock(&g_lock);
}
static void atfork_parent(void) {
  pthread_mutex_t *outer = atomic_load(&g_outer);
  pthread_mutex_unlock(&g_lock);
  if (outer) pthread_mutex_unlock(outer);
}
static void atfork_child(void) {
  for (struct chunk *c = g_chunks; c; c = c->next)
    for (size_t i = 0; i < SLOTS_PER_CHUNK; i++) atomic_store(&c->slots[i].inflight, 0);
  atfork_parent();
}
__attribute__((constructor)) static void register_fork_handlers(void) {
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void install_once(void) {
  g_page = (size_t)sysconf(_SC_PAGESIZE);
  g_dfl.sa_handler = SIG_DFL;
  sigemptyset(&g_dfl.sa_mask);
  g_ranges = mmap(NULL, (size_t)MAX_RANGES * sizeof *g_ranges, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (g_ranges == MAP_FAILED) return;
  memset(&g_ours, 0, sizeof g_ours);
  g_ours.sa_sigaction = on_sigbus;
  g_ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&g_ours.sa_mask);
  pthread_mutex_lock(&g_lock);
  refresh_budget(1);
  struct sigaction old;
  if (sigaction(SIGBUS, &g_ours, &old) == 0) {
    publish_prev(&old);
    atomic_store(&g_installed, 1);
  }
  pthread_mutex_unlock(&g_lock);
}

int guard_install(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install_once);
  return atomic_load(&g_installed) ? 0 : EINVAL;
}

int guard_ensure_first(void) {
  struct sigaction cur;
  if (!atomic_load(&g_installed) || sigaction(SIGBUS, NULL, &cur) != 0) return -1;
  if (is_ours(&cur)) return 0;
  pthread_mutex_lock(&g_lock);
  struct sigaction prev;
  int rc = sigaction(SIGBUS, &g_ours, &prev) == 0 ? 1 : -1;
  if (rc == 1 && !is_ours(&prev)) publish_prev(&prev);
  pthread_mutex_unlock(&g_lock);
  return rc;
}

int guard_handler_installed(void) {
  struct sigaction cur;
  return sigaction(SIGBUS, NULL, &cur) == 0 && is_ours(&cur);
}

/* ---- the table (writers hold g_lock) ---- */

static void seq_begin(void) {
  atomic_store_explicit(&g_seq, atomic_load_explicit(&g_seq, memory_order_relaxed) + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
}

static void seq_end(void) {
  atomic_store_explicit(&g_seq, atomic_load_explicit(&g_seq, memory_order_relaxed) + 1, memory_order_release);
}

static void copy_range(size_t to, size_t from) {
  atomic_store_explicit(&g_ranges[to].base, atomic_load_explicit(&g_ranges[from].base, memory_order_relaxed), memory_order_relaxed);
  atomic_store_explicit(&g_ranges[to].end, atomic_load_explicit(&g_ranges[from].end, memory_order_relaxed), memory_order_relaxed);
  atomic_store_explicit(&g_ranges[to].slot, atomic_load_explicit(&g_ranges[from].slot, memory_order_relaxed), memory_order_relaxed);
  atomic_store_explicit(&g_ranges[to].gen, atomic_load_explicit(&g_ranges[from].gen, memory_order_relaxed), memory_order_relaxed);
}

/* Index of the first entry with base >= addr. */
static size_t lower_bound(uintptr_t addr) {
  size_t lo = 0, hi = atomic_load_explicit(&g_nranges, memory_order_relaxed);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (atomic_load_explicit(&g_ranges[mid].base, memory_order_relaxed) < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int table_insert(struct guard_slot *s) {
  size_t n = atomic_load_explicit(&g_nranges, memory_order_relaxed);
  if (n >= MAX_RANGES) return -1;
  uintptr_t base = atomic_load(&s->base);
  size_t at = lower_bound(base);
  seq_begin();
  for (size_t i = n; i > at; i--) copy_range(i, i - 1);
  atomic_store_explicit(&g_ranges[at].base, base, memory_order_relaxed);
  atomic_store_explicit(&g_ranges[at].end, base + atomic_load(&s->len), memory_order_relaxed);
  atomic_store_explicit(&g_ranges[at].slot, s, memory_order_relaxed);
  atomic_store_explicit(&g_ranges[at].gen, atomic_load(&s->gen), memory_order_relaxed);
  atomic_store_explicit(&g_nranges, n + 1, memory_order_relaxed);
  seq_end();
  return 0;
}

static void table_remove(struct guard_slot *s) {
  size_t n = atomic_load_explicit(&g_nranges, memory_order_relaxed);
  size_t at = lower_bound(atomic_load(&s->base));
  if (at >= n || atomic_load_explicit(&g_ranges[at].slot, memory_order_relaxed) != s) return;
  seq_begin();
  for (size_t i = at; i + 1 < n; i++) copy_range(i, i + 1);
  atomic_store_explicit(&g_nranges, n - 1, memory_order_relaxed);
  seq_end();
}

static struct guard_slot *take_free_slot(void) {
  if (!g_free) {
    struct chunk *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->next = g_chunks;
    g_chunks = c;
    for (int i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
      c->slots[i].next_free = g_free;
      g_free = &c->slots[i];
    }
  }
  struct guard_slot *s = g_free;
  g_free = s->next_free;
  return s;
}

/* VMAs a registration reserves: the mapping, and the one more its rescue
 * may need (tail: the split at EOF; page: the fallback's split at EOF). */
#define RESERVE_PER_SLOT 2

static guard_slot *register_slot(void *base, size_t len, int prot, enum guard_mode mode, int fd, const struct stat *st,
                                 uint64_t file_offset, enum guard_backing backing, long reserve) {
  unsigned char *claims = NULL;
  if (mode == GUARD_PAGE && !(claims = calloc(len / g_page, 1))) {
    errno = ENOMEM;
    return NULL;
  }
  pthread_mutex_lock(&g_lock);
  refresh_budget(0);
  if (reserve && !take_budget(reserve)) {
    refresh_budget(1);
    if (!take_budget(reserve)) {
      pthread_mutex_unlock(&g_lock);
      free(claims);
      errno = ENOSPC;
      return NULL;
    }
  }
  struct guard_slot *s = take_free_slot();
  if (!s) {
    atomic_fetch_sub(&g_used, reserve);
    pthread_mutex_unlock(&g_lock);
    free(claims);
    errno = ENOMEM;
    return NULL;
  }
  atomic_store(&s->gen, ++g_next_gen); /* before the fields: see try_rescue */
  atomic_store(&s->base, (uintptr_t)base);
  atomic_store(&s->len, len);
  s->prot = prot;
  s->mode = mode;
  s->fd = fd;
  s->dev = st->st_dev;
  s->ino = st->st_ino;
  s->regular = S_ISREG(st->st_mode);
  s->shmem = backing == GUARD_BACKING_SHMEM;
  s->file_offset = file_offset;
  s->reserved = reserve;
  atomic_store(&s->watermark, len);
  atomic_store(&s->claims, claims);
  atomic_store(&s->extra, 0);
  atomic_store(&s->rescues, 0);
  atomic_store(&s->first_fault, -1);
  atomic_store(&s->degraded, 0);
  atomic_store(&s->state, SLOT_ACTIVE);
  if (table_insert(s) != 0) {
    atomic_store(&s->state, SLOT_FREE);
    s->next_free = g_free;
    g_free = s;
    atomic_fetch_sub(&g_used, reserve);
    pthread_mutex_unlock(&g_lock);
    free(claims);
    errno = ENOSPC;
    return NULL;
  }
  pthread_mutex_unlock(&g_lock);
  return s;
}

guard_slot *guard_register(void *base, size_t len, int prot, enum guard_mode mode, int fd, const struct stat *st,
                           uint64_t file_offset, enum guard_backing backing) {
  return register_slot(base, len, prot, mode, fd, st, file_offset, backing, RESERVE_PER_SLOT);
}

guard_slot *guard_register_unbudgeted(void *base, size_t len, int prot, enum guard_mode mode, int fd,
                                      const struct stat *st, uint64_t file_offset) {
  return register_slot(base, len, prot, mode, fd, st, file_offset, GUARD_BACKING_SHMEM, 0);
}

/* Stops guarding: CLOSING (faults wait), zeros over the range (when a
 * pointer may outlive the close), RETIRED, then waits for the handlers
 * inside. The range stays in the table. */
static int stop_guarding(struct guard_slot *s, int zeros) {
  uintptr_t base = atomic_load(&s->base);
  size_t len = atomic_load(&s->len);
  atomic_store(&s->state, SLOT_CLOSING);
  int rc = zeros ? anon_over(base, len, s->prot) : 0; /* the rescues' prot: no split by a late one */
  atomic_store(&s->state, SLOT_RETIRED);
  while (atomic_load(&s->inflight) != 0) sched_yield();
  return rc;
}

/* Under g_lock: out of the table, unmapped (unless guard_forget), back on the free list. */
static void free_slot(struct guard_slot *s, long vmas, int unmap) {
  table_remove(s);
  if (unmap) munmap((void *)atomic_load(&s->base), atomic_load(&s->len));
  atomic_fetch_sub(&g_used, vmas);
  free(atomic_exchange(&s->claims, NULL));
  atomic_store(&s->state, SLOT_FREE);
  s->next_free = g_free;
  g_free = s;
}

void guard_release(guard_slot *s) {
  stop_guarding(s, 0);
  pthread_mutex_lock(&g_lock);
  free_slot(s, s->reserved + atomic_load(&s->extra), 1);
  pthread_mutex_unlock(&g_lock);
}

void guard_forget(guard_slot *s) {
  stop_guarding(s, 0);
  pthread_mutex_lock(&g_lock);
  free_slot(s, s->reserved + atomic_load(&s->extra), 0);
  pthread_mutex_unlock(&g_lock);
}

/* Lock-free (async-signal-safe): a program may call sigaction from its own
 * SIGBUS handler (libwayland's does, to re-raise). Its own ring, so it never
 * takes g_lock or publish_prev's slots. */
static struct sigaction g_set_ring[PREV_RING];
static _Atomic unsigned g_set_next;

void guard_set_previous(const struct sigaction *act) {
  struct sigaction *slot = &g_set_ring[atomic_fetch_add(&g_set_next, 1) % PREV_RING];
  *slot = *act;
  atomic_store(&g_prev, slot);
}

int guard_retire(guard_slot *s, uintptr_t *base, size_t *len) {
  *base = atomic_load(&s->base);
  *len = atomic_load(&s->len);
  if (stop_guarding(s, 1) != 0) {
    pthread_mutex_lock(&g_lock);
    free_slot(s, s->reserved + atomic_load(&s->extra), 1);
    pthread_mutex_unlock(&g_lock);
    return -1;
  }
  /* The zeros are one VMA now: keep one counted until guard_unmap_retired. */
  long held = s->reserved + atomic_load(&s->extra);
  atomic_fetch_sub(&g_used, held - 1);
  s->reserved = 1;
  atomic_store(&s->extra, 0);
  free(atomic_exchange(&s->claims, NULL));
  return 0;
}

void guard_unmap_retired(uintptr_t base, size_t len) {
  pthread_mutex_lock(&g_lock);
  struct guard_slot *s;
  uint64_t gen;
  if (lookup(base, &s, &gen) && atomic_load(&s->state) == SLOT_RETIRED && atomic_load(&s->base) == base &&
      atomic_load(&s->len) == len)
    free_slot(s, s->reserved, 1);
  pthread_mutex_unlock(&g_lock);
}

void guard_read_stats(guard_slot *s, guard_stats *out) {
  out->rescues = atomic_load(&s->rescues);
  out->first_fault = atomic_load(&s->first_fault);
  out->degraded = atomic_load(&s->degraded);
}

void guard_read_budget(guard_budget *out) {
  pthread_mutex_lock(&g_lock);
  refresh_budget(0);
  out->limit = atomic_load(&g_limit);
  out->others = atomic_load(&g_others);
  out->headroom = atomic_load(&g_headroom);
  out->used = atomic_load(&g_used);
  out->available = atomic_load(&g_budget) - out->used;
  pthread_mutex_unlock(&g_lock);
}

void guard_set_limit_cap(long cap) {
  pthread_mutex_lock(&g_lock);
  g_limit_cap = cap;
  refresh_budget(1);
  pthread_mutex_unlock(&g_lock);
}

size_t guard_active_count(void) {
  size_t n = 0;
  pthread_mutex_lock(&g_lock);
  for (struct chunk *c = g_chunks; c; c = c->next)
    for (int i = 0; i < SLOTS_PER_CHUNK; i++)
      if (atomic_load(&c->slots[i].state) == SLOT_ACTIVE) n++;
  pthread_mutex_unlock(&g_lock);
  return n;
}

double guard_lookup_ns(uintptr_t addr, long n) {
  struct timespec t0, t1;
  struct guard_slot *s;
  uint64_t gen;
  long found = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) found += lookup(addr + (uintptr_t)(i & 7), &s, &gen);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (found < 0) return -1;
  return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)(n > 0 ? n : 1);
}
