/* composite.c: the compositor's pixel work, done by pixman (the software
 * renderer of weston, wlroots and Xorg): SIMD copies, format conversion,
 * source-over blending, nearest and bilinear sampling through an affine map;
 * and an area average of our own for shrinks by less than 2.
 *
 *   shmFormats() -> [[wl_shm format, bytes per pixel, has alpha], ...]
 *   composite(op, filter, dst, dstWidth, dstHeight,
 *             src, srcOffset, srcStride, srcFormat, srcWidth, srcHeight,
 *             matrix, x, y, width, height)
 *
 * composite() draws the destination rectangle [x, x+width) × [y, y+height)
 * of `dst` (a8r8g8b8 premultiplied, stride dstWidth × 4: the framebuffer or a
 * surface's copy) from `src`, a srcWidth × srcHeight image of wl_shm format
 * `srcFormat` at byte `srcOffset` of `src` with `srcStride` bytes a row. `src`
 * is bytes (TypedArray, ArrayBuffer) or a mapping handle: a client's pool
 * read straight from its guarded mapping. `matrix` [a b c d e f] maps a
 * destination point (X, Y) (pixel centres at +0.5) to the source point
 * (aX + bY + c, dX + eY + f); outside the image the edge pixels repeat.
 * op: 0 copy, 1 copy with alpha forced opaque, 2 source-over.
 * filter: 0 nearest, 1 bilinear, 2 box: each destination pixel the average of
 * the source area it covers (box_draw; bilinear where it does not apply: see
 * there). An integer translation is always copied.
 *
 * Invariants:
 *  - nothing outside the two byte ranges is read or written: every argument
 *    is checked against them first (a bad one throws ERR_NOSIGBUS_BAD_ARGUMENT),
 *    and pixman only ever sees sub-images cut inside them;
 *  - a read of a client's truncated pool faults inside pixman; the guard
 *    (guard.c) turns the fault into zeros and counts the rescue on the
 *    mapping, which the caller reads after the call;
 *  - cost is bounded by the destination area: the source is cut into the
 *    part the destination rectangle samples (no 23000² image is ever handed
 *    to pixman), tiles keep pixman's 16.16 fixed-point coordinates small,
 *    and a minification too steep for them samples one point per pixel;
 *  - a source pixman cannot address in place (rows or start not 4-byte
 *    aligned: legal for 16- and 24-bit formats) is staged, tile by tile,
 *    through a bounded aligned buffer. */
#include <math.h>
#include <pixman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define FOURCC(a, b, c, d) ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

typedef struct shm_format {
  uint32_t shm;                   /* wl_shm.format: 0, 1, or a DRM fourcc */
  pixman_format_code_t pixman;    /* the same bytes, as pixman names them (little endian) */
} shm_format;

static const shm_format FORMATS[] = {
    {0, PIXMAN_a8r8g8b8},
    {1, PIXMAN_x8r8g8b8},
    {FOURCC('A', 'B', '2', '4'), PIXMAN_a8b8g8r8},
    {FOURCC('X', 'B', '2', '4'), PIXMAN_x8b8g8r8},
    {FOURCC('R', 'A', '2', '4'), PIXMAN_r8g8b8a8},
    {FOURCC('R', 'X', '2', '4'), PIXMAN_r8g8b8x8},
    {FOURCC('B', 'A', '2', '4'), PIXMAN_b8g8r8a8},
    {FOURCC('B', 'X', '2', '4'), PIXMAN_b8g8r8x8},
    {FOURCC('A', 'R', '3', '0'), PIXMAN_a2r10g10b10},
    {FOURCC('X', 'R', '3', '0'), PIXMAN_x2r10g10b10},
    {FOURCC('A', 'B', '3', '0'), PIXMAN_a2b10g10r10},
    {FOURCC('X', 'B', '3', '0'), PIXMAN_x2b10g10r10},
    {FOURCC('R', 'G', '2', '4'), PIXMAN_r8g8b8},
    {FOURCC('B', 'G', '2', '4'), PIXMAN_b8g8r8},
    {FOURCC('R', 'G', '1', '6'), PIXMAN_r5g6b5},
    {FOURCC('B', 'G', '1', '6'), PIXMAN_b5g6r5},
    {FOURCC('A', 'R', '1', '5'), PIXMAN_a1r5g5b5},
    {FOURCC('X', 'R', '1', '5'), PIXMAN_x1r5g5b5},
    {FOURCC('A', 'B', '1', '5'), PIXMAN_a1b5g5r5},
    {FOURCC('X', 'B', '1', '5'), PIXMAN_x1b5g5r5},
    {FOURCC('A', 'R', '1', '2'), PIXMAN_a4r4g4b4},
    {FOURCC('X', 'R', '1', '2'), PIXMAN_x4r4g4b4},
    {FOURCC('A', 'B', '1', '2'), PIXMAN_a4b4g4r4},
    {FOURCC('X', 'B', '1', '2'), PIXMAN_x4b4g4r4},
};
#define N_FORMATS (sizeof FORMATS / sizeof FORMATS[0])

