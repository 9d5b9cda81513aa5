/*
 * testing.c: native-thread workloads, fault injection and unguarded
 * baselines for the test suite and the benchmarks, exported as `testing`
 * (and `socket.testing`). Built only into the test addon,
 * build/Release/nosigbus_testing.node (binding.gyp's second target, with
 * -DNOSIGBUS_TESTING); the production addon has none of it.
 */
#ifndef NOSIGBUS_TESTING
#error "testing.c belongs to the test build only (binding.gyp: nosigbus_testing)"
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"
#include "../guard/guard.h"

#define MAX_THREADS 32

typedef struct hammer {
  uint8_t *window;
  size_t length, page, npages;
  int nreaders, nwriters, nthreads;
  pthread_t threads[MAX_THREADS];
  _Atomic int stop;
  _Atomic int truncated;  /* set by the test after ftruncate returned */
  _Atomic uint64_t reads, writes, lost;
  uint64_t *expected;     /* per page, owned by one writer */
  unsigned char *must_stick; /* the last write happened after truncation */
  uv_loop_t *loop;        /* counted as a request in flight while the threads run */
} hammer;

/* The threads hold raw pointers into the mapping, as a threadpool job does:
 * count them as a request of the loop (what napi_async_work does), so a
 * closed region stays quarantined (zeros) until they stop. */
static void hammer_stopped(hammer *h) {
  if (h->loop) h->loop->active_reqs.count--;
  h->loop = NULL;
}

typedef struct worker_arg {
  hammer *h;
  int index;
} worker_arg;

static worker_arg g_args[MAX_THREADS];

static void *reader_main(void *p) {
  hammer *h = p;
  uint64_t sum = 0;
  while (!atomic_load(&h->stop)) {
    for (size_t off = 0; off + 8 <= h->length; off += h->page) sum += *(volatile uint64_t *)(h->window + off);
    atomic_fetch_add(&h->reads, 1);
  }
  return (void *)(uintptr_t)sum;
}

/* Each writer owns the pages p with p % nwriters == index and checks on every
 * pass that the value it wrote last is still there. A write made after the
 * truncation (so into rescued or still-live memory) must never vanish. */
static void *writer_main(void *p) {
  worker_arg *a = p;
  hammer *h = a->h;
  uint64_t counter = 0;
  while (!atomic_load(&h->stop)) {
    for (size_t pg = (size_t)a->index; pg < h->npages; pg += (size_t)h->nwriters) {
      volatile uint64_t *cell = (volatile uint64_t *)(h->window + pg * h->page);
      uint64_t seen = *cell;
      if (h->must_stick[pg] && seen != h->expected[pg]) atomic_fetch_add(&h->lost, 1);
      int after = atomic_load(&h->truncated);
      uint64_t v = (++counter << 8) | (uint64_t)(a->index + 1);
      *cell = v;
      h->expected[pg] = v;
      h->must_stick[pg] = (unsigned char)after;
      atomic_fetch_add(&h->writes, 1);
    }
  }
  return NULL;
}

static void finalize_hammer(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  hammer *h = data;
  if (!atomic_load(&h->stop)) {
    atomic_store(&h->stop, 1);
    for (int i = 0; i < h->nthreads; i++) pthread_join(h->threads[i], NULL);
  }
  hammer_stopped(h);
  free(h->expected);
  free(h->must_stick);
  free(h);
}

/* startThreads(handle, readers, writers) -> token. The window must stay open until stopThreads. */
static napi_value js_start_threads(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 3);
  size_t length;
  int32_t readers, writers;
  uint8_t *window = argc == 3 ? nsb_mapping_window(env, argv[0], &length) : NULL;
  if (!window || nsb_arg_int32(env, argv[1], "readers", &readers) || nsb_arg_int32(env, argv[2], "writers", &writers))
    return NULL;
  if (readers < 0 || writers < 0 || readers + writers > MAX_THREADS) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "at most %d threads", MAX_THREADS);
    return NULL;
  }
  hammer *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->window = window;
  h->length = length;
  h->page = guard_page_size();
  h->npages = length / h->page;
  h->nreaders = readers;
  h->nwriters = writers;
  h->expected = calloc(h->npages + 1, sizeof *h->expected);
  h->must_stick = calloc(h->npages + 1, 1);
  if (napi_get_uv_event_loop(env, &h->loop) == napi_ok && h->loop) h->loop->active_reqs.count++;
  for (int i = 0; i < readers + writers; i++) {
    int rc;
    if (i < readers) {
      rc = pthread_create(&h->threads[i], NULL, reader_main, h);
    } else {
      g_args[i].h = h;
      g_args[i].index = i - readers;
      rc = pthread_create(&h->threads[i], NULL, writer_main, &g_args[i]);
    }
    if (rc != 0) break;
    h->nthreads++;
  }
  napi_value token;
  NAPI_CALL(env, napi_create_external(env, h, finalize_hammer, NULL, &token));
  return token;
}

