/* light_eltwise.c - elementwise kernel templates: binary and variadic
 * arithmetic, comparisons and logic, Pow, the unary functions and Clip,
 * Cast and Where.
 *
 * Each kernel is one loop nest per dtype: the output is walked densely
 * (struct k_walk), every operand read with its innermost stride (0 or 1 in
 * the common case), and the op is a switch on a descriptor constant inside
 * the loop, which LLVM folds away per node. Arithmetic runs in the data's
 * own type - float for float32, float16 and bfloat16, wrapping integers in
 * their own width - which gives the reference engine's results exactly for
 * + - * / max min, since the reference computes in double and rounds once.
 * Float transcendental functions use the float versions (expf, ...), within
 * an ulp of the reference's double ones. Pow and Cast follow the
 * reference's conversions element by element (they are rare and small). */
#include "light_common.h"

/* ---- binary arithmetic -------------------------------------------------- */

#define DEF_ARITH_FLOAT(name, C)                                                                   \
    K_INLINE C name(int32_t op, C x, C y)                                                          \
    {                                                                                              \
        switch (op) {                                                                              \
        case K_ADD: return x + y;                                                                  \
        case K_SUB: return x - y;                                                                  \
        case K_MUL: return x * y;                                                                  \
        case K_DIV: return x / y;                                                                  \
        case K_MAX: return (y > x || y != y) ? y : x; /* NaN wins, as in numpy */                  \
        case K_MIN: return (y < x || y != y) ? y : x;                                              \
        default: return x;                                                                         \
        }                                                                                          \
    }
DEF_ARITH_FLOAT(arith_f32, float)
DEF_ARITH_FLOAT(arith_f64, double)

/* Integers wrap; division truncates, by zero gives 0 (the reference
 * reports an error; compiled code cannot), INT64_MIN / -1 wraps. */
K_INLINE int64_t arith_s64(int32_t op, int64_t x, int64_t y)
{
    switch (op) {
    case K_ADD: return (int64_t)((uint64_t)x + (uint64_t)y);
    case K_SUB: return (int64_t)((uint64_t)x - (uint64_t)y);
    case K_MUL: return (int64_t)((uint64_t)x * (uint64_t)y);
    case K_DIV: return y == 0 ? 0 : (x == INT64_MIN && y == -1) ? x : x / y;
    case K_MAX: return x < y ? y : x;
    case K_MIN: return x < y ? x : y;
    default: return x;
    }
}

K_INLINE uint64_t arith_u64(int32_t op, uint64_t x, uint64_t y)
{
    switch (op) {
    case K_ADD: return x + y;
    case K_SUB: return x - y;
    case K_MUL: return x * y;
    case K_DIV: return y == 0 ? 0 : x / y;
    case K_MAX: return x < y ? y : x;
    case K_MIN: return x < y ? x : y;
    default: return x;
    }
}

#define K_ID(v) (v)

/* out[i] = op(...op(op(in0[i], in1[i]), in2[i])...), computed in C. */
/* clang-format off */
#define ARITH_LOOP(T, C, LOAD, STORE, FN)                                                          \
    {                                                                                              \
        T *o = (T *)bufs[d->out] + p->pos;                                                         \
        const T *src[K_WALK_OPS];                                                                  \
        int64_t s[K_WALK_OPS];                                                                     \
        for (int32_t j = 0; j < d->w.nops; j++) {                                                  \
            src[j] = (const T *)bufs[d->in[j]] + p->off[j];                                        \
            s[j] = d->w.st[j][d->w.rank - 1];                                                      \
        }                                                                                          \
        if (d->inplace)                                                                            \
            src[0] = o;                                                                            \
        for (int64_t i = 0; i < n; i++) {                                                          \
            C v = (C)LOAD(src[0][i * s[0]]);                                                       \
            K_UNROLL                                                                               \
            for (int32_t j = 1; j < d->w.nops; j++)                                                \
                v = FN(d->op, v, (C)LOAD(src[j][i * s[j]]));                                       \
            o[i] = (T)STORE(v);                                                                    \
        }                                                                                          \
    }                                                                                              \
    break
/* clang-format on */

