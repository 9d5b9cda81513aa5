/* copy.c: bulk pixel copies for screen capture (src/compositor/capture.ts).
 *
 *   copyRows(dst, dstOffset, dstStride, src, srcOffset, srcStride, rowBytes, rows, swapRB)
 *
 * Copies `rows` rows of `rowBytes` bytes from src (row r at srcOffset +
 * r × srcStride) to dst (row r at dstOffset + r × dstStride); with swapRB,
 * bytes 0 and 2 of every 4-byte pixel trade places (argb8888 <-> abgr8888).
 * dst and src: a TypedArray, DataView, Buffer or ArrayBuffer each.
 *
 * Invariants:
 *  - every argument is checked before a byte moves: wrong types are
 *    ERR_NOSIGBUS_BAD_ARGUMENT, rows that do not lie inside their buffer (a
 *    detached one has none), or source and destination memory that overlap,
 *    ERR_NOSIGBUS_BAD_RANGE, computed in 64-bit with overflow checks; nothing
 *    is written then;
 *  - the destination may be guarded client memory (a writable SafeMapping's
 *    bytes): this is a plain store loop, so a page past end of file is
 *    rescued by the SIGBUS guard as for any other access, and the caller's
 *    rescue accounting (the mapping's rescue count before and after, as
 *    ShmBuffer.writeInto does) sees it. Nothing here reads the file's size;
 *  - large copies (COPY_STREAM_BYTES and up) go past the caches on x86-64
 *    (non-temporal stores, then sfence before returning: the bytes are in
 *    memory, ordered before anything the caller does next); a contiguous
 *    large destination with pages not in memory yet (mincore) is first
 *    faulted in with one MADV_POPULATE_WRITE (Linux 5.14+; any failure,
 *    e.g. EFAULT past end of file or EINVAL on older kernels, is ignored:
 *    the stores then fault, and are guarded, as they would have been);
 *  - only the bytes of the rows are written, never the gaps between them.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "common.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* At and above this many bytes, stream past the caches and populate first. */
#define COPY_STREAM_BYTES ((uint64_t)1 << 20)

static uint32_t swap_rb(uint32_t p) { return (p & 0xff00ff00u) | ((p & 0xffu) << 16) | ((p >> 16) & 0xffu); }

static void swap_row(uint8_t *d, const uint8_t *s, size_t n) {
  for (size_t i = 0; i + 4 <= n; i += 4) {
    uint32_t p;
    memcpy(&p, s + i, 4);
    p = swap_rb(p);
    memcpy(d + i, &p, 4);
  }
}

#if defined(__x86_64__)
static __m128i swap_rb_x4(__m128i v) {
  const __m128i ga = _mm_set1_epi32((int)0xff00ff00u), low = _mm_set1_epi32(0xff);
  __m128i r = _mm_and_si128(_mm_srli_epi32(v, 16), low);
  __m128i b = _mm_slli_epi32(_mm_and_si128(v, low), 16);
  return _mm_or_si128(_mm_and_si128(v, ga), _mm_or_si128(r, b));
}

/* One row with non-temporal stores: a plain head until dst is 16-byte
 * aligned (a whole number of pixels when swapping: rows of pixels start
 * wherever the caller's offset put them), 64-byte blocks, a plain tail. */
