/* ref_fused.c - shape hooks and reference kernels of the internal ops that
 * fusion passes create (domain "onnxc"):
 *
 *   FusedConv(X, W, B?, R?)  act(conv(X, W) + B + R); Conv's attributes plus
 *                            activation = "" | "relu"
 *   Linear(X, W, B?)         act(X @ W + B), X [..., K], W [K, N], B [N]
 *   LayerNorm(X, S, B, R?)   y = (s - mean) / sqrt(var + epsilon) * S + B over
 *                            the dims from `axis` on, with s = X + R; outputs
 *                            y and optionally s (for pre-norm residual chains)
 *   Attention(q, k, v, Wq, bq, Wk, bk, Wv, bv, Wo, bo, mask?)
 *                            multi-head attention on sequence-first tensors
 *                            q [L, N, Eq], k/v [S, N, Ek]; W* as [E_in, E_out]
 *                            (x @ W); num_heads heads; scores scaled by
 *                            `scale`; mask is additive, broadcastable to
 *                            [N * heads, L, S]; result [L, N, Eo]. Wq and
 *                            bq may be omitted: q is then already projected
 *
 * Being plain and separate from the pattern code, these kernels let tests
 * check reference(original subgraph) against reference(fused op). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static bool act_relu(const ir_node *n)
{
    const char *a = ir_attr_string(n, "activation", "");
    return !strcmp(a, "relu") || !strcmp(a, "Relu");
}

/* ---- FusedConv --------------------------------------------------------- */

ir_status ir_shape_fused_conv(const ir_graph *g, const ir_node *n, const ir_operand *in,
                              ir_operand *out, ir_diag *d)
{
    ir_status st = ir_shape_conv(g, n, in, out, d);
    if (st || n->n_inputs < 4 || n->inputs[3] < 0)
        return st;
    if (in[3].shape.rank >= 0 && out[0].shape.rank >= 0 && !ir_shape_equal(&in[3].shape, &out[0].shape))
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (FusedConv): residual shape differs from the output",
                       ir_q(n->name));
    return IR_OK;
}

ir_status ir_ref_fused_conv(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                            ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *conv_in[3] = {in[0], in[1], n->n_inputs > 2 ? in[2] : NULL};
    ir_status st = ir_ref_conv(g, n, conv_in, out, d);
    if (st)
        return st;
    float *y = out[0]->data;
    int64_t cnt = ir_tensor_numel(out[0]);
    const float *r = n->n_inputs > 3 && in[3] ? in[3]->data : NULL;
    bool relu = act_relu(n);
    for (int64_t i = 0; i < cnt; i++) {
        float v = y[i] + (r ? r[i] : 0.0f);
        y[i] = relu && v < 0 ? 0.0f : v;
    }
    return IR_OK;
}

/* ---- Linear ------------------------------------------------------------ */

ir_status ir_shape_linear(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                          ir_diag *d)
{
    const ir_shape *x = &in[0].shape, *w = &in[1].shape;
    out[0].dtype = in[0].dtype;
    out[0].shape.rank = -1;
    if (x->rank < 0 || w->rank < 0)
        return IR_OK;
    if (w->rank != 2 || x->rank < 1 || (x->dims[x->rank - 1] >= 0 && w->dims[0] >= 0 &&
                                        x->dims[x->rank - 1] != w->dims[0]))
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (Linear): X's last dim must equal W's first (W [K, N])",
                       ir_q(n->name));
    out[0].shape = *x;
    out[0].shape.dims[x->rank - 1] = w->dims[1];
    out[0].shape.sym[x->rank - 1] = NULL;
    return IR_OK;
}

ir_status ir_ref_linear(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const float *x = in[0]->data, *w = in[1]->data;
    const float *b = n->n_inputs > 2 && in[2] ? in[2]->data : NULL;
    int64_t k = in[1]->shape.dims[0], nn = in[1]->shape.dims[1];
    int64_t m = k ? ir_tensor_numel(in[0]) / k : 0;
    float *y = out[0]->data;
    bool relu = act_relu(n);
    double *acc = malloc((size_t)(nn > 0 ? nn : 1) * sizeof *acc); /* the oracle accumulates in double */
    if (!acc)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < m; i++) {
        float *row = y + i * nn;
        for (int64_t j = 0; j < nn; j++)
            acc[j] = b ? b[j] : 0.0;
        for (int64_t p = 0; p < k; p++) {
            double a = x[i * k + p];
            const float *wr = w + p * nn;
            for (int64_t j = 0; j < nn; j++)
                acc[j] += a * wr[j];
        }
        for (int64_t j = 0; j < nn; j++)
            row[j] = relu && acc[j] < 0 ? 0.0f : (float)acc[j];
    }
    free(acc);
    return IR_OK;
}

/* ---- LayerNorm --------------------------------------------------------- */