K_INLINE void arith_run(const struct k_binary *d, void *const *bufs, const k_pos *p, int64_t n)
{
    switch (d->dtype) {
    case K_F32: ARITH_LOOP(float, float, K_ID, K_ID, arith_f32);
    case K_F64: ARITH_LOOP(double, double, K_ID, K_ID, arith_f64);
    case K_F16: ARITH_LOOP(uint16_t, float, k_h2f, k_f2h, arith_f32);
    case K_BF16: ARITH_LOOP(uint16_t, float, k_bf2f, k_f2bf, arith_f32);
    case K_I8: ARITH_LOOP(int8_t, int64_t, K_ID, K_ID, arith_s64);
    case K_I16: ARITH_LOOP(int16_t, int64_t, K_ID, K_ID, arith_s64);
    case K_I32: ARITH_LOOP(int32_t, int64_t, K_ID, K_ID, arith_s64);
    case K_I64: ARITH_LOOP(int64_t, int64_t, K_ID, K_ID, arith_s64);
    case K_U8: ARITH_LOOP(uint8_t, uint64_t, K_ID, K_ID, arith_u64);
    case K_U16: ARITH_LOOP(uint16_t, uint64_t, K_ID, K_ID, arith_u64);
    case K_U32: ARITH_LOOP(uint32_t, uint64_t, K_ID, K_ID, arith_u64);
    case K_U64: ARITH_LOOP(uint64_t, uint64_t, K_ID, K_ID, arith_u64);
    default: break;
    }
}

/* ---- comparisons and logic ---------------------------------------------- */

#define DEF_CMP(name, C)                                                                           \
    K_INLINE uint8_t name(int32_t op, C x, C y)                                                    \
    {                                                                                              \
        switch (op) {                                                                              \
        case K_EQ: return x == y;                                                                  \
        case K_LT: return x < y;                                                                   \
        case K_GT: return x > y;                                                                   \
        case K_AND: return x != 0 && y != 0;                                                       \
        case K_OR: return x != 0 || y != 0;                                                        \
        default: return 0;                                                                         \
        }                                                                                          \
    }
DEF_CMP(cmp_f32, float)
DEF_CMP(cmp_f64, double)
DEF_CMP(cmp_s64, int64_t)
DEF_CMP(cmp_u64, uint64_t)

#define K_BOOLV(v) ((v) != 0)

#define CMP_LOOP(T, C, LOAD, FN)                                                                   \
    {                                                                                              \
        uint8_t *o = (uint8_t *)bufs[d->out] + p->pos;                                             \
        const T *a = (const T *)bufs[d->in[0]] + p->off[0];                                        \
        const T *b = (const T *)bufs[d->in[1]] + p->off[1];                                        \
        int64_t sa = d->w.st[0][d->w.rank - 1], sb = d->w.st[1][d->w.rank - 1];                    \
        for (int64_t i = 0; i < n; i++)                                                            \
            o[i] = FN(d->op, (C)LOAD(a[i * sa]), (C)LOAD(b[i * sb]));                              \
    }                                                                                              \
    break

K_INLINE void compare_run(const struct k_binary *d, void *const *bufs, const k_pos *p, int64_t n)
{
    switch (d->dtype) {
    case K_F32: CMP_LOOP(float, float, K_ID, cmp_f32);
    case K_F64: CMP_LOOP(double, double, K_ID, cmp_f64);
    case K_F16: CMP_LOOP(uint16_t, float, k_h2f, cmp_f32);
    case K_BF16: CMP_LOOP(uint16_t, float, k_bf2f, cmp_f32);
    case K_I8: CMP_LOOP(int8_t, int64_t, K_ID, cmp_s64);
    case K_I16: CMP_LOOP(int16_t, int64_t, K_ID, cmp_s64);
    case K_I32: CMP_LOOP(int32_t, int64_t, K_ID, cmp_s64);
    case K_I64: CMP_LOOP(int64_t, int64_t, K_ID, cmp_s64);
    case K_U8: CMP_LOOP(uint8_t, uint64_t, K_ID, cmp_u64);
    case K_U16: CMP_LOOP(uint16_t, uint64_t, K_ID, cmp_u64);
    case K_U32: CMP_LOOP(uint32_t, uint64_t, K_ID, cmp_u64);
    case K_U64: CMP_LOOP(uint64_t, uint64_t, K_ID, cmp_u64);
    case K_BOOL: CMP_LOOP(uint8_t, uint64_t, K_BOOLV, cmp_u64);
    default: break;
    }
}

/* ---- Pow ---------------------------------------------------------------- */

K_INLINE uint64_t upow(uint64_t b, uint64_t e)
{
    uint64_t r = 1;
    for (; e; e >>= 1, b *= b)
        if (e & 1)
            r *= b;
    return r;
}

/* Integer base and exponent: a negative exponent gives the truncated real
 * result (0 unless the base is +-1). */
K_INLINE uint64_t pow_int(uint64_t a, int sa, uint64_t b, int sb)
{
    if (sb && (int64_t)b < 0) {
        int64_t base = sa ? (int64_t)a : (a == 1 ? 1 : 0);
        return (uint64_t)(base == 1 ? 1 : base == -1 ? ((b & 1) ? -1 : 1) : 0);
    }
    return upow(a, b);
}

