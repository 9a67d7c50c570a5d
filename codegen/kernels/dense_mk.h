/* dense_mk.h - the register-blocked GEMM microkernels and the helpers the
 * dense kernels share (vector types, packing, the tile loop, a vector exp).
 *
 *     // C[mr x 16*nv] (+)= A panel [kc][mr] x B panel [kc][16*nv]
 *     onnxc_dk_mk(14, 2, kc, apanel, bpanel, c, ldc, load, &epilogue);
 *
 * Packed layouts (made at compile time for constant weights by the
 * lowering, at run time into scratch for activations): an A panel holds mr
 * rows of A interleaved per k, a B panel 16*nv columns of B per k, so the
 * microkernel reads both with unit stride: per k it loads nv vectors of B
 * and multiplies them by mr broadcast A values into mr*nv accumulators that
 * stay in registers (14x2, 8x3, 6x4 on 32 AVX-512 registers, 6x1 in
 * 8-lane halves on 16 AVX2 registers). The microkernels themselves are
 * ordinary (not inlined) functions: they depend on no shape, so every node
 * shares one copy, while the tile loops and the packing around them are
 * inlined and specialized per node. */
#ifndef ONNXC_DENSE_MK_H
#define ONNXC_DENSE_MK_H

#include <stdbool.h>
#include <stdint.h>

#include "k_dense.h"

typedef float dk_v16 __attribute__((vector_size(64)));
typedef float dk_v16u __attribute__((vector_size(64), aligned(4)));
typedef int32_t dk_i16 __attribute__((vector_size(64)));

#define DK_INLINE static inline __attribute__((always_inline))
#define DK_TILE_MAX 448 /* largest mr * nr */
#define DK_CHUNK 64      /* longest float32 accumulation chain (dense_mk.c) */

/* What happens to a finished C tile: y = alpha * acc + beta * bias + res,
 * then ReLU. Pointers are at the tile's origin; bias(i, j) is
 * bias[i * bias_rs + j * bias_cs] with bias_cs 0 (per row) or 1. */
typedef struct {
    const float *bias;
    const float *res;
    int64_t bias_rs, bias_cs, ldr;
    float alpha, beta;
    int32_t relu;
} dk_epi;

/* kc steps of the mr x (16*nv) microkernel: C = (load ? C : 0) + A B, then
 * the epilogue e (NULL: store the raw sums). */
void onnxc_dk_mk(int32_t mr, int32_t nv, int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                 int32_t load, const dk_epi *e);
/* The same on bf16 panels (k_dense.h: pairs of k; kc is rounded up to even)
 * with fp32 sums, for the 512-bit shapes on CPUs with AVX512_BF16. */
void onnxc_dk_mk16(int32_t mr, int32_t nv, int64_t kc, const uint16_t *a, const uint16_t *b, float *c, int64_t ldc,
                   int32_t load, const dk_epi *e);
/* Either of them for a tile cut by the matrix edge: mv rows and nn columns
 * valid; bf16 selects the panel type. */
void onnxc_dk_mk_edge(int32_t mr, int32_t nv, int64_t kc, const void *a, const void *b, float *c, int64_t ldc,
                      int64_t mv, int64_t nn, int32_t load, const dk_epi *e, int32_t bf16);

DK_INLINE int64_t dk_min(int64_t a, int64_t b) { return a < b ? a : b; }
DK_INLINE int64_t dk_max(int64_t a, int64_t b) { return a > b ? a : b; }

/* Vectors pass through helpers by address: a vector argument of a
 * function, even an inlined one, draws ABI warnings on targets narrower
 * than the vector. */
#define DK_SPLAT(s) ((dk_v16){(s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s), (s)})

/* x < 0 ? 0 : x, keeping NaN as the reference kernels do. */
DK_INLINE void dk_relu(dk_v16 *x)
{
    dk_i16 neg = *x < 0;
    *x = (dk_v16)((dk_i16)*x & ~neg);
}

/* *a = max(*a, *b) per lane (b where a is NaN). */
DK_INLINE void dk_max_into(dk_v16 *a, const dk_v16 *b)
{
    dk_i16 m = *a > *b;
    *a = (dk_v16)(((dk_i16)*a & m) | ((dk_i16)*b & ~m));
}