ir_status ir_shape_fused_layernorm(const ir_graph *g, const ir_node *n, const ir_operand *in,
                                   ir_operand *out, ir_diag *d)
{
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        out[k].dtype = in[0].dtype;
        out[k].shape = in[0].shape;
    }
    int32_t axis;
    if (in[0].shape.rank >= 0 && !ir_axis_norm(ir_attr_int(n, "axis", -1), in[0].shape.rank, &axis))
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (LayerNorm): axis out of range", ir_q(n->name));
    return IR_OK;
}

ir_status ir_ref_fused_layernorm(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                                 ir_tensor *const *out, ir_diag *d)
{
    int32_t axis;
    ir_axis_norm(ir_attr_int(n, "axis", -1), in[0]->shape.rank, &axis);
    int64_t inner = 1;
    for (int32_t i = axis; i < in[0]->shape.rank; i++)
        inner *= in[0]->shape.dims[i];
    int64_t outer = inner ? ir_tensor_numel(in[0]) / inner : 0;
    int64_t ns = ir_tensor_numel(in[1]), nb = ir_tensor_numel(in[2]);
    if (ns < 1 || nb < 1 || inner % ns || inner % nb)
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (LayerNorm): scale/bias do not match the normalized dims",
                       ir_q(n->name));
    const float *x = in[0]->data, *sc = in[1]->data, *bi = in[2]->data;
    const float *r = n->n_inputs > 3 && in[3] ? in[3]->data : NULL;
    float eps = ir_attr_float(n, "epsilon", 1e-5f);
    float *y = out[0]->data, *sum = n->n_outputs > 1 && out[1] ? out[1]->data : NULL;
    float *tmp = malloc((size_t)(inner ? inner : 1) * sizeof *tmp);
    if (!tmp)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (int64_t o = 0; o < outer; o++) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < inner; i++) {
            tmp[i] = x[o * inner + i] + (r ? r[o * inner + i] : 0.0f);
            mean += tmp[i];
        }
        mean /= (double)inner;
        for (int64_t i = 0; i < inner; i++)
            var += ((double)tmp[i] - mean) * ((double)tmp[i] - mean);
        var /= (double)inner;
        float inv = (float)(1.0 / sqrt(var + (double)eps));
        for (int64_t i = 0; i < inner; i++) {
            y[o * inner + i] = ((tmp[i] - (float)mean) * inv) * sc[i % ns] + bi[i % nb];
            if (sum)
                sum[o * inner + i] = tmp[i];
        }
    }
    free(tmp);
    return IR_OK;
}

/* ---- Attention --------------------------------------------------------- */

ir_status ir_shape_attention(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    const ir_shape *q = &in[0].shape, *k = &in[1].shape, *v = &in[2].shape, *wo = &in[9].shape;
    out[0].dtype = in[0].dtype;
    out[0].shape.rank = -1;
    int64_t heads = ir_attr_int(n, "num_heads", 0);
    if (heads <= 0)
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (Attention): num_heads must be positive", ir_q(n->name));
    if (q->rank < 0 || wo->rank < 0)
        return IR_OK;
    if (q->rank != 3 || (k->rank >= 0 && k->rank != 3) || (v->rank >= 0 && v->rank != 3) || wo->rank != 2)
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (Attention): q, k, v must be [seq, batch, embed]",
                       ir_q(n->name));
    for (int i = 3; i <= 7; i += 2) {
        const ir_shape *w = &in[i].shape;
        if (w->rank == 2 && w->dims[1] % heads)
            return ir_fail(d, IR_ERR_MODEL, "node '%s' (Attention): projection width %lld is not a multiple "
                           "of %lld heads", ir_q(n->name), (long long)w->dims[1], (long long)heads);
    }
    out[0].shape = *q;
    out[0].shape.dims[2] = wo->dims[1];
    out[0].shape.sym[2] = NULL;
    return IR_OK;
}

/* y[s, e_out] = x[s, e_in] @ w + b for a [rows, e_in] matrix x, summed in
 * double (the reference is the oracle: more accurate than what it checks). */
static void project(const float *x, int64_t rows, int64_t ein, const ir_tensor *w, const ir_tensor *b,
                    float *y)
{
    int64_t eout = w->shape.dims[1];
    const float *wd = w->data, *bd = b ? b->data : NULL;
    double *acc = malloc((size_t)(eout > 0 ? eout : 1) * sizeof *acc);
    for (int64_t i = 0; acc && i < rows; i++) {
        for (int64_t j = 0; j < eout; j++)
            acc[j] = bd ? bd[j] : 0.0;
        for (int64_t p = 0; p < ein; p++) {
            double a = x[i * ein + p];
            for (int64_t j = 0; j < eout; j++)
                acc[j] += a * wd[p * eout + j];
        }
        for (int64_t j = 0; j < eout; j++)
            y[i * eout + j] = (float)acc[j];
    }
    free(acc);
}

