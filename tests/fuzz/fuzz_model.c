/* fuzz_model.c - libFuzzer target: bytes -> frontend -> verifier -> shape
 * inference -> the optimization pipeline (no code generation).
 *
 * Every input must end in a status and a message, never a crash, a hang or
 * an unbounded allocation; ASan and UBSan watch the rest. Inputs bind any
 * dynamic dims to small sizes so the optimizer gets static shapes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "frontend.h"
#include "kernels.h"
#include "passes.h"

static void bind_small(ir_graph *g)
{
    for (uint32_t k = 0; k < g->n_inputs; k++) {
        ir_shape *s = &g->values[g->inputs[k]].shape;
        for (int32_t i = 0; i < s->rank; i++)
            if (s->dims[i] < 0)
                s->dims[i] = 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ir_graph *g = NULL;
    ir_diag d;
    onnx_load_opts o = {.alloc_budget = 64u << 20};
    if (onnx_load_buffer(data, size, NULL, &o, &g, &d) != IR_OK)
        return 0;
    bind_small(g);
    pass_options po = pass_options_default();
    po.fold_limit = 1u << 20;
    pass_report r;
    pass_report_init(&r);
    if (ir_verify(g, &d) == IR_OK)
        (void)passes_optimize(g, &po, &r, &d);
    pass_report_free(&r);
    ir_graph_free(g);
    return 0;
}
