/* infer_shapes.c - the pipeline's first pass: dtype and shape of every value
 * from the bound input shapes, reconciled with what the model declares. */
#include "kernels.h"
#include "passes.h"

ir_status pass_infer_shapes(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    return ir_infer_shapes(g, d);
}
