/*
 * mapping.c: guarded mappings as seen from JavaScript.
 *
 * A mapping owns a dup of the caller's fd (for remap), a page-aligned
 * MAP_SHARED region registered with the guard, and exposes the exact window
 * [offset, offset+length) as an external ArrayBuffer.
 *
 * Read-only mappings are MAP_PRIVATE with PROT_WRITE: pages never written
 * follow the file like MAP_SHARED ones, and a stray JS write lands in a
 * private copy instead of killing the process with SIGSEGV.
 *
 * Lifetime: the struct is shared by the JS handle and the ArrayBuffers'
 * finalizers (refcount, all on the owning JS thread). It is *released*
 * (buffer detached, zeros mapped over the region, rescues drained, fd
 * closed) by close(), by the finalizer of its current buffer, or at
 * environment teardown (worker_threads included), whichever comes first;
 * the others then no-op.
 *
 * Quarantine: a threadpool job (fs.read, zlib, crypto) may still hold a raw
 * pointer into a region whose buffer was detached. Such a region keeps its
 * zeros mapped (the address cannot be reused, a stray write lands in
 * private zeros, never in another mapping or file) until its environment's
 * loop has been seen with no request in flight (uv active_reqs == 0):
 * every job that could have had the pointer has then finished. The buffers
 * are marked untransferable on the JS side, so no other isolate holds
 * them. The check runs at every map, remap and close; with nothing in
 * flight (the usual case) a region is unmapped at once. Quarantined regions
 * count in the guard's VMA budget.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"
#include "../guard/admit.h"
#include "../guard/guard.h"

#define MAX_LENGTH (UINT64_C(1) << 46)

typedef struct env_state env_state;

typedef struct nsb_mapping {
  int refs;
  int open;
  unsigned epoch;      /* bumped by remap: tells a stale buffer finalizer apart */
  guard_slot *slot;
  int fd;              /* our own dup, F_DUPFD_CLOEXEC */
  uint8_t *window;
  size_t length;
  uintptr_t base;      /* page-aligned region under the window */
  size_t span;
  struct buffer_ref *buf; /* the current region's external buffer, if any */
  int moved;           /* that buffer was found detached by someone else: transfer() moved it */
  uint64_t offset;
  int writable;
  enum guard_mode mode;
  enum guard_backing backing;
  env_state *env;
  struct nsb_mapping *prev, *next;
} nsb_mapping;

typedef struct buffer_ref buffer_ref;

/* A retired region waiting for the loop to drain (and, if its buffer was
 * moved away by ArrayBuffer.prototype.transfer, for that buffer to die). */
typedef struct retired {
  uintptr_t base;
  size_t span;
  buffer_ref *held_by; /* the moved buffer's finalizer clears this */
  struct retired *next; /* newest first */
} retired;

/* At most this many regions of one thread wait for its loop: a request
 * pinned forever (a read from a pipe nobody writes) must not spend the VMA
 * budget of every later mapping. Beyond it the oldest are unmapped. */
#define QUARANTINE_CAP 4096

struct env_state {
  nsb_mapping *head;
  uv_loop_t *loop;
  retired *quarantine;
  size_t quarantined;
};

struct buffer_ref {
  nsb_mapping *m;
  unsigned epoch;
  retired *holds; /* the region its backing store still points at, after a move */
};

#ifdef NOSIGBUS_TESTING
static int g_refuse_external; /* behave like a runtime without external buffers */

void nsb_set_refuse_external(int refuse) { g_refuse_external = refuse; }
#endif

/* ---- lifetime ---- */

static void env_unlink(nsb_mapping *m) {
  if (!m->env) return;
  if (m->prev) m->prev->next = m->next; else m->env->head = m->next;
  if (m->next) m->next->prev = m->prev;
  m->prev = m->next = NULL;
  m->env = NULL;
}

/* Nothing in flight on es's loop: no threadpool job can hold a pointer
 * into a region whose buffer was just detached. */
static int drained(const env_state *es) { return !es->loop || es->loop->active_reqs.count == 0; }

/* Unmaps quarantined regions of es: all that no moved buffer holds if
 * nothing is in flight on its loop, else the oldest beyond the cap. */
