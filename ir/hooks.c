/* hooks.c - the per-op dispatch tables, generated from ops.def.
 *
 * Each row names its shape and reference hooks; a row whose hook is not
 * implemented leaves an undefined symbol and the link fails. */
#include "kernels.h"

const ir_shape_fn ir_shape_table[IR_OP_COUNT] = {
#define X(e, name, dom, mi, ma, mo, mao, since, fl, shp, ref) [IR_OP_##e] = ir_shape_##shp,
#include "ops.def"
#undef X
};

const ir_ref_fn ir_ref_table[IR_OP_COUNT] = {
#define X(e, name, dom, mi, ma, mo, mao, since, fl, shp, ref) [IR_OP_##e] = ir_ref_##ref,
#include "ops.def"
#undef X
};
