/* nosigbus_mmap + nosigbus_munmap against raw mmap + munmap of the same memfd
 * (a 256x256x4 pool, untouched), alternating rounds; prints ns per pair. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nosigbus.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  size_t size = 256 * 256 * 4;
  int fd = memfd_create("bench", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) return 1;
  enum { ROUNDS = 9 };
  double raw[ROUNDS], ours[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
      void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED || munmap(p, size) != 0) return 2;
    }
    double t1 = now_ns();
    for (long i = 0; i < n; i++) {
      void *p = nosigbus_mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED || nosigbus_munmap(p, size) != 0) return 3;
    }
    double t2 = now_ns();
    raw[r] = (t1 - t0) / (double)n;
    ours[r] = (t2 - t1) / (double)n;
  }
  qsort(raw, ROUNDS, sizeof *raw, cmp);
  qsort(ours, ROUNDS, sizeof *ours, cmp);
  printf("%.1f %.1f\n", ours[ROUNDS / 2], raw[ROUNDS / 2]);
  return 0;
}
