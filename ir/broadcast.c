/* broadcast.c - numpy-style broadcasting and shape iteration, written once
 * for every elementwise kernel, Expand, Where and the shape functions. */
#include "kernels.h"

ir_status ir_broadcast_shapes(const ir_node *n, const ir_shape *const *s, uint32_t count,
                              ir_shape *out, ir_diag *d)
{
    int32_t rank = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (s[i]->rank < 0) {
            out->rank = -1;
            return IR_OK;
        }
        if (s[i]->rank > rank)
            rank = s[i]->rank;
    }
    *out = (ir_shape){.rank = rank};
    for (int32_t k = 0; k < rank; k++) {
        int64_t dim = 1;
        const char *sym = NULL;
        bool unknown = false;
        for (uint32_t i = 0; i < count; i++) {
            int32_t j = k - (rank - s[i]->rank);
            if (j < 0)
                continue;
            int64_t v = s[i]->dims[j];
            if (v < 0) {
                unknown = true;
                if (!sym)
                    sym = s[i]->sym[j];
                continue;
            }
            if (v == 1)
                continue;
            if (dim != 1 && dim != v)
                return ir_fail(d, IR_ERR_MODEL,
                               "node '%s' (%s): input shapes cannot be broadcast: "
                               "dimension %d is %lld in one input and %lld in another",
                               ir_q(n ? n->name : ""), n ? n->op_type : "?", (int)k,
                               (long long)dim, (long long)v);
            dim = v;
        }
        if (dim == 1 && unknown) {
            out->dims[k] = -1;
            out->sym[k] = sym;
        } else {
            out->dims[k] = dim;
        }
    }
    return IR_OK;
}

void ir_broadcast_strides(const ir_shape *in, const ir_shape *out, int64_t *strides)
{
    int64_t st = 1;
    for (int32_t k = out->rank - 1; k >= 0; k--) {
        int32_t j = k - (out->rank - in->rank);
        if (j < 0 || in->dims[j] == 1) {
            strides[k] = 0;
        } else {
            strides[k] = st;
        }
        if (j >= 0)
            st *= in->dims[j];
    }
}

void ir_index_init(ir_index *it, const ir_shape *s)
{
    it->rank = s->rank;
    it->empty = false;
    for (int32_t i = 0; i < s->rank; i++) {
        it->dims[i] = s->dims[i];
        it->idx[i] = 0;
        if (s->dims[i] <= 0)
            it->empty = true;
    }
}

bool ir_index_next(ir_index *it)
{
    if (it->empty)
        return false;
    for (int32_t i = it->rank - 1; i >= 0; i--) {
        if (++it->idx[i] < it->dims[i])
            return true;
        it->idx[i] = 0;
    }
    return false;
}

int64_t ir_index_offset(const ir_index *it, const int64_t *strides)
{
    int64_t off = 0;
    for (int32_t i = 0; i < it->rank; i++)
        off += it->idx[i] * strides[i];
    return off;
}

void ir_shape_strides(const ir_shape *s, int64_t *strides)
{
    int64_t st = 1;
    for (int32_t i = s->rank - 1; i >= 0; i--) {
        strides[i] = st;
        st *= s->dims[i] > 0 ? s->dims[i] : 1;
    }
}

bool ir_axis_norm(int64_t axis, int32_t rank, int32_t *out)
{
    if (axis < -(int64_t)rank || axis >= rank)
        return false;
    *out = (int32_t)(axis < 0 ? axis + rank : axis);
    return true;
}
