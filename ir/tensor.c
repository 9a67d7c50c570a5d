/* tensor.c - reading and writing tensor elements whatever their dtype.
 *
 * Reference kernels and constant folding work on many dtypes; these helpers
 * keep the per-dtype switch in one place. Also the half-precision
 * conversions (round to nearest even), and malloc'd tensors for the
 * reference engine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

float ir_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float f;
    if (exp == 0)
        f = ldexpf((float)man, -24);
    else if (exp == 31)
        f = man ? NAN : INFINITY;
    else
        f = ldexpf((float)(man | 0x400), (int)exp - 25);
    return sign ? -f : f;
}

uint16_t ir_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    if (isnan(f))
        return sign | 0x7e00;
    float a = fabsf(f);
    if (a >= 65520.0f)
        return sign | 0x7c00;
    if (a < ldexpf(1.0f, -14)) { /* subnormal: units of 2^-24 */
        float q = nearbyintf(a * ldexpf(1.0f, 24));
        return sign | (uint16_t)q;
    }
    int e;
    float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5,1) */
    float q = nearbyintf(m * 2048.0f); /* 11 significant bits */
    if (q >= 2048.0f) {
        q /= 2;
        e++;
    }
    return sign | (uint16_t)(((e + 14) << 10) | ((uint32_t)q & 0x3ff));
}

float ir_bf16_to_f32(uint16_t h)
{
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

uint16_t ir_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if (isnan(f))
        return (uint16_t)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

int64_t ir_tensor_numel(const ir_tensor *t) { return ir_shape_numel(&t->shape); }

double ir_tensor_get_f64(const ir_tensor *t, int64_t i)
{
    const void *p = t->data;
    switch (t->dtype) {
    case IR_F32: return ((const float *)p)[i];
    case IR_F64: return ((const double *)p)[i];
    case IR_F16: return ir_f16_to_f32(((const uint16_t *)p)[i]);
    case IR_BF16: return ir_bf16_to_f32(((const uint16_t *)p)[i]);
    case IR_I8: return ((const int8_t *)p)[i];
    case IR_I16: return ((const int16_t *)p)[i];
    case IR_I32: return ((const int32_t *)p)[i];
    case IR_I64: return (double)((const int64_t *)p)[i];
    case IR_U8: return ((const uint8_t *)p)[i];
    case IR_U16: return ((const uint16_t *)p)[i];
    case IR_U32: return ((const uint32_t *)p)[i];
    case IR_U64: return (double)((const uint64_t *)p)[i];
    case IR_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: return 0;
    }
}

int64_t ir_tensor_get_i64(const ir_tensor *t, int64_t i)
{
    const void *p = t->data;
    switch (t->dtype) {
    case IR_I8: return ((const int8_t *)p)[i];
    case IR_I16: return ((const int16_t *)p)[i];
    case IR_I32: return ((const int32_t *)p)[i];
    case IR_I64: return ((const int64_t *)p)[i];
    case IR_U8: return ((const uint8_t *)p)[i];
    case IR_U16: return ((const uint16_t *)p)[i];
    case IR_U32: return ((const uint32_t *)p)[i];
    case IR_U64: return (int64_t)((const uint64_t *)p)[i];
    case IR_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: {
        double v = ir_tensor_get_f64(t, i);
        if (!(v == v))
            return 0;
        if (v >= 9.2e18)
            return INT64_MAX;
        if (v <= -9.2e18)
            return INT64_MIN;
        return (int64_t)v;
    }
    }
}

void ir_tensor_set_f64(ir_tensor *t, int64_t i, double v)
{
    void *p = t->data;
    switch (t->dtype) {
    case IR_F32: ((float *)p)[i] = (float)v; break;
    case IR_F64: ((double *)p)[i] = v; break;
    case IR_F16: ((uint16_t *)p)[i] = ir_f32_to_f16((float)v); break;
    case IR_BF16: ((uint16_t *)p)[i] = ir_f32_to_bf16((float)v); break;
    case IR_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    default:
        if (v != v)
            v = 0;
        if (v > 9.2e18)
            v = 9.2e18;
        if (v < -9.2e18)
            v = -9.2e18;
        ir_tensor_set_i64(t, i, (int64_t)v);
    }
}

void ir_tensor_set_i64(ir_tensor *t, int64_t i, int64_t v)
{
    void *p = t->data;
    switch (t->dtype) {
    case IR_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case IR_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case IR_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case IR_I64: ((int64_t *)p)[i] = v; break;
    case IR_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case IR_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case IR_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case IR_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    case IR_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    default: ir_tensor_set_f64(t, i, (double)v);
    }
}

int64_t ir_tensor_ints(const ir_tensor *t, int64_t *out, int64_t max)
{
    if (!t || (t->dtype != IR_I64 && t->dtype != IR_I32))
        return -1;
    int64_t n = ir_tensor_numel(t);
    if (n < 0 || n > max)
        return -1;
    for (int64_t i = 0; i < n; i++)
        out[i] = ir_tensor_get_i64(t, i);
    return n;
}

ir_tensor *ir_tensor_alloc(ir_dtype dtype, const ir_shape *shape)
{
    int64_t n = ir_shape_numel(shape);
    uint64_t bytes;
    if (n < 0 || !ir_mul_overflow_u64((uint64_t)n, ir_dtype_size(dtype), &bytes) ||
        bytes > ((uint64_t)1 << 40))
        return NULL;
    ir_tensor *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->dtype = dtype;
    t->shape = *shape;
    t->nbytes = bytes;
    size_t alloc = (size_t)((bytes + 63) / 64 * 64);
    t->data = aligned_alloc(64, alloc ? alloc : 64);
    if (!t->data) {
        free(t);
        return NULL;
    }
    memset(t->data, 0, alloc ? alloc : 64);
    return t;
}

void ir_tensor_release(ir_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    free(t);
}