/* Pow with the reference's conversions: both integers -> integer power;
 * otherwise pow() in double, converted to the base's dtype. */
K_INLINE void pow_run(const struct k_binary *d, void *const *bufs, const k_pos *p, int64_t n)
{
    const void *a = bufs[d->in[0]], *b = bufs[d->in[1]];
    void *o = bufs[d->out];
    int64_t sa = d->w.st[0][d->w.rank - 1], sb = d->w.st[1][d->w.rank - 1];
    int fa = k_is_float(d->dtype), fb = k_is_float(d->dtype_b);
    for (int64_t i = 0; i < n; i++) {
        int64_t ia = p->off[0] + i * sa, ib = p->off[1] + i * sb;
        if (!fa && !fb) {
            uint64_t r = pow_int((uint64_t)k_ldi(d->dtype, a, ia), k_is_signed(d->dtype),
                                 (uint64_t)k_ldi(d->dtype_b, b, ib), k_is_signed(d->dtype_b));
            k_sti(d->dtype, o, p->pos + i, r, 1);
        } else {
            k_stf_conv(d->dtype, o, p->pos + i,
                       pow(k_ldf(d->dtype, a, ia), k_ldf(d->dtype_b, b, ib)));
        }
    }
}

KERNEL(binary)
{
    k_pos p;
    for (k_walk_start(&d->w, task, &p); p.pos < p.end;) {
        int64_t n = k_walk_len(&d->w, &p);
        if (d->op == K_POW)
            pow_run(d, bufs, &p, n);
        else if (d->op >= K_EQ)
            compare_run(d, bufs, &p, n);
        else
            arith_run(d, bufs, &p, n);
        k_walk_step(&d->w, &p, n);
    }
}

/* ---- unary functions and Clip ------------------------------------------- */

#define DEF_UNARY_FLOAT(name, C, SFX)                                                              \
    K_INLINE C name(int32_t op, C v, C lo, C hi)                                                   \
    {                                                                                              \
        switch (op) {                                                                              \
        case K_SQRT: return sqrt##SFX(v);                                                          \
        case K_SIN: return sin##SFX(v);                                                            \
        case K_COS: return cos##SFX(v);                                                            \
        case K_EXP: return exp##SFX(v);                                                            \
        case K_LOG: return log##SFX(v);                                                            \
        case K_TANH: return tanh##SFX(v);                                                          \
        case K_ERF: return erf##SFX(v);                                                            \
        case K_SIGMOID: return (C)1 / ((C)1 + exp##SFX(-v));                                       \
        case K_RELU: return v < 0 ? 0 : v;                                                         \
        case K_NEG: return -v;                                                                     \
        case K_ABS: return fabs##SFX(v);                                                           \
        case K_CLIP: v = v < lo ? lo : v; return v > hi ? hi : v;                                  \
        default: return v;                                                                         \
        }                                                                                          \
    }
DEF_UNARY_FLOAT(unary_f32, float, f)
DEF_UNARY_FLOAT(unary_f64, double, )

/* Integer unary ops in 64 bits (wrapping); Erf goes through double. */
K_INLINE int64_t unary_s64(int32_t op, int64_t v, int64_t lo, int64_t hi)
{
    switch (op) {
    case K_RELU: return v < 0 ? 0 : v;
    case K_NEG: return (int64_t)(0 - (uint64_t)v);
    case K_ABS: return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
    case K_ERF: return k_f_to_i64(erf((double)v));
    case K_CLIP: v = v < lo ? lo : v; return v > hi ? hi : v;
    default: return v;
    }
}

K_INLINE uint64_t unary_u64(int32_t op, uint64_t v, uint64_t lo, uint64_t hi)
{
    switch (op) {
    case K_NOT: return !v;
    case K_NEG: return 0 - v;
    case K_ERF: return k_f_to_u64(erf((double)v));
    case K_CLIP: v = v < lo ? lo : v; return v > hi ? hi : v;
    default: return v;
    }
}

/* Clip's bounds: a run-time scalar of the data's type, else the
 * descriptor's (attributes or the type's extremes). */
#define UNARY_LOOP(T, C, LOAD, STORE, FN, LO, HI)                                                  \
    {                                                                                              \
        T *o = (T *)bufs[d->out];                                                                  \
        const T *x = d->inplace ? o : (const T *)bufs[d->x];                                       \
        C lo = d->lo >= 0 ? (C)LOAD(((const T *)bufs[d->lo])[0]) : (LO);                           \
        C hi = d->hi >= 0 ? (C)LOAD(((const T *)bufs[d->hi])[0]) : (HI);                           \
        for (int64_t i = b; i < e; i++)                                                            \
            o[i] = (T)STORE(FN(d->op, (C)LOAD(x[i]), lo, hi));                                     \
    }                                                                                              \
    break

#define FLO ((float)d->lo_f)
#define FHI ((float)d->hi_f)
KERNEL(unary)
{
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->total);
    switch (d->dtype) {
    case K_F32: UNARY_LOOP(float, float, K_ID, K_ID, unary_f32, FLO, FHI);
    case K_F64: UNARY_LOOP(double, double, K_ID, K_ID, unary_f64, d->lo_f, d->hi_f);
    case K_F16: UNARY_LOOP(uint16_t, float, k_h2f, k_f2h, unary_f32, FLO, FHI);
    case K_BF16: UNARY_LOOP(uint16_t, float, k_bf2f, k_f2bf, unary_f32, FLO, FHI);
    case K_I8: UNARY_LOOP(int8_t, int64_t, K_ID, K_ID, unary_s64, INT8_MIN, INT8_MAX);
    case K_I16: UNARY_LOOP(int16_t, int64_t, K_ID, K_ID, unary_s64, INT16_MIN, INT16_MAX);
    case K_I32: UNARY_LOOP(int32_t, int64_t, K_ID, K_ID, unary_s64, INT32_MIN, INT32_MAX);
    case K_I64: UNARY_LOOP(int64_t, int64_t, K_ID, K_ID, unary_s64, INT64_MIN, INT64_MAX);
    case K_U8: UNARY_LOOP(uint8_t, uint64_t, K_ID, K_ID, unary_u64, 0, UINT8_MAX);
    case K_U16: UNARY_LOOP(uint16_t, uint64_t, K_ID, K_ID, unary_u64, 0, UINT16_MAX);
    case K_U32: UNARY_LOOP(uint32_t, uint64_t, K_ID, K_ID, unary_u64, 0, UINT32_MAX);
    case K_U64: UNARY_LOOP(uint64_t, uint64_t, K_ID, K_ID, unary_u64, 0, UINT64_MAX);
    case K_BOOL: UNARY_LOOP(uint8_t, uint64_t, K_ID, K_ID, unary_u64, 0, 1);
    default: break;
    }
}
#undef FLO
#undef FHI