static void sweep(env_state *es) {
  if (!es || !es->quarantine) return;
  int idle = drained(es);
  size_t kept = 0;
  for (retired **link = &es->quarantine, *q; (q = *link);) {
    if (!q->held_by && (idle || kept >= QUARANTINE_CAP)) {
      *link = q->next;
      guard_unmap_retired(q->base, q->span);
      free(q);
      es->quarantined--;
    } else {
      kept++;
      link = &q->next;
    }
  }
}

/* Lets go of one region: retired into the quarantine if a buffer ever
 * exposed it to JS and a request in flight (or a moved buffer) may still
 * use it, else unmapped at once (what the quarantine's sweep would do next:
 * no zeros mapped over it first, no second system call). */
static void drop_region(env_state *es, guard_slot *slot, buffer_ref *ref, int moved) {
  uintptr_t base;
  size_t span;
  if (!ref || !es || (!moved && drained(es))) {
    guard_release(slot);
    sweep(es);
    return;
  }
  if (guard_retire(slot, &base, &span) != 0) return;
  retired *q = malloc(sizeof *q);
  if (!q) {
    guard_unmap_retired(base, span); /* no memory to remember it: unmapped, as before quarantines */
    return;
  }
  q->base = base;
  q->span = span;
  q->held_by = moved ? ref : NULL;
  if (moved) ref->holds = q;
  q->next = es->quarantine;
  es->quarantine = q;
  es->quarantined++;
  sweep(es);
}

/* Lets the file go and closes the fd; the caller has detached the buffer. */
static void release(nsb_mapping *m) {
  if (!m->open) return;
  m->open = 0;
  drop_region(m->env, m->slot, m->buf, m->moved);
  m->slot = NULL;
  m->buf = NULL;
  close(m->fd);
  m->fd = -1;
  env_unlink(m);
}

static void unref(nsb_mapping *m) {
  if (--m->refs == 0) {
    release(m);
    free(m);
  }
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  unref(data);
}

static void finalize_buffer(napi_env env, void *data, void *hint) {
  (void)env; (void)data;
  buffer_ref *ref = hint;
  if (ref->holds) ref->holds->held_by = NULL; /* the moved buffer is gone: the next sweep may unmap */
  if (ref->m->open && ref->m->epoch == ref->epoch) release(ref->m);
  unref(ref->m);
  free(ref);
}

static void env_teardown(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  env_state *st = data;
  while (st->head) release(st->head); /* release unlinks */
  sweep(st);
  /* Requests still in flight, or moved buffers alive: their regions stay
   * reserved (zeros) for good. */
  for (retired *q = st->quarantine, *next; q; q = next) {
    next = q->next;
    if (q->held_by) q->held_by->holds = NULL;
    free(q);
  }
  free(st);
}

static env_state *env_of(napi_env env) {
  env_state *st = NULL;
  if (napi_get_instance_data(env, (void **)&st) == napi_ok && st) return st;
  st = calloc(1, sizeof *st);
  if (st && napi_get_uv_event_loop(env, &st->loop) != napi_ok) st->loop = NULL;
  if (!st || napi_set_instance_data(env, st, env_teardown, NULL) != napi_ok) {
    free(st);
    return NULL;
  }
  return st;
}

/* ---- mapping ---- */

static const char *code_for_mmap_errno(int err) {
  switch (err) {
    case ENODEV: return "ERR_NOSIGBUS_NOT_MAPPABLE";
    case EACCES: case EPERM: return "ERR_NOSIGBUS_ACCESS";
    case EBADF: return "ERR_NOSIGBUS_BAD_FD";
    case ENOMEM: return "ERR_NOSIGBUS_NO_MEMORY";
    case EINVAL: case EOVERFLOW: return "ERR_NOSIGBUS_BAD_RANGE";
    default: return "ERR_NOSIGBUS_MAP_FAILED";
  }
}

/* Checks that fd can back a guarded mapping (native/guard/admit.h says
 * which can, and why not); throws and returns -1 if not. */