static void stream_row(uint8_t *d, const uint8_t *s, size_t n, int swap) {
  size_t head = (16 - ((uintptr_t)d & 15)) & 15;
  if (swap && (head & 3)) { /* dst not 4-byte aligned: pixels never meet 16-byte lanes */
    swap_row(d, s, n);
    return;
  }
  if (head > n) head = n;
  if (swap) swap_row(d, s, head);
  else memcpy(d, s, head);
  d += head, s += head, n -= head;
  for (; n >= 64; d += 64, s += 64, n -= 64) {
    __m128i a = _mm_loadu_si128((const __m128i *)s), b = _mm_loadu_si128((const __m128i *)(s + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(s + 32)), e = _mm_loadu_si128((const __m128i *)(s + 48));
    if (swap) a = swap_rb_x4(a), b = swap_rb_x4(b), c = swap_rb_x4(c), e = swap_rb_x4(e);
    _mm_stream_si128((__m128i *)d, a);
    _mm_stream_si128((__m128i *)(d + 16), b);
    _mm_stream_si128((__m128i *)(d + 32), c);
    _mm_stream_si128((__m128i *)(d + 48), e);
  }
  if (swap) swap_row(d, s, n);
  else memcpy(d, s, n);
}
#endif

/* Faults [p, p+n) in for writing with one system call when some of its
 * pages are not in memory yet (a fresh capture buffer: each page is a fault
 * otherwise); a destination already in memory (one reused again and again)
 * is left alone: populating it would walk every page for nothing. A hint:
 * errors are ignored (see the invariants). */
static void populate(uint8_t *p, size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1), hi = ((uintptr_t)p + n + page - 1) & ~(uintptr_t)(page - 1);
  size_t npages = (hi - lo) / page;
  unsigned char *vec = malloc(npages);
  if (!vec) return;
  int saved = errno;
  int missing = 0;
  if (mincore((void *)lo, hi - lo, vec) == 0)
    for (size_t i = 0; i < npages && !missing; i++) missing = !(vec[i] & 1);
  free(vec);
  if (missing) (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
  errno = saved;
}

/* The span [off, off + (rows-1) × stride + row) inside len, in 64-bit. */
static int rows_fit(uint64_t off, uint64_t stride, uint64_t row, uint64_t rows, size_t len, uint64_t *end) {
  uint64_t last;
  if (__builtin_mul_overflow(rows - 1, stride, &last) || __builtin_add_overflow(last, off, &last) ||
      __builtin_add_overflow(last, row, end))
    return 0;
  return *end <= len;
}

static napi_value js_copy_rows(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 9);
  uint8_t *dst, *src;
  size_t dst_len, src_len;
  uint64_t dst_off, dst_stride, src_off, src_stride, row, rows;
  int swap;
  if (argc < 9) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL,
              "copyRows(dst, dstOffset, dstStride, src, srcOffset, srcStride, rowBytes, rows, swapRB) takes 9 arguments");
    return NULL;
  }
  if (nsb_arg_bytes(env, argv[0], "dst", &dst, &dst_len) || nsb_arg_u64(env, argv[1], "dstOffset", &dst_off) ||
      nsb_arg_u64(env, argv[2], "dstStride", &dst_stride) || nsb_arg_bytes(env, argv[3], "src", &src, &src_len) ||
      nsb_arg_u64(env, argv[4], "srcOffset", &src_off) || nsb_arg_u64(env, argv[5], "srcStride", &src_stride) ||
      nsb_arg_u64(env, argv[6], "rowBytes", &row) || nsb_arg_u64(env, argv[7], "rows", &rows) ||
      nsb_arg_bool(env, argv[8], "swapRB", &swap))
    return NULL;
  if (swap && row % 4) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "rowBytes %llu is not whole 4-byte pixels (swapRB)",
              (unsigned long long)row);
    return NULL;
  }
  if (row == 0 || rows == 0) return nsb_undefined(env);
  uint64_t dst_end, src_end;
  if (rows > 1 && (dst_stride < row || src_stride < row)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "strides (%llu, %llu) are shorter than a row (%llu bytes)",
              (unsigned long long)dst_stride, (unsigned long long)src_stride, (unsigned long long)row);
    return NULL;
  }
  if (!rows_fit(dst_off, dst_stride, row, rows, dst_len, &dst_end)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "%llu rows of %llu bytes at %llu, stride %llu, do not fit in dst (%zu bytes)",
              (unsigned long long)rows, (unsigned long long)row, (unsigned long long)dst_off, (unsigned long long)dst_stride,
              dst_len);
    return NULL;
  }
  if (!rows_fit(src_off, src_stride, row, rows, src_len, &src_end)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "%llu rows of %llu bytes at %llu, stride %llu, do not fit in src (%zu bytes)",
              (unsigned long long)rows, (unsigned long long)row, (unsigned long long)src_off, (unsigned long long)src_stride,
              src_len);
    return NULL;
  }
  uint8_t *d = dst + dst_off;
  const uint8_t *s = src + src_off;
  if ((uintptr_t)d < (uintptr_t)(src + src_end) && (uintptr_t)s < (uintptr_t)(dst + dst_end)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "source and destination memory overlap");
    return NULL;
  }
  uint64_t total = row * rows; /* <= dst_len: no overflow */
  if (total >= COPY_STREAM_BYTES && (rows == 1 || dst_stride == row)) populate(d, (size_t)total);
#if defined(__x86_64__)
  if (total >= COPY_STREAM_BYTES) {
    for (uint64_t r = 0; r < rows; r++) stream_row(d + r * dst_stride, s + r * src_stride, (size_t)row, swap);
    _mm_sfence();
    return nsb_undefined(env);
  }
#endif
  if (!swap && (rows == 1 || (dst_stride == row && src_stride == row))) {
    memcpy(d, s, (size_t)total);
  } else {
    for (uint64_t r = 0; r < rows; r++) {
      if (swap) swap_row(d + r * dst_stride, s + r * src_stride, (size_t)row);
      else memcpy(d + r * dst_stride, s + r * src_stride, (size_t)row);
    }
  }
  return nsb_undefined(env);
}

napi_value nsb_copy_init(napi_env env, napi_value exports) {
  return nsb_export(env, exports, "copyRows", js_copy_rows) ? NULL : exports;
}