static hammer *hammer_of(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not a thread token");
    return NULL;
  }
  return p;
}

static napi_value js_mark_truncated(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  hammer *h = hammer_of(env, argv[0]);
  if (!h) return NULL;
  atomic_store(&h->truncated, 1);
  return nsb_undefined(env);
}

/* stopThreads(token) -> { reads, writes, lost, threads } */
static napi_value js_stop_threads(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  hammer *h = hammer_of(env, argv[0]);
  if (!h) return NULL;
  if (!atomic_exchange(&h->stop, 1))
    for (int i = 0; i < h->nthreads; i++) pthread_join(h->threads[i], NULL);
  hammer_stopped(h);
  napi_value obj;
  NAPI_CALL(env, napi_create_object(env, &obj));
  NAPI_CALL(env, napi_set_named_property(env, obj, "reads", nsb_number(env, (double)atomic_load(&h->reads))));
  NAPI_CALL(env, napi_set_named_property(env, obj, "writes", nsb_number(env, (double)atomic_load(&h->writes))));
  NAPI_CALL(env, napi_set_named_property(env, obj, "lost", nsb_number(env, (double)atomic_load(&h->lost))));
  NAPI_CALL(env, napi_set_named_property(env, obj, "threads", nsb_number(env, h->nthreads)));
  return obj;
}

/* sendSigbus(handle, offset, siCode): queue a SIGBUS to this thread carrying
 * si_code and an address inside the window, as the kernel would for a fault
 * (e.g. BUS_MCEERR_AR, a hardware memory error). */
static napi_value js_send_sigbus(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 3);
  size_t length;
  uint64_t offset;
  int32_t code;
  uint8_t *window = argc == 3 ? nsb_mapping_window(env, argv[0], &length) : NULL;
  if (!window || nsb_arg_u64(env, argv[1], "offset", &offset) || nsb_arg_int32(env, argv[2], "siCode", &code))
    return NULL;
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGBUS;
  si.si_code = code;
  si.si_addr = window + offset;
  if (syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGBUS, &si) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_INTERNAL", errno, "rt_tgsigqueueinfo", "cannot queue SIGBUS");
    return NULL;
  }
  return nsb_undefined(env);
}

/* hugetlbMemfd(size) -> fd of a memfd in huge pages (MFD_HUGETLB). */
static napi_value js_hugetlb_memfd(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  uint64_t size;
  if (argc < 1 || nsb_arg_u64(env, argv[0], "size", &size)) return NULL;
  int fd = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    nsb_throw(env, "ERR_NOSIGBUS_MEMFD", err, "memfd_create", "cannot create a hugetlb memfd");
    return NULL;
  }
  return nsb_number(env, fd);
}

static napi_value js_eventfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_CLOEXEC);
  if (fd < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_INTERNAL", errno, "eventfd", "cannot create an eventfd");
    return NULL;
  }
  return nsb_number(env, fd);
}

/* ---- unguarded baselines for benchmarks ---- */

typedef struct raw_map {
  void *base;
  size_t len;
  int refs; /* the ArrayBuffer's finalizer and the handle's */
} raw_map;

static void raw_unref(napi_env env, void *data, void *hint) {
  (void)env; (void)data;
  raw_map *r = hint;
  if (--r->refs > 0) return;
  if (r->base) munmap(r->base, r->len);
  free(r);
}