static int check_fd(napi_env env, int fd, int allow_fuse, guard_admission *a) {
  int err = guard_admit_fd(fd, allow_fuse, a);
  if (!err) return 0;
  if (a->syscall) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", err, a->syscall, "fd %d cannot be used", fd);
  } else if (err == EBADF) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", EBADF, NULL, "fd %d is not a file descriptor", fd);
  } else if (err == ENODEV) {
    mode_t mode = a->st.st_mode;
    const char *kind = S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a pipe" : S_ISSOCK(mode) ? "a socket"
                       : S_ISBLK(mode) ? "a block device" : S_ISCHR(mode) ? "a character device" : "not a regular file";
    nsb_throw(env, "ERR_NOSIGBUS_NOT_MAPPABLE", S_ISDIR(mode) ? EISDIR : ENODEV, NULL,
              "fd %d is %s, which cannot be guarded", fd, kind);
  } else if (err == EINVAL) {
    nsb_throw(env, "ERR_NOSIGBUS_NOT_MAPPABLE", EINVAL, NULL,
              "fd %d is a hugetlbfs file (huge pages), which cannot be guarded", fd);
  } else {
    nsb_throw(env, "ERR_NOSIGBUS_NOT_MAPPABLE", EPERM, NULL,
              "fd %d is a FUSE file, served by a process that can stall every access; pass allowFuse to map it", fd);
  }
  return -1;
}

/* Maps [offset, offset+length) of m->fd and registers it; fills m->slot/window.
 * `shown_fd` is the fd errors name (the caller's, not our dup). */
static int map_window(napi_env env, nsb_mapping *m, int shown_fd, const struct stat *st, uint64_t offset,
                      uint64_t length) {
  int fd = m->fd;
  if (length == 0 || length > MAX_LENGTH) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_LENGTH", 0, NULL, "length %llu is out of range (1..2^46)",
              (unsigned long long)length);
    return -1;
  }
  if (offset > (uint64_t)INT64_MAX - length) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_OFFSET", 0, NULL, "offset %llu + length %llu is past the largest file offset",
              (unsigned long long)offset, (unsigned long long)length);
    return -1;
  }
  size_t page = guard_page_size();
  uint64_t aligned = offset & ~(uint64_t)(page - 1);
  size_t delta = (size_t)(offset - aligned);
  size_t span = ((size_t)length + delta + page - 1) & ~(page - 1);
  int prot = PROT_READ | PROT_WRITE;
  int flags = m->writable ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE;
  void *base = mmap(NULL, span, prot, flags, fd, (off_t)aligned);
  if (base == MAP_FAILED) {
    int err = errno;
    int fl = err == EACCES ? fcntl(fd, F_GETFL) : -1;
    if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY) {
      nsb_throw(env, "ERR_NOSIGBUS_ACCESS", err, "mmap", "the fd is open write-only; a mapping needs read access");
      return -1;
    }
    if (fl >= 0 && m->writable && (fl & O_ACCMODE) == O_RDONLY) {
      nsb_throw(env, "ERR_NOSIGBUS_ACCESS", err, "mmap", "the fd is open read-only; a writable mapping needs O_RDWR");
      return -1;
    }
    char what[32] = "the mapped file";
    if (shown_fd >= 0) snprintf(what, sizeof what, "fd %d", shown_fd);
    nsb_throw(env, code_for_mmap_errno(err), err, "mmap", "cannot map %llu bytes at offset %llu of %s",
              (unsigned long long)length, (unsigned long long)offset, what);
    return -1;
  }
  guard_slot *slot = guard_register(base, span, prot, m->mode, fd, st, aligned, m->backing);
  if (!slot) {
    int err = errno;
    munmap(base, span);
    if (err == ENOSPC) {
      guard_budget b;
      guard_read_budget(&b);
      nsb_throw(env, "ERR_NOSIGBUS_NO_MAPPINGS", err, NULL,
                "the guard's share of vm.max_map_count is spent (%ld of %ld mappings in use, %ld used by the rest "
                "of the process, %ld kept free)",
                b.used, b.limit, b.others, b.headroom);
    } else {
      nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", err, NULL, "cannot register the guarded range");
    }
    return -1;
  }
  m->slot = slot;
  m->base = (uintptr_t)base;
  m->span = span;
  m->window = (uint8_t *)base + delta;
  m->length = (size_t)length;
  m->offset = offset;
  return 0;
}

/* Makes the external ArrayBuffer for the current window, or undefined when
 * the runtime refuses external buffers (callers then use copyTo). */
