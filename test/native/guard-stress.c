/*
 * guard-stress: the guard alone (no Node), built with sanitizers by
 * test/native/sanitizers.test.ts.
 *   writers: threads write their own pages of a writable guarded mapping
 *            while the main thread truncates step by step; a write made
 *            after the truncation must never be lost (tail and page mode).
 *   churn:   threads register, fault past EOF and release mappings in a
 *            loop (slot reuse under concurrent rescues).
 *   overlap: four threads released together by a barrier fault on one
 *            truncated mapping at once, 200 times (handlers inside one
 *            slot at the same time: what a race in the claim would need).
 *   chain:   a SA_SIGINFO handler installed before the guard still gets the
 *            SIGBUS that are not ours, with the siginfo intact.
 * Exit 0 and "ok" on success.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../native/guard/guard.h"

#define PAGES 64
#define WRITERS 3

static uint8_t *g_window;
static size_t g_page;
static _Atomic int g_stop, g_truncated;
static _Atomic long g_lost, g_writes;

static void *writer(void *arg) {
  long index = (long)arg;
  uint64_t counter = 0, expected[PAGES] = {0};
  unsigned char must_stick[PAGES] = {0};
  while (!atomic_load(&g_stop)) {
    for (size_t p = (size_t)index; p < PAGES; p += WRITERS) {
      volatile uint64_t *cell = (volatile uint64_t *)(g_window + p * g_page);
      if (must_stick[p] && *cell != expected[p]) atomic_fetch_add(&g_lost, 1);
      int after = atomic_load(&g_truncated);
      uint64_t v = (++counter << 8) | (uint64_t)(index + 1);
      *cell = v;
      expected[p] = v;
      must_stick[p] = (unsigned char)after;
      atomic_fetch_add(&g_writes, 1);
    }
  }
  return NULL;
}

static guard_slot *map_guarded(int fd, size_t len, int prot, int flags, enum guard_mode mode, uint8_t **out) {
  struct stat st;
  *out = mmap(NULL, len, prot, flags, fd, 0);
  if (*out == MAP_FAILED || fstat(fd, &st) != 0) return NULL;
  return guard_register(*out, len, prot, mode, fd, &st, 0, GUARD_BACKING_SHMEM);
}

static int writers(enum guard_mode mode, int rounds) {
  for (int r = 0; r < rounds; r++) {
    int fd = memfd_create("stress", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, PAGES * g_page) != 0) return 1;
    guard_slot *s = map_guarded(fd, PAGES * g_page, PROT_READ | PROT_WRITE, MAP_SHARED, mode, &g_window);
    if (!s) return 1;
    atomic_store(&g_stop, 0);
    atomic_store(&g_truncated, 0);
    pthread_t t[WRITERS];
    for (long i = 0; i < WRITERS; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    usleep(500);
    if (ftruncate(fd, (PAGES / 2) * g_page + 100) != 0 || ftruncate(fd, 3 * g_page) != 0) return 1;
    atomic_store(&g_truncated, 1);
    usleep(2000);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < WRITERS; i++) pthread_join(t[i], NULL);
    guard_release(s);
    close(fd);
  }
  return 0;
}

static void *churn(void *arg) {
  (void)arg;
  for (int i = 0; i < 300; i++) {
    int fd = memfd_create("churn", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 8 * g_page) != 0) return (void *)1;
    uint8_t *w;
    guard_slot *s = map_guarded(fd, 8 * g_page, PROT_READ, MAP_SHARED, i % 2 ? GUARD_PAGE : GUARD_TAIL, &w);
    if (!s) return (void *)1;
    if (ftruncate(fd, g_page) != 0) return (void *)1;
    if (((volatile uint8_t *)w)[5 * g_page] != 0) return (void *)1; /* rescued: zeros */
    guard_stats st;
    guard_read_stats(s, &st);
    if (st.rescues != 1) return (void *)1;
    uintptr_t base;
    size_t len;
    if (i % 3 == 0)
      guard_release(s);
    else if (guard_retire(s, &base, &len) == 0)
      guard_unmap_retired(base, len);
    close(fd);
  }
  return NULL;
}

#define OVERLAP_THREADS 4
static pthread_barrier_t g_barrier;
static volatile uint8_t *g_overlap_window;

static void *overlap_reader(void *arg) {
  long index = (long)arg;
  pthread_barrier_wait(&g_barrier);
  return (void *)(uintptr_t)(g_overlap_window[(size_t)(4 + index * 5) * g_page] != 0);
}

static int overlap(enum guard_mode mode, int rounds) {
  for (int r = 0; r < rounds; r++) {
    int fd = memfd_create("overlap", MFD_CLOEXEC);
    uint8_t *w;
    if (fd < 0 || ftruncate(fd, 32 * g_page) != 0) return 1;
    guard_slot *s = map_guarded(fd, 32 * g_page, PROT_READ, MAP_SHARED, mode, &w);
    if (!s || ftruncate(fd, 2 * g_page) != 0) return 1;
    g_overlap_window = w;
    pthread_barrier_init(&g_barrier, NULL, OVERLAP_THREADS);
    pthread_t t[OVERLAP_THREADS];
    for (long i = 0; i < OVERLAP_THREADS; i++) pthread_create(&t[i], NULL, overlap_reader, (void *)i);
    int nonzero = 0;
    for (int i = 0; i < OVERLAP_THREADS; i++) {
      void *rc;
      pthread_join(t[i], &rc);
      nonzero |= rc != NULL;
    }
    pthread_barrier_destroy(&g_barrier);
    guard_release(s);
    close(fd);
    if (nonzero) return 1; /* past EOF must read zeros */
  }
  return 0;
}

static _Atomic int g_previous_calls;
static _Atomic int g_previous_code;

static void previous_handler(int sig, siginfo_t *info, void *uctx) {
  (void)sig; (void)uctx;
  atomic_fetch_add(&g_previous_calls, 1);
  atomic_store(&g_previous_code, info->si_code);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = previous_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGBUS, &sa, NULL) != 0) return 1;
  if (guard_install() != 0) return 1;
  raise(SIGBUS); /* not a fault of ours: goes to the previous handler */
  if (atomic_load(&g_previous_calls) != 1 || atomic_load(&g_previous_code) != SI_TKILL) {
    puts("chain failed");
    return 1;
  }
  g_page = guard_page_size();
  if (overlap(GUARD_TAIL, 200) || overlap(GUARD_PAGE, 200)) {
    puts("overlap failed");
    return 1;
  }
  if (writers(GUARD_TAIL, 60) || writers(GUARD_PAGE, 60)) return 1;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, NULL);
  void *rc;
  int failed = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], &rc);
    failed |= rc != NULL;
  }
  long lost = atomic_load(&g_lost);
  printf("writes %ld lost %ld churn %s active %zu\n", atomic_load(&g_writes), lost, failed ? "failed" : "ok",
         guard_active_count());
  if (lost || failed || guard_active_count() != 0) return 1;
  puts("ok");
  return 0;
}