/* exp(x) in place for x <= 0 (softmax arguments, -inf included): 2^n p(r)
 * with x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial (about 1 ulp);
 * below -87 the result is 0; NaN stays NaN (the clamp below would turn it
 * into -87, and a softmax row would silently drop it). */
DK_INLINE void dk_exp_neg(dk_v16 *xp)
{
    const dk_v16 lo = DK_SPLAT(-87.0f);
    dk_v16 x = *xp;
    dk_i16 tiny = x < lo, nan = x != x;
    dk_max_into(&x, &lo);
    dk_v16 n = x * 1.44269504f + 12582912.0f;
    n = n - 12582912.0f; /* round to nearest */
    dk_v16 r = x - n * 0.693145752f;
    r = r - n * 1.42860677e-06f;
    dk_v16 p = DK_SPLAT(1.38888889e-03f);
    p = p * r + 8.33333333e-03f;
    p = p * r + 4.16666667e-02f;
    p = p * r + 1.66666667e-01f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    dk_i16 e = (__builtin_convertvector(n, dk_i16) + 127) << 23;
    dk_v16 y = p * (dk_v16)e;
    *xp = (dk_v16)(((dk_i16)y & ~tiny & ~nan) | ((dk_i16)*xp & nan));
}

DK_INLINE float dk_hsum(const dk_v16 *v)
{
    float s = 0;
    for (int i = 0; i < 16; i++)
        s += (*v)[i];
    return s;
}

DK_INLINE float dk_hmax(const dk_v16 *v)
{
    float s = (*v)[0];
    for (int i = 1; i < 16; i++)
        s = (*v)[i] > s ? (*v)[i] : s;
    return s;
}

/* ---- packing ------------------------------------------------------------ */

/* A(i, k) = a[i * rs + k * cs] for i < rows, k < kc into panels of mr rows:
 * dst[(p * kc + k) * mr + r] = A(p * mr + r, k), zero past `rows`. */
DK_INLINE void dk_pack_a(float *restrict dst, const float *restrict a, int64_t rs, int64_t cs, int64_t rows,
                         int64_t kc, int32_t mr)
{
    if (rs == 1 && cs != 1) { /* A's columns are contiguous: copy mr at a time */
        for (int64_t p = 0; p * mr < rows; p++) {
            float *d = dst + p * kc * mr;
            int64_t w = dk_min(mr, rows - p * mr);
            for (int64_t k = 0; k < kc; k++) {
                const float *src = a + p * mr + k * cs;
                for (int64_t r = 0; r < w; r++)
                    d[k * mr + r] = src[r];
                for (int64_t r = w; r < mr; r++)
                    d[k * mr + r] = 0.0f;
            }
        }
        return;
    }
    for (int64_t p = 0; p * mr < rows; p++) {
        float *d = dst + p * kc * mr;
        for (int32_t r = 0; r < mr; r++) {
            int64_t i = p * mr + r;
            if (i >= rows) {
                for (int64_t k = 0; k < kc; k++)
                    d[k * mr + r] = 0.0f;
                continue;
            }
            const float *src = a + i * rs;
            for (int64_t k = 0; k < kc; k++)
                d[k * mr + r] = src[k * cs];
        }
    }
}

/* B(k, j) = b[k * rs + j * cs] for k < kc, j < cols into panels of nr
 * columns: dst[(q * kc + k) * nr + l] = B(k, q * nr + l), zero past cols. */
DK_INLINE void dk_pack_b(float *restrict dst, const float *restrict b, int64_t rs, int64_t cs, int64_t cols,
                         int64_t kc, int64_t nr)
{
    for (int64_t q = 0; q * nr < cols; q++) {
        float *d = dst + q * kc * nr;
        const float *src = b + q * nr * cs;
        int64_t w = dk_min(nr, cols - q * nr);
        for (int64_t k = 0; k < kc; k++) {
            if (w == nr) {
                for (int64_t l = 0; l < nr; l++)
                    d[k * nr + l] = src[k * rs + l * cs];
            } else {
                for (int64_t l = 0; l < w; l++)
                    d[k * nr + l] = src[k * rs + l * cs];
                for (int64_t l = w; l < nr; l++)
                    d[k * nr + l] = 0.0f;
            }
        }
    }
}

/* ---- bf16 packing ------------------------------------------------------- */