static const shm_format *format_of(uint32_t shm) {
  for (size_t i = 0; i < N_FORMATS; i++)
    if (FORMATS[i].shm == shm) return &FORMATS[i];
  return NULL;
}

/* The format with its alpha bits ignored: what op 1 reads (pixman then writes alpha 0xff). */
static pixman_format_code_t opaque_variant(pixman_format_code_t f) {
  return PIXMAN_FORMAT(PIXMAN_FORMAT_BPP(f), PIXMAN_FORMAT_TYPE(f), 0, PIXMAN_FORMAT_R(f), PIXMAN_FORMAT_G(f),
                       PIXMAN_FORMAT_B(f));
}

static napi_value js_shm_formats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value list;
  NAPI_CALL(env, napi_create_array(env, &list)); /* as long as the formats pixman reads */
  uint32_t n = 0;
  for (size_t i = 0; i < N_FORMATS; i++) {
    pixman_format_code_t f = FORMATS[i].pixman;
    if (!pixman_format_supported_source(f)) continue;
    napi_value entry, v;
    NAPI_CALL(env, napi_create_array_with_length(env, 3, &entry));
    NAPI_CALL(env, napi_create_uint32(env, FORMATS[i].shm, &v));
    NAPI_CALL(env, napi_set_element(env, entry, 0, v));
    NAPI_CALL(env, napi_create_uint32(env, PIXMAN_FORMAT_BPP(f) / 8, &v));
    NAPI_CALL(env, napi_set_element(env, entry, 1, v));
    NAPI_CALL(env, napi_get_boolean(env, PIXMAN_FORMAT_A(f) > 0, &v));
    NAPI_CALL(env, napi_set_element(env, entry, 2, v));
    NAPI_CALL(env, napi_set_element(env, list, n++, entry));
  }
  return list;
}

/* Source tiles are kept within this many pixels a side (pixman's coordinates
 * are 16.16 fixed point) and staged ones within STAGING_BYTES. */
#define TILE_SOURCE_SIDE 8192.0
#define STAGING_BYTES (1u << 20)

typedef struct source {
  const uint8_t *bytes; /* the image's first pixel */
  int64_t stride, width, height;
  int bpp; /* bytes per pixel */
  pixman_format_code_t format;
  int aligned; /* pixman can read it in place */
} source;

typedef struct job {
  pixman_op_t op;
  pixman_filter_t filter;
  pixman_image_t *dst;
  double m[6];
  int translation; /* m is an integer translation: a plain copy */
  uint8_t *staging; /* STAGING_BYTES, allocated on first need */
} job;