typedef struct {
    int64_t L, S, N, H, E, hd;
    float scale;
    const ir_tensor *mask;
    int64_t mstr[3]; /* mask strides for [N*H, L, S] */
} attn_dims;

/* One (batch, head): softmax(q k^T * scale + mask) v into ctx [L, N, E]. */
static void attend_head(const attn_dims *a, int64_t nb, int64_t h, const float *q, const float *k,
                        const float *v, float *ctx, float *p)
{
    int64_t E = a->E, hd = a->hd, nh = nb * a->H + h;
    const float *mk = a->mask ? a->mask->data : NULL;
    for (int64_t i = 0; i < a->L; i++) {
        const float *qi = q + (i * a->N + nb) * E + h * hd;
        float mx = -INFINITY;
        for (int64_t j = 0; j < a->S; j++) {
            const float *kj = k + (j * a->N + nb) * E + h * hd;
            double dot = 0;
            for (int64_t c = 0; c < hd; c++)
                dot += (double)qi[c] * kj[c];
            float s = (float)(dot * a->scale);
            if (mk)
                s += mk[nh * a->mstr[0] + i * a->mstr[1] + j * a->mstr[2]];
            p[j] = s;
            mx = s > mx ? s : mx;
        }
        double sum = 0;
        for (int64_t j = 0; j < a->S; j++) {
            p[j] = mx == -INFINITY ? 0.0f : expf(p[j] - mx);
            sum += p[j];
        }
        float *out = ctx + (i * a->N + nb) * E + h * hd;
        for (int64_t c = 0; c < hd; c++)
            out[c] = 0;
        for (int64_t j = 0; j < a->S; j++) {
            float w = sum > 0 ? (float)(p[j] / sum) : NAN;
            const float *vj = v + (j * a->N + nb) * E + h * hd;
            for (int64_t c = 0; c < hd; c++)
                out[c] += w * vj[c];
        }
    }
}

static bool mask_strides(attn_dims *a, const ir_tensor *m)
{
    ir_shape full = {3, {a->N * a->H, a->L, a->S}};
    const ir_shape *s[2] = {&m->shape, &full};
    ir_shape out;
    if (m->shape.rank > 3 || ir_broadcast_shapes(NULL, s, 2, &out, NULL) || !ir_shape_equal(&out, &full))
        return false;
    ir_broadcast_strides(&m->shape, &full, a->mstr);
    return true;
}

ir_status ir_ref_attention(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                           ir_tensor *const *out, ir_diag *d)
{
    attn_dims a = {.L = in[0]->shape.dims[0], .N = in[0]->shape.dims[1], .S = in[1]->shape.dims[0],
                   .H = ir_attr_int(n, "num_heads", 1), .E = in[5]->shape.dims[1],
                   .scale = ir_attr_float(n, "scale", 1.0f)};
    a.hd = a.E / a.H;
    a.mask = n->n_inputs > 11 ? in[11] : NULL;
    if (a.mask && !mask_strides(&a, a.mask))
        return ir_fail(d, IR_ERR_MODEL, "node '%s' (Attention): mask does not broadcast to [%lld, %lld, %lld]",
                       ir_q(n->name), (long long)(a.N * a.H), (long long)a.L, (long long)a.S);
    size_t qn = (size_t)(a.L * a.N * a.E), kn = (size_t)(a.S * a.N * a.E);
    float *q = malloc(qn * 4 + 4), *k = malloc(kn * 4 + 4), *v = malloc(kn * 4 + 4);
    float *ctx = malloc(qn * 4 + 4), *p = malloc((size_t)a.S * 4 + 4);
    ir_status st = IR_OK;
    if (!q || !k || !v || !ctx || !p) {
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (in[3])
        project(in[0]->data, a.L * a.N, in[0]->shape.dims[2], in[3], in[4], q);
    else if (in[0]->shape.dims[2] == a.E)
        memcpy(q, in[0]->data, qn * sizeof(float));
    else
        st = ir_fail(d, IR_ERR_MODEL, "node '%s' (Attention): unprojected queries must have the keys' width",
                     ir_q(n->name));
    if (st)
        goto out;
    project(in[1]->data, a.S * a.N, in[1]->shape.dims[2], in[5], in[6], k);
    project(in[2]->data, a.S * a.N, in[2]->shape.dims[2], in[7], in[8], v);
    for (int64_t nb = 0; nb < a.N; nb++)
        for (int64_t h = 0; h < a.H; h++)
            attend_head(&a, nb, h, q, k, v, ctx, p);
    project(ctx, a.L * a.N, a.E, in[9], in[10], out[0]->data);
out:
    free(q);
    free(k);
    free(v);
    free(ctx);
    free(p);
    return st;
}