/* Rounds up to even: the k extent of a bf16 panel. */
DK_INLINE int64_t dk_even(int64_t k) { return (k + 1) / 2 * 2; }

/* A bf16 scratch area at the first 64-byte boundary from p. */
DK_INLINE uint16_t *dk_align16(void *p) { return (uint16_t *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

/* dk_pack_a into bf16 panels: dst[((p * kc2 + k) / 2 * mr + r) * 2 + k % 2]
 * = A(p * mr + r, k), kc2 = kc rounded up to even, zero past rows and kc. */
DK_INLINE void dk_pack_a16(uint16_t *restrict dst, const float *restrict a, int64_t rs, int64_t cs, int64_t rows,
                           int64_t kc, int32_t mr)
{
    int64_t kc2 = dk_even(kc);
    for (int64_t p = 0; p * mr < rows; p++) {
        uint16_t *d = dst + p * kc2 * mr;
        for (int32_t r = 0; r < mr; r++) {
            int64_t i = p * mr + r;
            const float *src = a + i * rs;
            for (int64_t k = 0; k < kc2; k++)
                d[(k / 2 * mr + r) * 2 + k % 2] = i < rows && k < kc ? k_bf16(src[k * cs]) : 0;
        }
    }
}

/* dk_pack_b into bf16 panels: dst[((q * kc2 + k) / 2 * nr + l) * 2 + k % 2]
 * = B(k, q * nr + l), kc2 = kc rounded up to even, zero past cols and kc
 * (each pair of B's rows is read once, straight from its source; rows of
 * unit stride convert 16 columns of both rows per vcvtne2ps2bf16, which
 * rounds as k_bf16 does). Not inlined: it carries the bf16 target. */
void onnxc_dk_pack_b16(uint16_t *restrict dst, const float *restrict b, int64_t rs, int64_t cs, int64_t cols,
                       int64_t kc, int64_t nr);
#define dk_pack_b16 onnxc_dk_pack_b16

/* fp32 panels [kc][w] (np of them, back to back) into bf16 panels. */
DK_INLINE void dk_panels16(uint16_t *restrict dst, const float *restrict src, int64_t np, int64_t kc, int64_t w)
{
    for (int64_t p = 0; p < np; p++)
        dk_pack_b16(dst + p * dk_even(kc) * w, src + p * kc * w, w, 1, w, kc, w);
}

/* ---- the tile loop ------------------------------------------------------ */

/* One K block of one (mv x nn) tile of C: A panels at ap (panel stride a_ps
 * elements), B panels at bp (b_ps), C and the epilogue at the tile's
 * origin; bf16: both panels are bf16, else float. */
typedef struct {
    const void *ap, *bp;
    int64_t a_ps, b_ps;
    float *c;
    int64_t ldc, mv, nn, kc;
    int32_t load, last, bf16;
    dk_epi e;
} dk_tile;

DK_INLINE void dk_tiles(int32_t mr, int32_t nv, const dk_tile *t)
{
    int64_t nr = 16 * (int64_t)nv, es = t->bf16 ? 2 : 4;
    for (int64_t i = 0; i < t->mv; i += mr)
        for (int64_t j = 0; j < t->nn; j += nr) {
            dk_epi e = t->e;
            e.bias = e.bias ? e.bias + i * e.bias_rs + j * e.bias_cs : 0;
            e.res = e.res ? e.res + i * e.ldr + j : 0;
            const char *a = (const char *)t->ap + (i / mr) * t->a_ps * es;
            const char *b = (const char *)t->bp + (j / nr) * t->b_ps * es;
            float *c = t->c + i * t->ldc + j;
            if (i + mr > t->mv || j + nr > t->nn)
                onnxc_dk_mk_edge(mr, nv, t->kc, a, b, c, t->ldc, dk_min(mr, t->mv - i), dk_min(nr, t->nn - j),
                                 t->load, t->last ? &e : 0, t->bf16);
            else if (t->bf16)
                onnxc_dk_mk16(mr, nv, t->kc, (const uint16_t *)a, (const uint16_t *)b, c, t->ldc, t->load,
                              t->last ? &e : 0);
            else
                onnxc_dk_mk(mr, nv, t->kc, (const float *)a, (const float *)b, c, t->ldc, t->load, t->last ? &e : 0);
        }
}

#endif
