/* Scenarios for libnosigbus, each run in its own process by lib.test.ts:
 * `lib SCENARIO` prints what it saw; the test compares. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nosigbus.h"

#define PG 4096

static int file_of(size_t size, int seed) {
  int fd = memfd_create("lib-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) exit(10);
  unsigned char *buf = malloc(size);
  for (size_t i = 0; i < size; i++) buf[i] = (unsigned char)((i + (size_t)seed) % 251 + 1);
  if (pwrite(fd, buf, size, 0) != (ssize_t)size) exit(11);
  free(buf);
  return fd;
}

static unsigned char at(size_t i, int seed) { return (unsigned char)((i + (size_t)seed) % 251 + 1); }

static unsigned long sum(const volatile unsigned char *p, size_t n) {
  unsigned long s = 0;
  for (size_t i = 0; i < n; i++) s += p[i];
  return s;
}

static void stats(const char *what, const void *p) {
  struct nosigbus_stats st;
  if (nosigbus_stats(p, &st) != 0) {
    printf("%s: no stats errno=%d\n", what, errno);
    return;
  }
  printf("%s: rescues=%llu first=%lld\n", what, (unsigned long long)st.rescues, (long long)st.first_fault);
}

static volatile sig_atomic_t prev_calls;
static sigjmp_buf jb;
static void prev_handler(int sig, siginfo_t *info, void *uc) {
  (void)uc;
  prev_calls++;
  if (sig == SIGBUS && info->si_code == BUS_ADRERR) siglongjmp(jb, 1);
}

/* fork: a thread maps and unmaps without pause while the main thread forks;
 * each child maps a truncated file and reads past EOF. A fork taken while the
 * guard's writer lock (or a table update) was in progress would leave the
 * child hung in its first nosigbus_mmap. */
static atomic_int churn_stop;
static void *churn(void *arg) {
  int fd = *(int *)arg;
  while (!atomic_load(&churn_stop)) {
    void *p = nosigbus_mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) nosigbus_munmap(p, 4 * PG);
  }
  return NULL;
}

static int fork_scenario(int forks) {
  int fd = file_of(4 * PG, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, churn, &fd) != 0) return 2;
  int ok = 0, hung = 0, other = 0;
  for (int i = 0; i < forks; i++) {
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
      alarm(getenv("LIBT_ALARM") ? (unsigned)atoi(getenv("LIBT_ALARM")) : 5); /* a hang dies by SIGALRM */
      int cfd = file_of(2 * PG, 1);
      volatile unsigned char *p = nosigbus_mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, cfd, 0);
      if (p == MAP_FAILED || ftruncate(cfd, 0) != 0) _exit(4);
      int zero = p[PG + 7] == 0;
      _exit(nosigbus_munmap((void *)p, 2 * PG) == 0 && zero ? 0 : 5);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return 6;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
      if (getenv("LIBT_ALARM")) fprintf(stderr, "fork %d hung\n", i);
      hung++;
    }
    else other++;
  }
  atomic_store(&churn_stop, 1);
  pthread_join(t, NULL);
  printf("forks=%d ok=%d hung=%d other=%d\n", forks, ok, hung, other);
  return 0;
}