static napi_value make_buffer(napi_env env, nsb_mapping *m) {
#ifdef NOSIGBUS_TESTING
  if (g_refuse_external) return nsb_undefined(env);
#endif
  buffer_ref *ref = malloc(sizeof *ref);
  if (!ref) {
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "out of memory");
    return NULL;
  }
  ref->m = m;
  ref->epoch = m->epoch;
  ref->holds = NULL;
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, m->window, m->length, finalize_buffer, ref, &ab);
  if (st == napi_no_external_buffers_allowed) {
    free(ref);
    return nsb_undefined(env);
  }
  if (st != napi_ok) {
    free(ref);
    nsb_throw_pending(env, "napi_create_external_arraybuffer");
    return NULL;
  }
  m->refs++;
  m->buf = ref;
  return ab;
}

static int seal_covers(int fd, uint64_t end) {
  struct stat st;
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_SHRINK) && fstat(fd, &st) == 0 && (uint64_t)st.st_size >= end;
}

/* Handles are tagged: any other external (another addon's) is refused, not dereferenced. */
static const napi_type_tag HANDLE_TAG = {0x6e6f736967627573ULL, 0x6d617070696e6731ULL};

static nsb_mapping *handle_of(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  bool tagged = false;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, &HANDLE_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &p) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not a mapping handle");
    return NULL;
  }
  return p;
}

static nsb_mapping *open_handle_of(napi_env env, napi_value v) {
  nsb_mapping *m = handle_of(env, v);
  if (m && !m->open) {
    nsb_throw(env, "ERR_NOSIGBUS_CLOSED", 0, NULL, "the mapping is closed");
    return NULL;
  }
  return m;
}

/* Detaches our buffer; returns 1 if it was already detached: someone moved
 * its backing store (ArrayBuffer.prototype.transfer), which may still point
 * at the region. */
static int detach_buffer(napi_env env, napi_value v, const buffer_ref *ref) {
  bool is = false, detached = false;
  if (!ref || !v || napi_is_arraybuffer(env, v, &is) != napi_ok || !is) return ref != NULL;
  if (napi_is_detached_arraybuffer(env, v, &detached) != napi_ok || detached) return 1;
  napi_detach_arraybuffer(env, v);
  return 0;
}

/* map(fd, offset, length, writable, mode, allowFuse, out) -> handle; out[0] = the buffer (or undefined).
 * (An array the caller reuses: no result object made and filled per call.) */
static napi_value js_map(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 7);
  int32_t fd, mode;
  uint64_t offset, length;
  int writable, allow_fuse;
  bool is_array = false;
  if (nsb_arg_int32(env, argv[0], "fd", &fd) || nsb_arg_u64(env, argv[1], "offset", &offset) ||
      nsb_arg_u64(env, argv[2], "length", &length) || nsb_arg_bool(env, argv[3], "writable", &writable) ||
      nsb_arg_int32(env, argv[4], "mode", &mode) || nsb_arg_bool(env, argv[5], "allowFuse", &allow_fuse))
    return NULL;
  if (napi_is_array(env, argv[6], &is_array) != napi_ok || !is_array) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "out must be an array");
    return NULL;
  }
  guard_ensure_first(); /* someone may have replaced our SIGBUS action since */
  guard_admission admitted;
  if (check_fd(env, fd, allow_fuse, &admitted)) return NULL;
  env_state *es = env_of(env);
  sweep(es);
  nsb_mapping *m = calloc(1, sizeof *m);
  if (!es || !m) {
    free(m);
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "out of memory");
    return NULL;
  }
  m->writable = writable;
  m->mode = mode == GUARD_PAGE ? GUARD_PAGE : GUARD_TAIL;
  m->backing = admitted.backing;
  m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (m->fd < 0) {
    int err = errno;
    free(m);
    nsb_throw(env, err == EMFILE ? "ERR_NOSIGBUS_NO_FDS" : "ERR_NOSIGBUS_BAD_FD", err, "fcntl", "cannot dup fd %d", fd);
    return NULL;
  }
  if (map_window(env, m, fd, &admitted.st, offset, length)) {
    close(m->fd);
    free(m);
    return NULL;
  }
  m->open = 1;
  m->refs = 1; /* the handle */
  m->env = es;
  m->next = es->head;
  if (es->head) es->head->prev = m;
  es->head = m;
  napi_value handle;
  if (napi_create_external(env, m, finalize_handle, NULL, &handle) != napi_ok) {
    m->refs = 0;
    release(m);
    free(m);
    nsb_throw_pending(env, "napi_create_external");
    return NULL;
  }
  if (napi_type_tag_object(env, handle, &HANDLE_TAG) != napi_ok) {
    release(m); /* the external's finalizer frees m */
    nsb_throw_pending(env, "napi_type_tag_object");
    return NULL;
  }
  napi_value buffer = make_buffer(env, m);
  if (!buffer) {
    release(m);
    return NULL;
  }
  if (napi_set_element(env, argv[6], 0, buffer) != napi_ok) {
    napi_detach_arraybuffer(env, buffer); /* not handed out: detached, then let go */
    release(m);
    nsb_throw_pending(env, "out[0]");
    return NULL;
  }
  return handle;
}