/* ---- Cast --------------------------------------------------------------- */

/* To bfloat16, Cast truncates the float32 bits (as ONNX's test data
 * expects); arithmetic results round to nearest. */
K_INLINE void cast_to_bf16(uint16_t *o, int64_t i, double v)
{
    k_f32bits f = {.f = (float)v};
    o[i] = f.f != f.f ? k_f2bf(f.f) : (uint16_t)(f.u >> 16);
}

KERNEL(cast)
{
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->total);
    const void *x = bufs[d->x];
    void *o = bufs[d->out];
    int sgn = k_is_signed(d->from);
    for (int64_t i = b; i < e; i++) {
        if (k_is_float(d->from)) {
            double v = k_ldf(d->from, x, i);
            if (d->to == K_BF16)
                cast_to_bf16(o, i, v);
            else
                k_stf_conv(d->to, o, i, v);
        } else {
            uint64_t v = (uint64_t)k_ldi(d->from, x, i);
            if (d->to == K_BF16)
                cast_to_bf16(o, i, sgn ? (double)(int64_t)v : (double)v);
            else
                k_sti(d->to, o, i, v, sgn);
        }
    }
}

/* ---- Where -------------------------------------------------------------- */

#define WHERE_LOOP(T)                                                                              \
    {                                                                                              \
        T *o = (T *)bufs[d->out] + p.pos;                                                          \
        const uint8_t *c = (const uint8_t *)bufs[d->cond] + p.off[0];                              \
        const T *x = (const T *)bufs[d->x] + p.off[1], *y = (const T *)bufs[d->y] + p.off[2];      \
        for (int64_t i = 0; i < n; i++)                                                            \
            o[i] = c[i * s0] ? x[i * s1] : y[i * s2];                                              \
    }                                                                                              \
    break

KERNEL(where)
{
    k_pos p;
    int32_t r = d->w.rank - 1;
    int64_t s0 = d->w.st[0][r], s1 = d->w.st[1][r], s2 = d->w.st[2][r];
    for (k_walk_start(&d->w, task, &p); p.pos < p.end;) {
        int64_t n = k_walk_len(&d->w, &p);
        switch (d->es) {
        case 1: WHERE_LOOP(uint8_t);
        case 2: WHERE_LOOP(uint16_t);
        case 4: WHERE_LOOP(uint32_t);
        case 8: WHERE_LOOP(uint64_t);
        default: break;
        }
        k_walk_step(&d->w, &p, n);
    }
}
