/* light_common.h - helpers shared by the light kernel templates (private to
 * codegen/kernels/light_*.c): element access by dtype code, half-precision
 * conversions, and the strided output walk of struct k_walk.
 *
 *     k_pos p;
 *     for (k_walk_start(&d->w, task, &p); p.pos < p.end;) {
 *         int64_t n = k_walk_len(&d->w, &p);
 *         ... n elements: out + p.pos, operand j at p.off[j], stride
 *             d->w.st[j][d->w.rank - 1] ...
 *         k_walk_step(&d->w, &p, n);
 *     }
 *
 * Every helper switches on a dtype code that is a descriptor constant in
 * compiled models, so LLVM keeps one case per node. The conversions follow
 * the reference engine (ir/tensor.c, ir/ref_eltwise.c) bit for bit: the
 * compiled model and `onnxc run --engine ref` must agree. */
#ifndef ONNXC_LIGHT_COMMON_H
#define ONNXC_LIGHT_COMMON_H

#include <math.h>
#include <stdint.h>

#include "kabi.h"

#define K_INLINE static inline __attribute__((always_inline))
/* Full unrolling of a short loop with a descriptor-constant trip count, so
 * the loop around it can be vectorized: the bitcode is built with
 * -fno-unroll-loops, which marks every other loop "do not unroll". */
#ifdef __clang__
/* the trip count is only known once a descriptor is propagated into the
 * kernel, at model compile time: building the template, the request fails */
#pragma clang diagnostic ignored "-Wpass-failed"
#define K_UNROLL _Pragma("clang loop unroll(full)")
#else
#define K_UNROLL
#endif
#define K_MIN(a, b) ((a) < (b) ? (a) : (b))

typedef union {
    float f;
    uint32_t u;
} k_f32bits;

K_INLINE float k_h2f(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    k_f32bits b;
    if (e == 0) {
        b.f = (float)m * 0x1p-24f;
        b.u |= sign;
    } else if (e == 31) {
        b.u = sign | 0x7f800000u | (m ? 0x400000u : 0);
    } else {
        b.u = sign | ((e + 112) << 23) | (m << 13);
    }
    return b.f;
}

/* Round to nearest even; NaN -> quiet NaN keeping the sign. */
K_INLINE uint16_t k_f2h(float f)
{
    k_f32bits b = {.f = f};
    uint32_t x = b.u & 0x7fffffffu;
    uint16_t sign = (uint16_t)((b.u >> 16) & 0x8000);
    if (x > 0x7f800000u)
        return sign | 0x7e00;
    if (x >= 0x477ff000u) /* 65520 and above round to infinity */
        return sign | 0x7c00;
    if (x < 0x38800000u) { /* below 2^-14: subnormal, units of 2^-24 */
        k_f32bits a = {.u = x};
        k_f32bits s = {.f = a.f + 0.5f};
        return sign | (uint16_t)(s.u - 0x3f000000u);
    }
    x += 0xc8000fffu + ((x >> 13) & 1);
    return sign | (uint16_t)(x >> 13);
}

K_INLINE float k_bf2f(uint16_t h)
{
    k_f32bits b = {.u = (uint32_t)h << 16};
    return b.f;
}

K_INLINE uint16_t k_f2bf(float f)
{
    k_f32bits b = {.f = f};
    if (f != f)
        return (uint16_t)((b.u >> 16) | 0x40);
    b.u += 0x7fff + ((b.u >> 16) & 1);
    return (uint16_t)(b.u >> 16);
}

K_INLINE int k_is_float(int32_t dt)
{
    return dt == K_F32 || dt == K_F64 || dt == K_F16 || dt == K_BF16;
}
K_INLINE int k_is_signed(int32_t dt)
{
    return dt == K_I8 || dt == K_I16 || dt == K_I32 || dt == K_I64;
}

/* Element i as double (bool 0/1; int64 rounded like a C conversion). */
K_INLINE double k_ldf(int32_t dt, const void *p, int64_t i)
{
    switch (dt) {
    case K_F32: return ((const float *)p)[i];
    case K_F64: return ((const double *)p)[i];
    case K_F16: return k_h2f(((const uint16_t *)p)[i]);
    case K_BF16: return k_bf2f(((const uint16_t *)p)[i]);
    case K_I8: return ((const int8_t *)p)[i];
    case K_I16: return ((const int16_t *)p)[i];
    case K_I32: return ((const int32_t *)p)[i];
    case K_I64: return (double)((const int64_t *)p)[i];
    case K_U8: return ((const uint8_t *)p)[i];
    case K_U16: return ((const uint16_t *)p)[i];
    case K_U32: return ((const uint32_t *)p)[i];
    case K_U64: return (double)((const uint64_t *)p)[i];
    case K_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: return 0;
    }
}

/* Element i of an integer or bool tensor as 64 bits (sign- or
 * zero-extended); floats truncate and saturate. */
K_INLINE int64_t k_ldi(int32_t dt, const void *p, int64_t i)
{
    switch (dt) {
    case K_I8: return ((const int8_t *)p)[i];
    case K_I16: return ((const int16_t *)p)[i];
    case K_I32: return ((const int32_t *)p)[i];
    case K_I64: return ((const int64_t *)p)[i];
    case K_U8: return ((const uint8_t *)p)[i];
    case K_U16: return ((const uint16_t *)p)[i];
    case K_U32: return ((const uint32_t *)p)[i];
    case K_U64: return (int64_t)((const uint64_t *)p)[i];
    case K_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: {
        double v = k_ldf(dt, p, i);
        return !(v == v) ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
    }
    }
}