/* close(handle, buffer?) : detach first, then drain rescues and unmap. Idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  nsb_mapping *m = handle_of(env, argv[0]);
  if (!m) return NULL;
  if (m->open) m->moved = detach_buffer(env, argv[1], m->buf);
  release(m);
  return nsb_undefined(env);
}

/* remap(handle, newLength, oldBuffer?) -> buffer (or undefined). On failure the old mapping is untouched. */
static napi_value js_remap(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 3);
  nsb_mapping *m = open_handle_of(env, argv[0]);
  uint64_t length;
  if (!m || argc < 2 || nsb_arg_u64(env, argv[1], "length", &length)) return NULL;
  guard_ensure_first();
  sweep(m->env);
  nsb_mapping fresh = *m;
  struct stat st;
  if (fstat(m->fd, &st) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", errno, "fstat", "the mapped file cannot be used any more");
    return NULL;
  }
  if (map_window(env, &fresh, -1, &st, m->offset, length)) return NULL;
  nsb_mapping old = *m;
  /* New region and buffer first: if the buffer cannot be made, roll back. */
  m->epoch++;
  m->slot = fresh.slot;
  m->base = fresh.base;
  m->span = fresh.span;
  m->window = fresh.window;
  m->length = fresh.length;
  m->buf = NULL;
  napi_value buffer = make_buffer(env, m);
  if (!buffer) {
    guard_release(fresh.slot);
    old.refs = m->refs;
    *m = old;
    return NULL;
  }
  drop_region(m->env, old.slot, old.buf, detach_buffer(env, argv[2], old.buf));
  return buffer;
}

/* The guard's counts for a mapping (none once closed). */
static guard_stats stats_of(const nsb_mapping *m) {
  guard_stats s = {0, -1, 0};
  if (m->open) guard_read_stats(m->slot, &s);
  return s;
}

/* stats(handle) -> [rescues, firstOffset (window-relative, -1 if none), degraded] */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  nsb_mapping *m = handle_of(env, argv[0]);
  if (!m) return NULL;
  guard_stats s = stats_of(m);
  int64_t delta = (int64_t)(m->offset & (guard_page_size() - 1));
  int64_t first = s.first_fault < 0 ? -1 : (s.first_fault < delta ? 0 : s.first_fault - delta);
  napi_value arr;
  NAPI_CALL(env, napi_create_array_with_length(env, 3, &arr));
  NAPI_CALL(env, napi_set_element(env, arr, 0, nsb_number(env, (double)s.rescues)));
  NAPI_CALL(env, napi_set_element(env, arr, 1, nsb_number(env, (double)first)));
  NAPI_CALL(env, napi_set_element(env, arr, 2, nsb_bool(env, s.degraded)));
  return arr;
}

/* rescueCount(handle) -> stats()[0] alone, with no array made (0 once closed):
 * what a writer compares before and after its write. */
static napi_value js_rescue_count(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  nsb_mapping *m = handle_of(env, argv[0]);
  if (!m) return NULL;
  return nsb_number(env, (double)stats_of(m).rescues);
}

/* copyTo(handle, target, targetOffset, from, length) -> bytes copied.
 * A plain memcpy from guarded memory: pages past EOF are rescued and read as zeros. */