static void map_point(const double m[6], double x, double y, double *sx, double *sy) {
  *sx = m[0] * x + m[1] * y + m[2];
  *sy = m[3] * x + m[4] * y + m[5];
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Draws the destination tile [x0, x1) × [y0, y1) from source pixels
 * [sx0, sx1) × [sy0, sy1) (all the tile samples, edge included). Returns 0, or -1 out of memory. */
static int draw_tile(job *j, const source *s, int x0, int y0, int x1, int y1, int64_t sx0, int64_t sy0, int64_t sx1,
                     int64_t sy1) {
  const uint8_t *bits = s->bytes + sy0 * s->stride + sx0 * s->bpp;
  int64_t stride = s->stride;
  if (!s->aligned) {
    /* Copy the rows into aligned memory (guarded reads: a truncated pool faults here, and reads zeros). */
    int64_t row = (sx1 - sx0) * s->bpp, padded = (row + 3) & ~(int64_t)3;
    if (!j->staging && !(j->staging = malloc(STAGING_BYTES))) return -1;
    for (int64_t y = sy0; y < sy1; y++) memcpy(j->staging + (y - sy0) * padded, bits + (y - sy0) * s->stride, (size_t)row);
    bits = j->staging;
    stride = padded;
  }
  pixman_image_t *img = pixman_image_create_bits_no_clear(s->format, (int)(sx1 - sx0), (int)(sy1 - sy0),
                                                          (uint32_t *)(uintptr_t)bits, (int)stride);
  if (!img) return -1;
  pixman_image_set_repeat(img, PIXMAN_REPEAT_PAD);
  if (j->translation) {
    /* Destination (x0, y0) shows source pixel (x0 + c, y0 + f), here relative to the cut. */
    int src_x = (int)((double)x0 + j->m[2] - (double)sx0), src_y = (int)((double)y0 + j->m[5] - (double)sy0);
    pixman_image_composite32(j->op, img, NULL, j->dst, src_x, src_y, 0, 0, x0, y0, x1 - x0, y1 - y0);
  } else {
    /* Destination tile coordinates start at 0: (X', Y') = (X - x0, Y - y0). */
    double c = j->m[0] * x0 + j->m[1] * y0 + j->m[2] - (double)sx0;
    double f = j->m[3] * x0 + j->m[4] * y0 + j->m[5] - (double)sy0;
    pixman_transform_t t = {{{pixman_double_to_fixed(j->m[0]), pixman_double_to_fixed(j->m[1]), pixman_double_to_fixed(c)},
                             {pixman_double_to_fixed(j->m[3]), pixman_double_to_fixed(j->m[4]), pixman_double_to_fixed(f)},
                             {0, 0, pixman_fixed_1}}};
    pixman_image_set_transform(img, &t);
    pixman_image_set_filter(img, j->filter, NULL, 0);
    /* Source origin 0 drawn at (x0, y0): destination (X, Y) samples t(X - x0 + 0.5, Y - y0 + 0.5). */
    pixman_image_composite32(j->op, img, NULL, j->dst, 0, 0, 0, 0, x0, y0, x1 - x0, y1 - y0);
  }
  pixman_image_unref(img);
  return 0;
}

/* The source pixels [sx0, sx1) × [sy0, sy1) that destination [x0, x1) × [y0, y1) samples, margin included. */
static void source_box(const job *j, const source *s, int x0, int y0, int x1, int y1, int64_t *sx0, int64_t *sy0,
                       int64_t *sx1, int64_t *sy1) {
  double px[4], py[4];
  map_point(j->m, x0, y0, &px[0], &py[0]);
  map_point(j->m, x1, y0, &px[1], &py[1]);
  map_point(j->m, x0, y1, &px[2], &py[2]);
  map_point(j->m, x1, y1, &px[3], &py[3]);
  double minx = px[0], maxx = px[0], miny = py[0], maxy = py[0];
  for (int i = 1; i < 4; i++) {
    minx = fmin(minx, px[i]);
    maxx = fmax(maxx, px[i]);
    miny = fmin(miny, py[i]);
    maxy = fmax(maxy, py[i]);
  }
  int margin = j->translation ? 0 : 1;
  *sx0 = clamp64((int64_t)floor(fmax(minx, -1.0)) - margin, 0, s->width - 1);
  *sy0 = clamp64((int64_t)floor(fmax(miny, -1.0)) - margin, 0, s->height - 1);
  *sx1 = clamp64((int64_t)ceil(fmin(maxx, (double)s->width + 1)) + margin, *sx0 + 1, s->width);
  *sy1 = clamp64((int64_t)ceil(fmin(maxy, (double)s->height + 1)) + margin, *sy0 + 1, s->height);
  /* pixman wants 4-byte aligned rows: step left until the first pixel is (staged otherwise). */
  while (s->aligned && *sx0 > 0 && ((uintptr_t)(s->bytes + *sy0 * s->stride + *sx0 * s->bpp) & 3)) (*sx0)--;
}

static int draw(job *j, source s, int x, int y, int w, int h) {
  /* How many source pixels one destination pixel spans, along each axis. */
  double ex = fabs(j->m[0]) + fabs(j->m[1]), ey = fabs(j->m[3]) + fabs(j->m[4]);
  double spread = fmax(fmax(ex, ey), 1e-9);
  double side = TILE_SOURCE_SIDE;
  if (!s.aligned) side = fmin(side, sqrt((double)STAGING_BYTES / s.bpp) - 8);
  double tile = floor((side - 4) / spread);
  if (tile < 1) {
    /* Steeper than the fixed-point coordinates allow: one nearest sample a pixel. */
    job point = *j;
    point.translation = 1;
    for (int Y = y; Y < y + h; Y++)
      for (int X = x; X < x + w; X++) {
        double sx, sy;
        map_point(j->m, X + 0.5, Y + 0.5, &sx, &sy);
        int64_t px = clamp64((int64_t)floor(sx), 0, s.width - 1), py = clamp64((int64_t)floor(sy), 0, s.height - 1);
        point.m[2] = (double)px - X;
        point.m[5] = (double)py - Y;
        if (draw_tile(&point, &s, X, Y, X + 1, Y + 1, px, py, px + 1, py + 1)) return -1;
      }
    return 0;
  }
  int t = tile > 4096 ? 4096 : (int)tile;
  for (int ty = y; ty < y + h; ty += t)
    for (int tx = x; tx < x + w; tx += t) {
      int tx1 = tx + t < x + w ? tx + t : x + w, ty1 = ty + t < y + h ? ty + t : y + h;
      int64_t sx0, sy0, sx1, sy1;
      source_box(j, &s, tx, ty, tx1, ty1, &sx0, &sy0, &sx1, &sy1);
      if (draw_tile(j, &s, tx, ty, tx1, ty1, sx0, sy0, sx1, sy1)) return -1;
    }
  return 0;
}

/* ---- the area average (filter 2) ----
 *
 * Each destination pixel is the average of the source area its footprint
 * covers: a box of (|a|, |e|) source pixels (clamped to 1..2 per axis) around
 * the point its centre maps to, every source pixel weighed by the share of
 * the box it overlaps, the edge pixels repeated past the edges. pixman's
 * separable convolution does the same but fetches every tap through its
 * generic path (65 times the cost of a copy on a 1080p frame, 24 times its
 * own bilinear); this is separable by hand instead: each source row the
 * destination needs is filtered across once (at most three taps a pixel),
 * then each destination row is at most three filtered rows, the channels in
 * 16-bit lanes, eight at a time with SSE2. Weights are in 1/256 and sum to
 * exactly 256, so a uniform area keeps its exact colour; each pass rounds
 * once. The result, in the source's own format (the average of 8-bit
 * channels is the same whatever their order), is composited with the job's
 * operator through a band of at most BOX_BAND rows.
 *
 * It applies to axis-aligned maps (no rotation, no flip) of 32-bit formats
 * with four 8-bit channels; other sources take pixman's bilinear. */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BOX_BAND 32

typedef struct box_taps {
  int32_t at[3];      /* source pixels (clamped: the edge repeats) */
  uint16_t weight[3]; /* in 1/256, summing to 256 */
} box_taps;

/* The taps of destination pixels d0 .. d0 + n along an axis where destination d maps to source
 * scale × (d + 0.5) + offset, over `size` source pixels. */
static void box_axis(double scale, double offset, int64_t size, int d0, int n, box_taps *out) {
  double side = fmin(fmax(scale, 1.0), 2.0);
  for (int i = 0; i < n; i++) {
    double centre = scale * (d0 + i + 0.5) + offset, lo = centre - side / 2, hi = centre + side / 2;
    int64_t first = (int64_t)floor(lo);
    int sum = 0, largest = 0;
    for (int t = 0; t < 3; t++) {
      double a = fmax(lo, (double)(first + t)), b = fmin(hi, (double)(first + t + 1));
      out[i].weight[t] = b > a ? (uint16_t)lround((b - a) / side * 256.0) : 0;
      out[i].at[t] = (int32_t)clamp64(first + t, 0, size - 1);
      sum += out[i].weight[t];
      if (out[i].weight[t] > out[i].weight[largest]) largest = t;
    }
    out[i].weight[largest] = (uint16_t)(out[i].weight[largest] + 256 - sum);
  }
}

/* Whether box_draw applies: an axis-aligned map without flips, a source of four 8-bit channels. */
static int box_applies(const job *j, const source *s) {
  if (j->m[1] != 0 || j->m[3] != 0 || !(j->m[0] > 0) || !(j->m[4] > 0) || s->bpp != 4) return 0;
  pixman_format_code_t f = s->format;
  return PIXMAN_FORMAT_A(f) <= 8 && PIXMAN_FORMAT_R(f) == 8 && PIXMAN_FORMAT_G(f) == 8 && PIXMAN_FORMAT_B(f) == 8;
}

/* The weights across, for SSE2: for each pair of destination pixels and tap, eight 16-bit lanes
 * (the first pixel's weight four times, then the second's). */
static uint16_t *box_across_weights(const box_taps *across, int w) {
  int pairs = w / 2;
  uint16_t *v = malloc((size_t)(pairs > 0 ? pairs : 1) * 3 * 8 * sizeof *v);
  if (!v) return NULL;
  for (int p = 0; p < pairs; p++)
    for (int t = 0; t < 3; t++)
      for (int c = 0; c < 8; c++) v[((size_t)p * 3 + (size_t)t) * 8 + (size_t)c] = across[2 * p + (c >> 2)].weight[t];
  return v;
}

/* Source row `src` filtered across into `row`: four 16-bit lanes (0..255) a destination pixel. */
static void box_across(const uint8_t *src, const box_taps *across, const uint16_t *weights, int w, uint16_t *row) {
  int i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi16(128);
  /* Two destination pixels (eight lanes) a step; a pixel of a tap is loaded with memcpy: rows
   * of a legal wl_shm buffer need not be 4-byte aligned. Sums stay ≤ 255 × 256: no lane overflows. */
#define TAP(t)                                                                                                       \
  do {                                                                                                               \
    int32_t a, b;                                                                                                    \
    memcpy(&a, src + (int64_t)u[0].at[t] * 4, 4);                                                                    \
    memcpy(&b, src + (int64_t)u[1].at[t] * 4, 4);                                                                    \
    __m128i px = _mm_unpacklo_epi8(_mm_unpacklo_epi32(_mm_cvtsi32_si128(a), _mm_cvtsi32_si128(b)), zero);             \
    sum##t = _mm_mullo_epi16(px, _mm_loadu_si128((const __m128i *)(const void *)(wv + (t) * 8)));                  \
  } while (0)
  for (; i + 2 <= w; i += 2) {
    const box_taps *u = &across[i];
    const uint16_t *wv = weights + (size_t)(i / 2) * 24;
    __m128i sum0, sum1, sum2;
    TAP(0);
    TAP(1);
    TAP(2);
    __m128i sum = _mm_add_epi16(_mm_add_epi16(sum0, sum1), _mm_add_epi16(sum2, half));
    _mm_storeu_si128((__m128i *)(void *)(row + (size_t)i * 4), _mm_srli_epi16(sum, 8));
  }
#undef TAP
#else
  (void)weights;
#endif
  for (; i < w; i++) {
    const box_taps *u = &across[i];
    for (int c = 0; c < 4; c++) {
      unsigned sum = 128;
      for (int t = 0; t < 3; t++) sum += src[(int64_t)u->at[t] * 4 + c] * (unsigned)u->weight[t];
      row[(size_t)i * 4 + c] = (uint16_t)(sum >> 8);
    }
  }
}

/* Three filtered rows weighed down into `w` pixels at `out`. */
static void box_down(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2, const uint16_t weight[3], int w, uint32_t *out) {
  int i = 0;
  uint8_t *bytes = (uint8_t *)out;
#if defined(__SSE2__)
  const __m128i half = _mm_set1_epi16(128), w0 = _mm_set1_epi16((short)weight[0]), w1 = _mm_set1_epi16((short)weight[1]),
                w2 = _mm_set1_epi16((short)weight[2]);
  for (; i + 4 <= w; i += 4) {
    __m128i lo[2];
    for (int k = 0; k < 2; k++) {
      size_t o = (size_t)i * 4 + (size_t)k * 8;
      __m128i sum = _mm_add_epi16(_mm_mullo_epi16(_mm_loadu_si128((const __m128i *)(const void *)(r0 + o)), w0),
                                  _mm_mullo_epi16(_mm_loadu_si128((const __m128i *)(const void *)(r1 + o)), w1));
      sum = _mm_add_epi16(sum, _mm_mullo_epi16(_mm_loadu_si128((const __m128i *)(const void *)(r2 + o)), w2));
      lo[k] = _mm_srli_epi16(_mm_add_epi16(sum, half), 8);
    }
    _mm_storeu_si128((__m128i *)(void *)(bytes + (size_t)i * 4), _mm_packus_epi16(lo[0], lo[1]));
  }
#endif
  for (; i < w; i++)
    for (int c = 0; c < 4; c++) {
      size_t o = (size_t)i * 4 + (size_t)c;
      bytes[o] = (uint8_t)((r0[o] * (unsigned)weight[0] + r1[o] * (unsigned)weight[1] + r2[o] * (unsigned)weight[2] + 128) >> 8);
    }
}

/* Draws [x, x + w) × [y, y + h) of the destination by the area average. Returns 0, or -1 out of memory. */
static int box_draw(job *j, const source *s, int x, int y, int w, int h) {
  box_taps *across = malloc((size_t)w * sizeof *across), *down = malloc((size_t)h * sizeof *down);
  uint16_t *rows = malloc((size_t)w * 4 * 3 * sizeof *rows);
  uint32_t *band = malloc((size_t)w * BOX_BAND * sizeof *band);
  pixman_image_t *img = band ? pixman_image_create_bits_no_clear(s->format, w, BOX_BAND, band, w * 4) : NULL;
  uint16_t *weights = NULL;
  int rc = -1;
  if (!across || !down || !rows || !img) goto out;
  box_axis(j->m[0], j->m[2], s->width, x, w, across);
  box_axis(j->m[4], j->m[5], s->height, y, h, down);
  if (!(weights = box_across_weights(across, w))) goto out;
  /* Source row k filtered across is kept in slot k % 3: a destination row needs at most three
   * consecutive source rows, and the rows only go down. */
  int64_t kept[3] = {-1, -1, -1};
  for (int b0 = 0; b0 < h; b0 += BOX_BAND) {
    int bh = h - b0 < BOX_BAND ? h - b0 : BOX_BAND;
    for (int r = 0; r < bh; r++) {
      const box_taps *v = &down[b0 + r];
      const uint16_t *filtered[3] = {NULL, NULL, NULL};
      for (int t = 0; t < 3; t++) {
        int32_t k = v->at[t];
        uint16_t *slot = rows + (size_t)(k % 3) * (size_t)w * 4;
        if (v->weight[t] && kept[k % 3] != k) {
          box_across(s->bytes + (int64_t)k * s->stride, across, weights, w, slot);
          kept[k % 3] = k;
        }
        if (v->weight[t]) filtered[t] = slot;
      }
      /* A tap of weight 0 reads any filtered row (the one of the largest weight is always there). */
      const uint16_t *any = filtered[0] ? filtered[0] : filtered[1] ? filtered[1] : filtered[2];
      box_down(filtered[0] ? filtered[0] : any, filtered[1] ? filtered[1] : any, filtered[2] ? filtered[2] : any, v->weight, w,
               band + (size_t)r * (size_t)w);
    }
    pixman_image_composite32(j->op, img, NULL, j->dst, 0, 0, 0, 0, x, y + b0, w, bh);
  }
  rc = 0;
out:
  if (img) pixman_image_unref(img);
  free(weights);
  free(band);
  free(rows);
  free(down);
  free(across);
  return rc;
}

#define BAD(...)                                                   \
  do {                                                             \
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, __VA_ARGS__); \
    return NULL;                                                   \
  } while (0)

