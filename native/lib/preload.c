/*
 * preload.c: libnosigbus-preload.so, MAP_NOSIGBUS for programs that cannot
 * be changed: LD_PRELOAD=libnosigbus-preload.so weston ...
 *
 * Interposes mmap/mmap64 (MAP_SHARED mappings of regular files on tmpfs,
 * memfd, /dev/shm and disk filesystems become guarded mappings; anonymous,
 * private, device, dmabuf, procfs/sysfs, FUSE and hugetlbfs mappings are
 * passed through untouched), munmap and mremap (a guarded range is
 * unregistered first; a guarded pool grown with MREMAP_MAYMOVE is mapped
 * afresh, since the kernel refuses to move a range a rescue split), and
 * sigaction/signal for SIGBUS: once the guard is installed (at the first
 * guarded mapping) the program's SIGBUS action becomes the guard's chained
 * previous action instead of replacing it, and sigaction reports the
 * program's own action back to it. Every SIGBUS that is not a rescued
 * truncation still reaches the program's handler, or kills with SIGBUS.
 *
 * The guard and the library call the real functions (dlsym(RTLD_NEXT)),
 * never these wrappers.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/nosigbus.h"
#include "../guard/admit.h"
#include "../guard/guard.h"
#include "nosigbus-internal.h"

#define EXPORT __attribute__((visibility("default")))

static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static nsb_mremap_fn real_mremap;
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

static pthread_once_t g_resolved = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_install_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int g_installed;
static struct sigaction g_program; /* the program's SIGBUS action, as it believes it is */

static void resolve(void) {
  real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
  real_munmap = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
  real_mremap = (nsb_mremap_fn)dlsym(RTLD_NEXT, "mremap");
  real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
  guard_syscalls sys = {real_mmap, real_munmap, real_sigaction};
  nsb_use_syscalls(&sys, real_mremap);
}

static void log_rescued(const guard_stats *s, size_t len) {
  fprintf(stderr, "nosigbus: a mapping of %zu bytes read zeros past end of file (%llu rescues, first at offset %lld)\n",
          len, (unsigned long long)s->rescues, (long long)s->first_fault);
}

__attribute__((constructor)) static void preload_init(void) {
  pthread_once(&g_resolved, resolve);
  const char *debug = getenv("NOSIGBUS_DEBUG");
  if (debug && *debug && strcmp(debug, "0") != 0) nsb_rescued = log_rescued;
}

static void ensure_resolved(void) {
  if (!real_mmap) pthread_once(&g_resolved, resolve);
}

/* Installs the guard (once), remembering the action it chains as the
 * program's. (nsb_map puts ours back first at every mapping.) */
static int install(void) {
  if (atomic_load(&g_installed)) return 0;
  pthread_mutex_lock(&g_install_mu);
  int rc = 0;
  if (!atomic_load(&g_installed)) {
    real_sigaction(SIGBUS, NULL, &g_program);
    rc = guard_install();
    if (rc == 0) atomic_store(&g_installed, 1);
  }
  pthread_mutex_unlock(&g_install_mu);
  return rc;
}

/* Filesystems whose regular files the preload guards: shared memory and
 * disk filesystems. procfs, sysfs (PCI resources), debugfs and the like are
 * left alone: a SIGBUS there is not a truncation. */
static int guarded_fs(long f_type) {
  switch ((unsigned long)f_type & 0xffffffffu) {
    case 0x01021994u: /* tmpfs, memfd, /dev/shm */
    case 0x858458f6u: /* ramfs */
    case 0x0000ef53u: /* ext2/3/4 */
    case 0x58465342u: /* xfs */
    case 0x9123683eu: /* btrfs */
    case 0x794c7630u: /* overlayfs */
    case 0xf2f52010u: /* f2fs */
    case 0x2fc12fc1u: /* zfs */
    case 0x00004d44u: /* vfat */
    case 0x2011bab0u: /* exfat */
    case 0x00006969u: /* nfs */
    case 0xca451a4eu: /* bcachefs */
      return 1;
    default:
      return 0;
  }
}

static int wanted(int flags, int fd, guard_admission *admitted) {
  int type = flags & MAP_TYPE;
  if (fd < 0 || (flags & MAP_ANONYMOUS) || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)) return 0;
  return guard_admit_fd(fd, 0, admitted) == 0 && guarded_fs(admitted->fs_type);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  ensure_resolved();
  guard_admission admitted;
  if (wanted(flags, fd, &admitted) && install() == 0 && len > 0 && offset >= 0 && !(offset & (getpagesize() - 1))) {
    int saved = errno;
    void *p = nsb_map(addr, len, prot, flags, fd, offset, &admitted.st, admitted.backing);
    if (p != MAP_FAILED || errno == ENOMEM) return p;
    errno = saved; /* could not be guarded: the kernel's answer, unguarded */
  }
  if ((flags & MAP_FIXED) && nsb_any()) {
    uintptr_t lo = (uintptr_t)addr & ~(uintptr_t)(getpagesize() - 1);
    nsb_unguard(lo, lo + ((len + getpagesize() - 1) & ~(size_t)(getpagesize() - 1)), 0);
  }
  return real_mmap(addr, len, prot, flags, fd, offset);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  return mmap(addr, len, prot, flags, fd, offset);
}

EXPORT int munmap(void *addr, size_t len) {
  ensure_resolved();
  size_t pg = (size_t)getpagesize();
  if (!nsb_any() || ((uintptr_t)addr & (pg - 1)) || len == 0) return real_munmap(addr, len);
  return nsb_unguard((uintptr_t)addr, ((uintptr_t)addr + len + pg - 1) & ~(uintptr_t)(pg - 1), 1);
}

EXPORT void *mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...) {
  ensure_resolved();
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    new_addr = va_arg(ap, void *);
    va_end(ap);
  }
  if (nsb_any() && !(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)))
    return nosigbus_mremap(old_addr, old_len, new_len, flags);
  if (nsb_any()) {
    size_t pg = (size_t)getpagesize();
    uintptr_t lo = (uintptr_t)old_addr & ~(uintptr_t)(pg - 1);
    nsb_unguard(lo, (lo + old_len + pg - 1) & ~(uintptr_t)(pg - 1), 0);
  }
  return flags & MREMAP_FIXED ? real_mremap(old_addr, old_len, new_len, flags, new_addr)
                              : real_mremap(old_addr, old_len, new_len, flags);
}

/* SIGBUS, once the guard is installed: the program's action is chained
 * behind ours, never installed over it. Async-signal-safe (a program may
 * call sigaction from its SIGBUS handler, as libwayland's does to re-raise):
 * no lock, only guard_set_previous and one rt_sigaction. */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oact) {
  ensure_resolved();
  if (sig != SIGBUS || !atomic_load(&g_installed)) return real_sigaction(sig, act, oact);
  struct sigaction before = g_program;
  if (act) {
    guard_set_previous(act);
    g_program = *act;
  }
  if (oact) *oact = before;
  guard_ensure_first();
  return 0;
}

EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART; /* glibc's BSD semantics */
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, sig);
  if (sig != SIGBUS || handler == SIG_ERR) {
    ensure_resolved();
    typedef sighandler_t (*signal_fn)(int, sighandler_t);
    static signal_fn real_signal;
    if (!real_signal) real_signal = (signal_fn)dlsym(RTLD_NEXT, "signal");
    return real_signal(sig, handler);
  }
  if (sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}