/* rawMap(fd, length) -> [ArrayBuffer, handle] over a plain MAP_SHARED mapping
 * (fd < 0: fresh MAP_ANONYMOUS memory). Unguarded: a truncation kills. */
static napi_value js_raw_map(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int32_t fd;
  uint64_t length;
  if (argc < 2 || nsb_arg_int32(env, argv[0], "fd", &fd) || nsb_arg_u64(env, argv[1], "length", &length)) return NULL;
  void *p = fd < 0 ? mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                   : mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, 0);
  raw_map *r = malloc(sizeof *r);
  if (p == MAP_FAILED || !r) {
    if (p != MAP_FAILED) munmap(p, (size_t)length);
    free(r);
    nsb_throw(env, "ERR_NOSIGBUS_MAP_FAILED", errno, "mmap", "raw mmap failed");
    return NULL;
  }
  r->base = p;
  r->len = (size_t)length;
  r->refs = 2;
  napi_value ab, handle, pair;
  NAPI_CALL(env, napi_create_external_arraybuffer(env, p, (size_t)length, raw_unref, r, &ab));
  NAPI_CALL(env, napi_create_external(env, r, raw_unref, r, &handle));
  NAPI_CALL(env, napi_create_array_with_length(env, 2, &pair));
  NAPI_CALL(env, napi_set_element(env, pair, 0, ab));
  NAPI_CALL(env, napi_set_element(env, pair, 1, handle));
  return pair;
}

/* rawUnmap(ab, handle): detach, munmap now. */
static napi_value js_raw_unmap(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  raw_map *r = NULL;
  if (argc < 2 || napi_get_value_external(env, argv[1], (void **)&r) != napi_ok || !r) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not a raw mapping");
    return NULL;
  }
  NAPI_CALL(env, napi_detach_arraybuffer(env, argv[0]));
  if (r->base) munmap(r->base, r->len);
  r->base = NULL;
  return nsb_undefined(env);
}

static napi_value js_refuse_external(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int refuse;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || nsb_arg_bool(env, argv[0], "refuse", &refuse)) return NULL;
  nsb_set_refuse_external(refuse);
  return nsb_undefined(env);
}

/* setLimitCap(n): the guard assumes vm.max_map_count is at most n (0: the real one). */
static napi_value js_set_limit_cap(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  uint64_t cap;
  if (argc < 1 || nsb_arg_u64(env, argv[0], "cap", &cap)) return NULL;
  guard_set_limit_cap((long)cap);
  return nsb_undefined(env);
}

typedef struct fake_ranges {
  uint8_t *base;
  size_t n;
  guard_slot **slots;
} fake_ranges;

static void free_fake_ranges(fake_ranges *f) {
  if (!f->slots) return;
  for (size_t i = 0; i < f->n; i++)
    if (f->slots[i]) guard_release(f->slots[i]); /* zeros, then munmap of that page */
  free(f->slots);
  f->slots = NULL;
}

static void finalize_fake_ranges(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  free_fake_ranges(data);
  free(data);
}

/* fakeRanges(n) -> token: n one-page guarded ranges of anonymous memory
 * (outside the VMA budget), to measure the table at a given size. */
static napi_value js_fake_ranges(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  uint64_t n;
  if (argc < 1 || nsb_arg_u64(env, argv[0], "n", &n) || n == 0) return NULL;
  size_t page = guard_page_size();
  fake_ranges *f = calloc(1, sizeof *f);
  uint8_t *base = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (!f || base == MAP_FAILED || !(f->slots = calloc((size_t)n, sizeof *f->slots))) {
    if (base != MAP_FAILED) munmap(base, (size_t)n * page);
    free(f);
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "cannot make %llu ranges", (unsigned long long)n);
    return NULL;
  }
  f->base = base;
  f->n = (size_t)n;
  struct stat st;
  memset(&st, 0, sizeof st);
  for (size_t i = 0; i < f->n; i++) {
    f->slots[i] = guard_register_unbudgeted(base + i * page, page, PROT_READ | PROT_WRITE, GUARD_TAIL, -1, &st, 0);
    if (!f->slots[i]) {
      free_fake_ranges(f);
      free(f);
      nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", errno, NULL, "cannot register range %zu", i);
      return NULL;
    }
  }
  napi_value token;
  NAPI_CALL(env, napi_create_external(env, f, finalize_fake_ranges, NULL, &token));
  return token;
}