static napi_value js_composite(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 16);
  if (argc < 16) BAD("composite takes 16 arguments");
  int32_t op, filter, dst_w, dst_h, src_offset, src_stride, src_w, src_h, x, y, w, h;
  uint32_t src_format;
  if (nsb_arg_int32(env, argv[0], "op", &op) || nsb_arg_int32(env, argv[1], "filter", &filter) ||
      nsb_arg_int32(env, argv[3], "dstWidth", &dst_w) || nsb_arg_int32(env, argv[4], "dstHeight", &dst_h) ||
      nsb_arg_int32(env, argv[6], "srcOffset", &src_offset) || nsb_arg_int32(env, argv[7], "srcStride", &src_stride) ||
      nsb_arg_int32(env, argv[9], "srcWidth", &src_w) || nsb_arg_int32(env, argv[10], "srcHeight", &src_h) ||
      nsb_arg_int32(env, argv[12], "x", &x) || nsb_arg_int32(env, argv[13], "y", &y) ||
      nsb_arg_int32(env, argv[14], "width", &w) || nsb_arg_int32(env, argv[15], "height", &h))
    return NULL;
  if (napi_get_value_uint32(env, argv[8], &src_format) != napi_ok) BAD("srcFormat must be a wl_shm format");
  if (op < 0 || op > 2) BAD("op must be 0 (copy), 1 (copy opaque) or 2 (over)");
  if (filter < 0 || filter > 2) BAD("filter must be 0 (nearest), 1 (bilinear) or 2 (box)");
  const shm_format *fmt = format_of(src_format);
  if (!fmt) BAD("unsupported wl_shm format 0x%x", src_format);

  uint8_t *dst_bytes, *src_bytes;
  size_t dst_len, src_len;
  if (nsb_arg_bytes(env, argv[2], "dst", &dst_bytes, &dst_len)) return NULL;
  napi_valuetype src_type;
  NAPI_CALL(env, napi_typeof(env, argv[5], &src_type));
  if (src_type == napi_external) {
    if (!(src_bytes = nsb_mapping_window(env, argv[5], &src_len))) return NULL;
  } else if (nsb_arg_bytes(env, argv[5], "src", &src_bytes, &src_len))
    return NULL;

  if (dst_w <= 0 || dst_h <= 0 || (uint64_t)dst_w * (uint64_t)dst_h * 4 > dst_len || ((uintptr_t)dst_bytes & 3) ||
      (uint64_t)dst_w * 4 > INT32_MAX)
    BAD("dst is not a %dx%d a8r8g8b8 image", dst_w, dst_h);
  if (w < 0 || h < 0 || x < 0 || y < 0 || (int64_t)x + w > dst_w || (int64_t)y + h > dst_h)
    BAD("rectangle %d,%d %dx%d is outside the %dx%d destination", x, y, w, h, dst_w, dst_h);
  int bpp = (int)PIXMAN_FORMAT_BPP(fmt->pixman) / 8;
  if (src_w <= 0 || src_h <= 0 || src_offset < 0 || (int64_t)src_stride < (int64_t)src_w * bpp ||
      (uint64_t)src_offset + (uint64_t)src_stride * (uint64_t)(src_h - 1) + (uint64_t)src_w * bpp > src_len)
    BAD("source %dx%d, stride %d at %d does not fit its %zu bytes", src_w, src_h, src_stride, src_offset, src_len);
  if (w == 0 || h == 0) return nsb_undefined(env);

  job j = {.op = op == 2 ? PIXMAN_OP_OVER : PIXMAN_OP_SRC, .filter = filter ? PIXMAN_FILTER_BILINEAR : PIXMAN_FILTER_NEAREST};
  /* (filter 2 where box_draw does not apply: bilinear, the line above.) */
  bool is_matrix = false;
  napi_typedarray_type mtype;
  size_t mcount = 0;
  void *mdata = NULL;
  if (napi_is_typedarray(env, argv[11], &is_matrix) != napi_ok || !is_matrix ||
      napi_get_typedarray_info(env, argv[11], &mtype, &mcount, &mdata, NULL, NULL) != napi_ok ||
      mtype != napi_float64_array || mcount != 6)
    BAD("matrix must be a Float64Array of 6");
  memcpy(j.m, mdata, sizeof j.m);
  for (int i = 0; i < 6; i++)
    if (!isfinite(j.m[i]) || fabs(j.m[i]) > 1e12) BAD("matrix must be finite");
  j.translation = j.m[0] == 1 && j.m[1] == 0 && j.m[3] == 0 && j.m[4] == 1 && j.m[2] == floor(j.m[2]) &&
                  j.m[5] == floor(j.m[5]);

  source s = {.bytes = src_bytes + src_offset, .stride = src_stride, .width = src_w, .height = src_h, .bpp = bpp,
              .format = op == 1 ? opaque_variant(fmt->pixman) : fmt->pixman};
  s.aligned = ((uintptr_t)s.bytes & 3) == 0 && (s.stride & 3) == 0;

  j.dst = pixman_image_create_bits_no_clear(PIXMAN_a8r8g8b8, dst_w, dst_h, (uint32_t *)(void *)dst_bytes, dst_w * 4);
  if (!j.dst) {
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", 0, NULL, "pixman could not make the destination image");
    return NULL;
  }
  int rc = filter == 2 && !j.translation && box_applies(&j, &s) ? box_draw(&j, &s, x, y, w, h) : draw(&j, s, x, y, w, h);
  pixman_image_unref(j.dst);
  free(j.staging);
  if (rc) {
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", 0, NULL, "out of memory while compositing");
    return NULL;
  }
  return nsb_undefined(env);
}

napi_value nsb_composite_init(napi_env env, napi_value exports) {
  if (nsb_export(env, exports, "shmFormats", js_shm_formats) || nsb_export(env, exports, "composite", js_composite))
    return NULL;
  return exports;
}
