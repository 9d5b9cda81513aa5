/* An unmodified program (no libnosigbus) for the preload tests.
 *   preload-program handler   installs its own SIGBUS handler after a shared
 *                             mapping exists; kill(SIGBUS) reaches it, a
 *                             truncated shared mapping reads zeros without it
 *   preload-program signal    the same with signal(2)
 *   preload-program none      no handler: kill(SIGBUS) kills by SIGBUS
 *   preload-program private   a truncated MAP_PRIVATE mapping is left alone: SIGBUS
 *   preload-program mremap    a shared mapping rescued, then grown with
 *                             mremap(MREMAP_MAYMOVE) as libwayland does; then munmap
 *   preload-program reraise   its handler, like libwayland's, restores SIG_DFL
 *                             with sigaction and re-raises for a fault it
 *                             does not know (a MAP_PRIVATE mapping): SIGBUS
 *   preload-program fixed     MAP_FIXED anonymous memory over half a shared
 *                             mapping: a rescue of the other half leaves it be */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static volatile sig_atomic_t calls, last_code;
static void on_bus(int sig, siginfo_t *info, void *uc) {
  (void)sig; (void)uc;
  calls++;
  last_code = info->si_code;
}
static void on_bus_plain(int sig) { (void)sig; calls++; }
static void on_bus_reraise(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  write(1, "handler\n", 8);
  sigaction(sig, &dfl, NULL);
  raise(sig);
}

static int memfd(size_t size) {
  int fd = memfd_create("preload-program", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) exit(10);
  char buf[PG];
  memset(buf, 0x5a, sizeof buf);
  for (size_t o = 0; o < size; o += PG)
    if (pwrite(fd, buf, PG, (off_t)o) != PG) exit(11);
  return fd;
}

static unsigned long sum(const volatile unsigned char *p, size_t n) {
  unsigned long s = 0;
  for (size_t i = 0; i < n; i++) s += p[i];
  return s;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  int fd = memfd(4 * PG);
  int flags = !strcmp(mode, "private") || !strcmp(mode, "reraise") ? MAP_PRIVATE : MAP_SHARED;
  volatile unsigned char *shared = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0); /* guarded: installs the guard */
  if (shared == MAP_FAILED) return 2;
  volatile unsigned char *p = mmap(NULL, 4 * PG, PROT_READ, flags, fd, 0);
  if (p == MAP_FAILED) return 2;
  if (!strcmp(mode, "handler") || !strcmp(mode, "signal")) {
    struct sigaction sa, seen;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (!strcmp(mode, "signal")) {
      if (signal(SIGBUS, on_bus_plain) == SIG_ERR) return 3;
    } else if (sigaction(SIGBUS, &sa, NULL) != 0) {
      return 3;
    }
    sigaction(SIGBUS, NULL, &seen);
    printf("own handler reported back: %s\n",
           seen.sa_handler == on_bus_plain || ((seen.sa_flags & SA_SIGINFO) && seen.sa_sigaction == on_bus) ? "yes" : "no");
    if (ftruncate(fd, PG) != 0) return 4;
    printf("truncated: sum %lu calls %d\n", sum(p, 4 * PG), (int)calls);
    kill(getpid(), SIGBUS);
    printf("killed: calls %d code %s\n", (int)calls, !strcmp(mode, "signal") ? "-" : last_code == SI_USER ? "SI_USER" : "other");
    return 0;
  }
  if (!strcmp(mode, "none")) {
    printf("sending\n");
    kill(getpid(), SIGBUS);
    printf("survived\n");
    return 0;
  }
  if (!strcmp(mode, "private")) {
    if (ftruncate(fd, PG) != 0) return 4;
    printf("reading\n");
    printf("sum %lu\n", sum(p, 4 * PG));
    return 0;
  }
  if (!strcmp(mode, "mremap")) {
    if (ftruncate(fd, PG) != 0) return 4;
    printf("rescued: sum %lu\n", sum(p, 4 * PG));
    if (ftruncate(fd, 8 * PG) != 0) return 5;
    char buf[PG];
    memset(buf, 0x11, sizeof buf);
    if (pwrite(fd, buf, PG, 7 * PG) != PG) return 6;
    volatile unsigned char *q = mremap((void *)p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
      perror("mremap");
      return 7;
    }
    printf("grown: q[7*PG]=%#x q[0]=%#x\n", q[7 * PG], q[0]);
    if (ftruncate(fd, 0) != 0) return 8;
    printf("truncated again: sum %lu\n", sum(q, 8 * PG));
    printf("munmap %d\n", munmap((void *)q, 8 * PG));
    return 0;
  }
  if (!strcmp(mode, "reraise")) {
    if (signal(SIGBUS, on_bus_reraise) == SIG_ERR) return 3;
    if (ftruncate(fd, PG) != 0) return 4;
    printf("shared: sum %lu\n", sum(shared, 4 * PG));
    printf("private: sum %lu\n", sum(p, 4 * PG));
    return 0;
  }
  if (!strcmp(mode, "fixed")) {
    volatile unsigned char *a = mmap((void *)(p + 2 * PG), 2 * PG, PROT_READ | PROT_WRITE,
                                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a != p + 2 * PG) return 4;
    a[0] = 0x77;
    a[PG] = 0x78;
    if (ftruncate(fd, 0) != 0) return 5;
    printf("shared half: sum %lu; anonymous half: %#x %#x\n", sum(p, 2 * PG), a[0], a[PG]);
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 99;
}