static napi_value js_copy_to(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 5);
  nsb_mapping *m = argc == 5 ? open_handle_of(env, argv[0]) : NULL;
  uint8_t *dst;
  size_t dst_len;
  uint64_t dst_off, from, length;
  if (!m || nsb_arg_bytes(env, argv[1], "target", &dst, &dst_len) ||
      nsb_arg_u64(env, argv[2], "targetOffset", &dst_off) || nsb_arg_u64(env, argv[3], "from", &from) ||
      nsb_arg_u64(env, argv[4], "length", &length))
    return NULL;
  if (from > m->length) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "from %llu is past the end of the mapping (%zu bytes)",
              (unsigned long long)from, m->length);
    return NULL;
  }
  if (dst_off > dst_len) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "targetOffset %llu is past the end of the target (%zu bytes)",
              (unsigned long long)dst_off, dst_len);
    return NULL;
  }
  size_t n = (size_t)length;
  if (n > m->length - from) n = m->length - (size_t)from;
  if (n > dst_len - dst_off) n = dst_len - (size_t)dst_off;
  memmove(dst + dst_off, m->window + from, n);
  return nsb_number(env, (double)n);
}

/* sealed(handle) -> F_SEAL_SHRINK is set and the file covers the window now (false once closed). */
static napi_value js_sealed(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  nsb_mapping *m = handle_of(env, argv[0]);
  if (!m) return NULL;
  return nsb_bool(env, m->open && seal_covers(m->fd, m->offset + m->length));
}

static napi_value js_active_mappings(napi_env env, napi_callback_info info) {
  (void)info;
  return nsb_number(env, (double)guard_active_count());
}

/* budget() -> [limit, others, headroom, used, available, quarantined (this environment)] */
static napi_value js_budget(napi_env env, napi_callback_info info) {
  (void)info;
  guard_budget b;
  guard_read_budget(&b);
  env_state *es = env_of(env);
  double v[6] = {(double)b.limit, (double)b.others, (double)b.headroom, (double)b.used, (double)b.available,
                 es ? (double)es->quarantined : 0};
  napi_value arr;
  NAPI_CALL(env, napi_create_array_with_length(env, 6, &arr));
  for (uint32_t i = 0; i < 6; i++) NAPI_CALL(env, napi_set_element(env, arr, i, nsb_number(env, v[i])));
  return arr;
}

/* ensureGuard() -> true if our SIGBUS action had been replaced and was put back first. */
static napi_value js_ensure_guard(napi_env env, napi_callback_info info) {
  (void)info;
  int rc = guard_ensure_first();
  if (rc < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_INTERNAL", errno, "sigaction", "cannot reinstall the SIGBUS handler");
    return NULL;
  }
  return nsb_bool(env, rc == 1);
}

static napi_value js_handler_installed(napi_env env, napi_callback_info info) {
  (void)info;
  return nsb_bool(env, guard_handler_installed());
}

napi_value nsb_mapping_init(napi_env env, napi_value exports) {
  if (nsb_export(env, exports, "map", js_map) || nsb_export(env, exports, "close", js_close) ||
      nsb_export(env, exports, "remap", js_remap) || nsb_export(env, exports, "stats", js_stats) ||
      nsb_export(env, exports, "rescueCount", js_rescue_count) ||
      nsb_export(env, exports, "copyTo", js_copy_to) || nsb_export(env, exports, "sealed", js_sealed) ||
      nsb_export(env, exports, "activeMappings", js_active_mappings) ||
      nsb_export(env, exports, "handlerInstalled", js_handler_installed) ||
      nsb_export(env, exports, "budget", js_budget) || nsb_export(env, exports, "ensureGuard", js_ensure_guard))
    return NULL;
  napi_value page;
  NAPI_CALL(env, napi_create_uint32(env, (uint32_t)guard_page_size(), &page));
  NAPI_CALL(env, napi_set_named_property(env, exports, "pageSize", page));
  return exports;
}

/* For composite.c and testing.c: the live window of a handle (NULL and a thrown error if closed). */
uint8_t *nsb_mapping_window(napi_env env, napi_value handle, size_t *length) {
  nsb_mapping *m = open_handle_of(env, handle);
  if (!m) return NULL;
  *length = m->length;
  return m->window;
}