int main(int argc, char **argv) {
  const char *s = argc > 1 ? argv[1] : "";
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(s, "zeros")) {
    int fd = file_of(4 * PG, 0);
    volatile unsigned char *p = nosigbus_mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return 2;
    if (ftruncate(fd, 100) != 0) return 3;
    printf("p[99]=%d(%d) p[100]=%d p[4095]=%d tail=%lu\n", p[99], at(99, 0), p[100], p[4095], sum(p + PG, 3 * PG));
    stats("after", (void *)p);
    printf("p[2*PG+5] again=%d\n", p[2 * PG + 5]);
    stats("again", (void *)(p + 3 * PG));
    if (nosigbus_munmap((void *)p, 4 * PG) != 0) return 4;
    stats("unmapped", (void *)p);
    return 0;
  }
  if (!strcmp(s, "unaligned")) {
    int fd = file_of(4 * PG, 7);
    volatile unsigned char *p = nosigbus_mmap(NULL, 5000, PROT_READ, MAP_PRIVATE, fd, 1000);
    if (p == MAP_FAILED) return 2;
    printf("first=%d(%d) last=%d(%d)\n", p[0], at(1000, 7), p[4999], at(5999, 7));
    if (ftruncate(fd, 2000) != 0) return 3;
    printf("p[999]=%d(%d) p[1000]=%d p[4999]=%d\n", p[999], at(1999, 7), p[1000], p[4999]);
    stats("after", (void *)(p + 10));
    return nosigbus_munmap((void *)p, 5000) == 0 ? 0 : 4;
  }
  if (!strcmp(s, "writable")) {
    int fd = file_of(4 * PG, 0);
    volatile unsigned char *p = nosigbus_mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return 2;
    if (ftruncate(fd, PG) != 0) return 3;
    p[10] = 0x55;         /* before EOF: reaches the file */
    p[2 * PG] = 0x66;     /* past EOF: rescued, kept in the mapping */
    p[3 * PG + 1] = 0x77; /* after the rescue: not lost */
    p[PG + 9] = 0x88;
    unsigned char b = 0;
    if (pread(fd, &b, 1, 10) != 1) return 4;
    struct stat st;
    fstat(fd, &st);
    printf("file[10]=%#x size=%lld kept=%#x,%#x,%#x\n", b, (long long)st.st_size, p[2 * PG], p[3 * PG + 1], p[PG + 9]);
    stats("after", (void *)p);
    return 0;
  }
  if (!strcmp(s, "nested")) {
    int a = file_of(8 * PG, 1), b = file_of(8 * PG, 2);
    volatile unsigned char *pa = nosigbus_mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED, a, 0);
    volatile unsigned char *pb = nosigbus_mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
    if (pa == MAP_FAILED || pb == MAP_FAILED) return 2;
    if (ftruncate(a, 3 * PG) != 0 || ftruncate(b, 5 * PG) != 0) return 3;
    unsigned long x = 0;
    for (size_t i = 0; i < 8 * PG; i += 512) {
      pb[i] = pa[i]; /* interleaved: a read of one, a write into the other */
      x += pa[8 * PG - 1 - i] + pb[i];
    }
    unsigned long ea = 0, eb = 0, ex = 0;
    for (size_t i = 0; i < 3 * PG; i++) ea += at(i, 1);
    for (size_t i = 0; i < 5 * PG; i++) eb += i % 512 == 0 ? (i < 3 * PG ? at(i, 1) : 0) : at(i, 2);
    for (size_t i = 0; i < 8 * PG; i += 512) ex += (8 * PG - 1 - i < 3 * PG ? at(8 * PG - 1 - i, 1) : 0) + (i < 3 * PG ? at(i, 1) : 0);
    printf("a %s, b %s, interleaved %s\n", sum(pa, 8 * PG) == ea ? "ok" : "wrong", sum(pb, 8 * PG) == eb ? "ok" : "wrong",
           x == ex ? "ok" : "wrong");
    stats("a", (void *)pa);
    stats("b", (void *)pb);
    return 0;
  }
  if (!strcmp(s, "foreign")) {
    /* A plain mmap in a process that has guarded mappings: a real bug, dies by SIGBUS. */
    int fd = file_of(2 * PG, 0);
    volatile unsigned char *g = nosigbus_mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    volatile unsigned char *raw = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (g == MAP_FAILED || raw == MAP_FAILED) return 2;
    if (ftruncate(fd, 0) != 0) return 3;
    printf("guarded=%lu\n", sum(g, 2 * PG));
    printf("raw=%d\n", raw[PG]);
    return 0;
  }
  if (!strcmp(s, "kill")) {
    int fd = file_of(PG, 0);
    if (nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED) return 2;
    printf("sending\n");
    kill(getpid(), SIGBUS);
    printf("survived\n");
    return 0;
  }
  if (!strcmp(s, "chained")) {
    /* The program's own handler, installed before and after the first guarded mapping. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = prev_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    int after = argc > 2 && !strcmp(argv[2], "after");
    int fd = file_of(2 * PG, 0);
    if (!after) sigaction(SIGBUS, &sa, NULL);
    volatile unsigned char *g = nosigbus_mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (g == MAP_FAILED) return 2;
    if (after) sigaction(SIGBUS, &sa, NULL);
    volatile unsigned char *g2 = nosigbus_mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0); /* puts ours back first */
    volatile unsigned char *raw = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (g2 == MAP_FAILED || raw == MAP_FAILED) return 2;
    if (ftruncate(fd, 0) != 0) return 3;
    printf("guarded=%lu,%lu calls=%d\n", sum(g, 2 * PG), sum(g2, 2 * PG), (int)prev_calls);
    if (sigsetjmp(jb, 1) == 0) printf("raw=%d\n", raw[0]);
    printf("calls=%d\n", (int)prev_calls);
    kill(getpid(), SIGBUS);
    printf("calls=%d\n", (int)prev_calls);
    return 0;
  }
  if (!strcmp(s, "mremap")) {
    int fd = file_of(4 * PG, 3);
    volatile unsigned char *p = nosigbus_mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return 2;
    if (ftruncate(fd, PG) != 0) return 3;
    printf("rescued=%d\n", p[PG + 3]); /* splits the mapping: file page, zero page */
    void *k = mremap((void *)p, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
    printf("kernel mremap: %s\n", k == MAP_FAILED ? strerror(errno) : "moved");
    if (k != MAP_FAILED) return 5;
    /* The file grows back with new data; a growth maps it afresh. */
    int fresh = file_of(6 * PG, 9);
    unsigned char buf[6 * PG];
    if (pread(fresh, buf, sizeof buf, 0) != (ssize_t)sizeof buf || pwrite(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) return 6;
    volatile unsigned char *q = nosigbus_mremap((void *)p, 2 * PG, 6 * PG, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) return 7;
    printf("q[PG+3]=%d(%d) q[5*PG]=%d(%d)\n", q[PG + 3], at(PG + 3, 9), q[5 * PG], at(5 * PG, 9));
    stats("grown", (void *)q);
    if (ftruncate(fd, 2 * PG) != 0) return 8;
    printf("tail=%lu\n", sum(q + 2 * PG, 4 * PG));
    stats("truncated", (void *)q);
    volatile unsigned char *r = nosigbus_mremap((void *)q, 6 * PG, PG, 0);
    printf("shrunk=%s r[0]=%d\n", r == q ? "in place" : "moved", r[0]);
    stats("shrunk", (void *)r);
    return nosigbus_munmap((void *)r, PG);
  }
  if (!strcmp(s, "partial")) {
    int fd = file_of(6 * PG, 0);
    volatile unsigned char *p = nosigbus_mmap(NULL, 6 * PG, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return 2;
    if (nosigbus_munmap((void *)(p + 2 * PG), 2 * PG) != 0) return 3;
    if (ftruncate(fd, 0) != 0) return 4;
    printf("head=%lu tail=%lu\n", sum(p, 2 * PG), sum(p + 4 * PG, 2 * PG));
    stats("head", (void *)p);
    stats("middle", (void *)(p + 2 * PG));
    stats("tail", (void *)(p + 4 * PG));
    return 0;
  }
  if (!strcmp(s, "errors")) {
    int pfd[2];
    if (pipe(pfd) != 0) return 2;
    int fd = file_of(PG, 0);
    struct { const char *what; void *r; } cases[] = {
      {"pipe", nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, pfd[0], 0)},
      {"zero length", nosigbus_mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0)},
      {"anonymous", nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0)},
      {"negative offset", nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, -1)},
      {"bad fd", nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, 999, 0)},
      {"dev/zero", nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, open("/dev/zero", O_RDONLY), 0)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
      int e = errno;
      (void)e;
      printf("%s: %s\n", cases[i].what, cases[i].r == MAP_FAILED ? "refused" : "mapped");
    }
    errno = 0;
    void *r = nosigbus_mmap(NULL, PG, PROT_READ, MAP_SHARED, pfd[0], 0);
    printf("pipe errno=%s\n", r == MAP_FAILED ? strerrorname_np(errno) : "none");
    r = nosigbus_mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0);
    printf("zero errno=%s\n", r == MAP_FAILED ? strerrorname_np(errno) : "none");
    struct nosigbus_stats st;
    printf("stats of nothing: %d %s\n", nosigbus_stats(&st, &st), strerrorname_np(errno));
    return 0;
  }
  if (!strcmp(s, "fork")) return fork_scenario(argc > 2 ? atoi(argv[2]) : 300);
  fprintf(stderr, "unknown scenario %s\n", s);
  return 99;
}