/* Stores the low bits of v (integers, bool = v != 0); floats get v as
 * signed (sgn) or unsigned 64-bit value. */
K_INLINE void k_sti(int32_t dt, void *p, int64_t i, uint64_t v, int sgn)
{
    double f = sgn ? (double)(int64_t)v : (double)v;
    switch (dt) {
    case K_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case K_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case K_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case K_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    case K_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case K_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case K_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case K_U64: ((uint64_t *)p)[i] = v; break;
    case K_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case K_F32: ((float *)p)[i] = (float)f; break;
    case K_F64: ((double *)p)[i] = f; break;
    case K_F16: ((uint16_t *)p)[i] = k_f2h((float)f); break;
    case K_BF16: ((uint16_t *)p)[i] = k_f2bf((float)f); break;
    default: break;
    }
}

/* Stores v the way ir_tensor_set_f64 does (integers: NaN 0, clamped to
 * +-9.2e18, truncated) - the reductions, pooling and Resize use it. */
K_INLINE void k_stf(int32_t dt, void *p, int64_t i, double v)
{
    switch (dt) {
    case K_F32: ((float *)p)[i] = (float)v; break;
    case K_F64: ((double *)p)[i] = v; break;
    case K_F16: ((uint16_t *)p)[i] = k_f2h((float)v); break;
    case K_BF16: ((uint16_t *)p)[i] = k_f2bf((float)v); break;
    case K_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    default:
        v = v != v ? 0 : v > 9.2e18 ? 9.2e18 : v < -9.2e18 ? -9.2e18 : v;
        k_sti(dt, p, i, (uint64_t)(int64_t)v, 1);
    }
}

/* Float to integer as the elementwise reference converts: truncation, NaN
 * 0, saturation at the int64 range; unsigned targets wrap negatives. */
K_INLINE int64_t k_f_to_i64(double v)
{
    if (v != v)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

K_INLINE uint64_t k_f_to_u64(double v)
{
    if (v < 0)
        return (uint64_t)k_f_to_i64(v);
    if (v >= 18446744073709551615.0)
        return UINT64_MAX;
    return v == v ? (uint64_t)v : 0;
}

/* Stores a double computed by an elementwise op (Cast, Pow) into dtype dt. */
K_INLINE void k_stf_conv(int32_t dt, void *p, int64_t i, double v)
{
    if (k_is_float(dt) || dt == K_BOOL)
        switch (dt) {
        case K_F32: ((float *)p)[i] = (float)v; return;
        case K_F64: ((double *)p)[i] = v; return;
        case K_F16: ((uint16_t *)p)[i] = k_f2h((float)v); return;
        case K_BF16: ((uint16_t *)p)[i] = k_f2bf((float)v); return;
        default: ((uint8_t *)p)[i] = v != 0; return;
        }
    k_sti(dt, p, i, k_is_signed(dt) ? (uint64_t)k_f_to_i64(v) : k_f_to_u64(v), 1);
}

/* Orders elements i and j of p (> 0 when p[i] > p[j]); NaN is largest. */
K_INLINE int k_cmp(int32_t dt, const void *p, int64_t i, int64_t j)
{
    if (k_is_float(dt)) {
        double a = k_ldf(dt, p, i), b = k_ldf(dt, p, j);
        if (a != a || b != b)
            return (a != a) - (b != b);
        return (a > b) - (a < b);
    }
    if (k_is_signed(dt)) {
        int64_t a = k_ldi(dt, p, i), b = k_ldi(dt, p, j);
        return (a > b) - (a < b);
    }
    uint64_t a = (uint64_t)k_ldi(dt, p, i), b = (uint64_t)k_ldi(dt, p, j);
    return (a > b) - (a < b);
}

/* ---- the output walk ---------------------------------------------------- */

typedef struct {
    int64_t pos, end;
    int64_t idx[K_WALK_RANK];
    int64_t off[K_WALK_OPS];
} k_pos;

K_INLINE void k_walk_start(const struct k_walk *w, int64_t task, k_pos *p)
{
    p->pos = task * w->chunk;
    p->end = K_MIN(p->pos + w->chunk, w->total);
    if (p->pos >= p->end)
        return;
    int64_t r = p->pos;
    for (int32_t k = w->rank - 1; k >= 0; k--) {
        p->idx[k] = r % w->dims[k];
        r /= w->dims[k];
    }
    for (int32_t j = 0; j < w->nops; j++) {
        p->off[j] = w->base[j];
        for (int32_t k = 0; k < w->rank; k++)
            p->off[j] += p->idx[k] * w->st[j][k];
    }
}

K_INLINE int64_t k_walk_len(const struct k_walk *w, const k_pos *p)
{
    return K_MIN(w->dims[w->rank - 1] - p->idx[w->rank - 1], p->end - p->pos);
}

K_INLINE void k_walk_step(const struct k_walk *w, k_pos *p, int64_t n)
{
    int32_t k = w->rank - 1;
    p->pos += n;
    p->idx[k] += n;
    for (int32_t j = 0; j < w->nops; j++)
        p->off[j] += n * w->st[j][k];
    while (k > 0 && p->idx[k] == w->dims[k]) {
        p->idx[k] = 0;
        for (int32_t j = 0; j < w->nops; j++)
            p->off[j] += w->st[j][k - 1] - w->dims[k] * w->st[j][k];
        p->idx[--k]++;
    }
}

#endif
