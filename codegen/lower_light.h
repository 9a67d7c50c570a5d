/* lower_light.h - what the light lowering files (lower_light*.c) share, and
 * the copy lowering the emitter uses for graph outputs that are constants
 * or graph inputs:
 *
 *     cg_lowered l;
 *     if (cg_light_copy(p, src_buf, dst_buf, bytes, &l, &d)) ...
 *     // l.kernel is "copy"; l.desc lives in program memory
 *
 * The lw_* helpers validate operands (static shapes, supported dtypes),
 * merge dimensions for the strided walks of struct k_walk, choose task
 * counts, and place descriptors in program memory. */
#ifndef ONNXC_LOWER_LIGHT_H
#define ONNXC_LOWER_LIGHT_H

#include "cg_internal.h"
#include "kabi.h"
#include "kernels.h"

/* Lowers a copy of `bytes` bytes from buffer src to buffer dst. */
ir_status cg_light_copy(cg_program *p, int32_t src, int32_t dst, uint64_t bytes, cg_lowered *out,
                        ir_diag *d);

/* ---- helpers for lower_light*.c ------------------------------------------ */

#define LW_MAX_DIMS 16

/* A strided view before merging: up to LW_MAX_DIMS output dims, each
 * operand's element strides and base offset. */
typedef struct {
    int32_t rank, nops;
    int64_t dims[LW_MAX_DIMS];
    int64_t st[K_WALK_OPS][LW_MAX_DIMS];
    int64_t base[K_WALK_OPS];
} lw_view;

/* IR_ERR_UNSUPPORTED naming the node: "node 'x' (Op): <message>". */
#define lw_fail(d, n, ...) ir_fail_node(d, IR_ERR_UNSUPPORTED, n, __VA_ARGS__)
const ir_value *lw_val(cg_program *p, int32_t v);
/* Input i is given (not omitted). */
bool lw_has(const ir_node *n, uint32_t i);
/* Constant data of input i, or NULL (omitted or computed at run time). */
const ir_tensor *lw_const(cg_program *p, const ir_node *n, uint32_t i);
/* Every given input and output has a static shape and a dtype kernels
 * handle (not string). */
ir_status lw_check(cg_program *p, const ir_node *n, ir_diag *d);
/* Buffer of input i / output i (-1 when omitted). */
int32_t lw_in(cg_program *p, const ir_node *n, uint32_t i);
int32_t lw_out(cg_program *p, const ir_node *n, uint32_t i);
/* Do buffers a and b live at the same address (the plan ran an op in place)? */
bool lw_same(cg_program *p, int32_t a, int32_t b);
/* Splits `items` work items of about `bytes_per_item` memory traffic each
 * into tasks: *chunk items per task (a multiple of `align`), returns the
 * task count (1 for small nodes). */
int64_t lw_split(cg_program *p, int64_t items, double bytes_per_item, int64_t align,
                 int64_t *chunk);
/* Merges v's dimensions into w (drops size-1 dims, joins dims contiguous
 * for every operand); false if more than K_WALK_RANK remain. */
bool lw_walk(struct k_walk *w, const lw_view *v);
/* Dense row-major element strides. */
void lw_strides(const ir_shape *s, int64_t *st);
/* Copies desc into program memory and fills out. */
ir_status lw_emit(cg_program *p, cg_lowered *out, const char *kernel, const void *desc, size_t size,
                  int64_t n_tasks, ir_diag *d);

#endif