static napi_value js_drop_fake_ranges(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  fake_ranges *f = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&f) != napi_ok || !f) return NULL;
  free_fake_ranges(f);
  return nsb_undefined(env);
}

/* lookupNs(handle, iterations) -> ns per lookup of an address in the mapping's window. */
static napi_value js_lookup_ns(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  size_t length;
  uint64_t n;
  uint8_t *window = argc == 2 ? nsb_mapping_window(env, argv[0], &length) : NULL;
  if (!window || nsb_arg_u64(env, argv[1], "iterations", &n)) return NULL;
  return nsb_number(env, guard_lookup_ns((uintptr_t)window, (long)n));
}

/* windowAddress(handle) -> the address of the window (for counting its VMAs in /proc/self/maps). */
static napi_value js_window_address(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  size_t length;
  uint8_t *window = argc == 1 ? nsb_mapping_window(env, argv[0], &length) : NULL;
  if (!window) return NULL;
  return nsb_number(env, (double)(uintptr_t)window);
}

/* ---- socket.testing ---- */

/* socket.testing.sendRawFds(sockFd, fd, n) -> bytes: sends one byte with n copies of
 * fd in a single SCM_RIGHTS message (up to the kernel's 253), bypassing the
 * 28-fd limit, to exercise the receiver's MSG_CTRUNC path. */
static napi_value js_send_raw_fds(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 3);
  int sock, fd;
  int32_t n;
  if (argc < 3 || nsb_arg_fd(env, argv[0], "sockFd", &sock) || nsb_arg_fd(env, argv[1], "fd", &fd) ||
      nsb_arg_int32(env, argv[2], "n", &n))
    return NULL;
  if (n < 1 || n > KERNEL_MAX_FDS) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "n must be in 1..%d", KERNEL_MAX_FDS);
    return NULL;
  }
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(KERNEL_MAX_FDS * sizeof(int))];
  } control;
  memset(control.buf, 0, sizeof control.buf);
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
  for (int32_t i = 0; i < n; i++) memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &fd, sizeof(int));
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_SEND", errno, "sendmsg", "cannot send %d raw fds", n);
    return NULL;
  }
  return nsb_number(env, (double)r);
}

napi_value nsb_testing_init(napi_env env, napi_value exports) {
  napi_value t;
  NAPI_CALL(env, napi_create_object(env, &t));
  if (nsb_export(env, t, "startThreads", js_start_threads) ||
      nsb_export(env, t, "markTruncated", js_mark_truncated) ||
      nsb_export(env, t, "stopThreads", js_stop_threads) || nsb_export(env, t, "sendSigbus", js_send_sigbus) ||
      nsb_export(env, t, "readUnguarded", nsb_read_unguarded) || /* also the production export readUnguarded */
      nsb_export(env, t, "refuseExternalBuffers", js_refuse_external) || nsb_export(env, t, "eventfd", js_eventfd) ||
      nsb_export(env, t, "hugetlbMemfd", js_hugetlb_memfd) ||
      nsb_export(env, t, "rawMap", js_raw_map) || nsb_export(env, t, "rawUnmap", js_raw_unmap) ||
      nsb_export(env, t, "setLimitCap", js_set_limit_cap) || nsb_export(env, t, "fakeRanges", js_fake_ranges) ||
      nsb_export(env, t, "dropFakeRanges", js_drop_fake_ranges) || nsb_export(env, t, "lookupNs", js_lookup_ns) ||
      nsb_export(env, t, "windowAddress", js_window_address))
    return NULL;
  NAPI_CALL(env, napi_set_named_property(env, exports, "testing", t));
  napi_value socket, st;
  NAPI_CALL(env, napi_get_named_property(env, exports, "socket", &socket));
  NAPI_CALL(env, napi_create_object(env, &st));
  if (nsb_export(env, st, "sendRawFds", js_send_raw_fds)) return NULL;
  NAPI_CALL(env, napi_set_named_property(env, socket, "testing", st));
  return exports;
}
