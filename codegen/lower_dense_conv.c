/* lower_dense_conv.c - lowering of Conv and onnxc FusedConv (conv + bias +
 * residual + ReLU) to the GEMM-based convolution kernel of dense_gemm.c.
 *
 * Per image and group the convolution is W [M/G, C/G * kvol] times the
 * im2col of X; the weights are packed here into A panels once, so the
 * kernel only packs the input side, tile by tile. The window geometry is
 * reduced to 3-D (leading sizes 1 for 1-D and 2-D convs) with the pads
 * resolved: auto_pad SAME splits the total padding implied by the output
 * size (the shape hook has already validated every attribute), the odd one
 * at the end for SAME_UPPER and at the beginning for SAME_LOWER. */
#include <string.h>

#include "lower_dense.h"

/* Fills the 3-D geometry of d from the node; false if the ranks are wrong. */
static bool conv_geometry(const ir_node *n, const ir_shape *x, const ir_shape *w, const ir_shape *y,
                          struct k_conv *d)
{
    int32_t nsp = x->rank - 2;
    if (nsp < 1 || nsp > 3 || w->rank != x->rank || y->rank != x->rank)
        return false;
    const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
    const int64_t *s, *dl, *pads;
    size_t ns = ir_attr_ints(n, "strides", &s), nd = ir_attr_ints(n, "dilations", &dl);
    size_t np = ir_attr_ints(n, "pads", &pads);
    for (int32_t j = 0; j < 3; j++) {
        d->in[j] = d->out[j] = d->k[j] = d->s[j] = d->dil[j] = 1;
        d->pb[j] = 0;
    }
    for (int32_t i = 0; i < nsp; i++) {
        int32_t j = i + 3 - nsp;
        d->in[j] = x->dims[2 + i];
        d->out[j] = y->dims[2 + i];
        d->k[j] = w->dims[2 + i];
        d->s[j] = ns == (size_t)nsp ? s[i] : 1;
        d->dil[j] = nd == (size_t)nsp ? dl[i] : 1;
        if (d->s[j] < 1 || d->dil[j] < 1 || d->k[j] < 1)
            return false;
        int64_t total = (d->out[j] - 1) * d->s[j] + (d->k[j] - 1) * d->dil[j] + 1 - d->in[j];
        total = total > 0 ? total : 0;
        if (!strcmp(ap, "SAME_UPPER"))
            d->pb[j] = total / 2;
        else if (!strcmp(ap, "SAME_LOWER"))
            d->pb[j] = total - total / 2;
        else if (strcmp(ap, "VALID") && np == 2 * (size_t)nsp)
            d->pb[j] = pads[i];
    }
    return true;
}

/* Conv (X, W, B?) and FusedConv (X, W, B?, R?, activation). */
ir_status cg_lower_conv(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    const ir_value *x = ld_in(p, n, 0), *w = ld_in(p, n, 1), *b = ld_in(p, n, 2);
    const ir_value *r = n->op == IR_OP_FUSED_CONV ? ld_in(p, n, 3) : NULL;
    const ir_value *y = &cg_graph(p)->values[n->outputs[0]];
    struct k_conv *k = cg_alloc(p, sizeof *k);
    if (!k)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(k, 0, sizeof *k);
    if (!conv_geometry(n, &x->shape, &w->shape, &y->shape, k))
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "only 1-D, 2-D and 3-D convolutions are supported");
    int64_t groups = ir_attr_int(n, "group", 1), c = x->shape.dims[1], m = w->shape.dims[0];
    if (groups < 1 || c % groups || m % groups || w->shape.dims[1] != c / groups)
        return ld_fail(d, IR_ERR_MODEL, n, "channel counts of input, weight and group disagree");
    if ((b && ld_numel(b) != m) || (r && ld_numel(r) != ld_numel(y)))
        return ld_fail(d, IR_ERR_MODEL, n, "bias or residual size does not match the output");
    const char *act = ir_attr_string(n, "activation", "");
    k->relu = n->op == IR_OP_FUSED_CONV && (!strcmp(act, "relu") || !strcmp(act, "Relu"));
    if (n->op == IR_OP_FUSED_CONV && *act && !k->relu)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "activation '%s' is not supported", ir_q(act));
    k->batch = x->shape.dims[0];
    k->groups = groups;
    k->cg = c / groups;
    k->mg = m / groups;
    k->kdim = k->cg * k->k[0] * k->k[1] * k->k[2];
    k->npix = k->out[0] * k->out[1] * k->out[2];
    k->inpix = k->in[0] * k->in[1] * k->in[2];
    k->pw = k->kdim == k->cg && k->npix == k->inpix && k->s[0] * k->s[1] * k->s[2] == 1 &&
            !k->pb[0] && !k->pb[1] && !k->pb[2];
    ld_gemm_plan t;
    ld_plan_gemm(p, k->batch * groups, k->mg, k->npix, k->kdim, true, &t);
    const float *wc = ld_const(p, n, 1);
    k->bf16 = wc && ld_bf16(p, n);
    if (k->bf16)
        ld_plan_bf16(&t, k->kdim);
    k->mr = t.mr;
    k->nv = t.nv;
    k->mc = t.mc;
    k->nc = t.nc;
    k->kc = t.kc;
    k->m_tiles = t.m_tiles;
    k->n_tiles = t.n_tiles;
    k->x = cg_buf(p, n->inputs[0]);
    k->y = cg_buf(p, n->outputs[0]);
    k->bias = b ? cg_buf(p, n->inputs[2]) : -1;
    k->res = r ? cg_buf(p, n->inputs[3]) : -1;
    /* Winograd (lower_dense_wino.c), in float32, where its cost beats the
       direct kernel's: the fp32 one, or the bf16 one at twice the rate */
    bool wino = false;
    if ((st = ld_conv_wino(p, n, k, out, &wino, d)) || wino)
        return st;
    k->w_pre = wc != NULL;
    k->w = wc ? (k->bf16 ? ld_prepack_a16 : ld_prepack_a)(p, wc, k->kdim, 1, k->mg, k->kdim, k->mr, groups, k->mg * k->kdim)
              : cg_buf(p, n->inputs[1]);
    if (k->w < 0 || k->x < 0 || k->y < 0)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    out->kernel = "conv";
    out->desc = k;
    out->desc_size = sizeof *k;
    out->n_tasks = k->batch * groups * k->m_tiles * k->n_tiles;
    out->n_tasks = out->n_tasks > 0 ? out->n_tasks : 1;
    out->scratch_bytes =
        ld_gemm_scratch(&t, !k->w_pre, true) + (uint64_t)t.nc * 5 * sizeof(int64_t) + ld_bf16_scratch(&t);
    out->flops = 2.0 * (double)k->batch * (double)m * (double)k->npix * (double)k->kdim;
    return IR_OK;
}
