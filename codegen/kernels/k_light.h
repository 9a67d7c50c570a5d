/* k_light.h - descriptors of the light kernels (elementwise, reductions,
 * pooling, data movement). See kabi.h for the conventions.
 *
 * Element types are ONNX's dtype numbers (K_F32 ...). Most kernels walk a
 * dense output in row-major order, split into tasks of `chunk` elements;
 * operands are read through per-dimension element strides (0 on broadcast
 * dimensions), with dimensions that are contiguous for every operand merged
 * by the lowering, so the innermost loop usually has stride 0 or 1 and is
 * vectorized once the descriptor's constants are propagated. A buffer field
 * of -1 means "absent" (an omitted optional operand). Lowering lives in
 * codegen/lower_light*.c. */
#ifndef ONNXC_K_LIGHT_H
#define ONNXC_K_LIGHT_H
#include <stdint.h>

enum {
    K_F32 = 1,
    K_U8 = 2,
    K_I8 = 3,
    K_U16 = 4,
    K_I16 = 5,
    K_I32 = 6,
    K_I64 = 7,
    K_BOOL = 9,
    K_F16 = 10,
    K_F64 = 11,
    K_U32 = 12,
    K_U64 = 13,
    K_BF16 = 16
};

#define K_WALK_RANK 8
#define K_WALK_OPS 8

/* A row-major walk over `total` output elements with dims[0..rank), each
 * operand j at base[j] + sum idx[k] * st[j][k]; task t covers elements
 * [t * chunk, (t + 1) * chunk). */
struct k_walk {
    int32_t rank, nops;
    int64_t total, chunk;
    int64_t dims[K_WALK_RANK];
    int64_t base[K_WALK_OPS];
    int64_t st[K_WALK_OPS][K_WALK_RANK];
};

/* ---- elementwise (light_eltwise.c) -------------------------------------- */

enum { K_ADD, K_SUB, K_MUL, K_DIV, K_POW, K_MAX, K_MIN, K_EQ, K_LT, K_GT, K_AND, K_OR };

/* Add Sub Mul Div Pow Max Min (variadic: out = op(op(in0, in1), in2) ...),
 * Equal Less Greater And Or (bool output). dtype: the inputs' type (Pow:
 * of input 0, dtype_b of the exponent). inplace: out is in[0]'s buffer. */
struct k_binary {
    int32_t op, dtype, dtype_b, out, inplace;
    int32_t in[K_WALK_OPS];
    struct k_walk w;
};

enum {
    K_SQRT,
    K_SIN,
    K_COS,
    K_EXP,
    K_LOG,
    K_TANH,
    K_ERF,
    K_SIGMOID,
    K_RELU,
    K_NEG,
    K_ABS,
    K_NOT,
    K_CLIP
};

/* Same-shape unary functions on a flat range; Clip's bounds are the
 * scalar buffers lo/hi when given, else lo_f/hi_f. */
struct k_unary {
    int32_t op, dtype, x, out, lo, hi, inplace;
    double lo_f, hi_f;
    int64_t total, chunk;
};

/* Cast between any two dtypes, with the reference engine's conversions. */
struct k_cast {
    int32_t from, to, x, out;
    int64_t total, chunk;
};

/* out = cond ? x : y, by element size es; operands 0 cond, 1 x, 2 y. */
struct k_where {
    int32_t es, cond, x, y, out;
    struct k_walk w;
};

/* ---- data movement (light_move.c, light_concat.c) ------------------------ */

/* Copies `bytes` from src to dst (skipped when they are the same address)
 * in tasks of `chunk` bytes (the first n_copy tasks), then fills fill_count
 * elements of fill_es bytes with the bits fill_bits at fill (the next tasks,
 * fill_chunk elements each). Either part may be absent (src or fill -1).
 * Serves Identity, Reshape and its kin, Dropout, Constant, Shape,
 * ConstantOfShape, and graph outputs that are constants or inputs. */
struct k_copy {
    int32_t src, dst, fill, fill_es;
    int64_t bytes, chunk, n_copy;
    int64_t fill_count, fill_chunk, fill_bits;
};

/* A strided view copied out densely: Transpose, Expand, Tile, Slice with
 * constant parameters. One operand in w. */
struct k_view {
    int32_t es, x, out;
    struct k_walk w;
};

/* Transpose-like views whose two innermost walk dims are A = dims[rank-2]
 * (input stride st[0][rank-2], usually 1) and B = dims[rank-1] (a large
 * input stride), copied in K_TILE x K_TILE tiles so a tile's rows stay in
 * L1 and the TLB; tasks take tiles_per_task of the n_tiles tiles (outer
 * index, A tile, B tile). */
#define K_TILE 32
struct k_transpose {
    int32_t es, x, out;
    int64_t n_tiles, tiles_per_task;
    struct k_walk w;
};

/* Slice whose starts/ends/axes/steps are run-time tensors (buffers, -1 if
 * omitted; n entries each, int32 or int64 as their dt says). */
struct k_slice {
    int32_t es, x, out, rank;
    int32_t starts, ends, axes, steps;
    int32_t starts_dt, ends_dt, axes_dt, steps_dt;
    int64_t n;
    int64_t in[K_WALK_RANK], outd[K_WALK_RANK];
    int64_t total, chunk;
};

/* Concat (split = 0: parts are sources, big the output) and Split (split
 * = 1: big is the input, parts the outputs). big is outer rows of `row`
 * bytes; part i holds outer rows of part[i].chunk bytes at byte part[i].off
 * of each big row, and starts at byte part[i].start of the parts' data laid
 * end to end (total bytes), which tasks cut into task_bytes pieces. */
struct k_concat_part {
    int32_t buf, pad_;
    int64_t chunk, off, start;
};
struct k_concat {
    int32_t big, split, n, pad_;
    int64_t outer, row, total, task_bytes;
    struct k_concat_part part[];
};

/* Gather along one axis: outer x cnt rows of row_bytes each. */
struct k_gather {
    int32_t x, idx, out, idx_dt;
    int64_t outer, dim, cnt, row_bytes, rows_per_task;
};

enum { K_PAD_CONSTANT, K_PAD_REFLECT, K_PAD_EDGE, K_PAD_WRAP };

/* Pad: begin/end per axis, or read at run time from pads (npads int32/int64
 * values for the axes in `axes`, naxes entries, or all axes when axes is
 * -1); the constant from cval (a one-element buffer) or cbits. Tasks take
 * rows_per_task output rows (all dims but the last). */
struct k_pad {
    int32_t es, mode, x, out, rank;
    int32_t pads, pads_dt, axes, axes_dt, cval;
    int64_t npads, naxes;
    int64_t in[K_WALK_RANK], outd[K_WALK_RANK], begin[K_WALK_RANK], end[K_WALK_RANK];
    int64_t cbits, rows, rows_per_task;
};

/* Range: out[i] = start + i * delta, start and delta scalar buffers. */
struct k_range {
    int32_t dtype, start, delta, out;
    int64_t n;
};

/* ---- reductions and normalization (light_reduce.c) ----------------------- */

/* ReduceMean (op 0) / ReduceMax (op 1) over the axes marked in red, or
 * read at run time from `axes` (naxes int64 values; none: all axes unless
 * noop). Tasks take chunk output elements. */
struct k_reduce {
    int32_t op, dtype, x, out, axes, naxes, noop, rank;
    int32_t red[K_WALK_RANK];
    int64_t dims[K_WALK_RANK];
    int64_t n_out, chunk;
};

/* CumSum along axis (or the value of the scalar buffer axis_buf). */
struct k_cumsum {
    int32_t dtype, x, out, axis_buf, axis_dt, axis, exclusive, reverse, rank;
    int64_t dims[K_WALK_RANK];
};

/* ArgMax over [outer, len, inner]; TopK likewise, k first along the axis
 * (values and indices; either output may be -1), scratch 2 * len int64. */
struct k_argmax {
    int32_t dtype, x, out, last;
    int64_t outer, len, inner, chunk;
};
struct k_topk {
    int32_t dtype, x, values, indices, largest;
    int64_t outer, len, inner, k, chunk;
};

/* BatchNormalization on [nb, ch, sp]; training uses the batch statistics
 * and writes the running ones to rmean/rvar (if given). Tasks take chunk
 * channels. */
struct k_batchnorm {
    int32_t dtype, x, scale, bias, mean, var, out, rmean, rvar, training;
    int32_t scale_dt, bias_dt, mean_dt, var_dt;
    double eps, momentum;
    int64_t nb, ch, sp, chunk;
};

/* ---- pooling (light_pool.c) ---------------------------------------------- */

/* Window geometry in 3-D (1-D and 2-D pooling get leading dims of 1). */
struct k_win {
    int64_t in[3], k[3], s[3], dil[3], pb[3], pe[3], out[3];
};

/* MaxPool without Indices: native compare on rows; tasks take chunk
 * output rows (plane, depth, height). */
struct k_maxpool {
    int32_t dtype, x, out;
    int64_t planes, rows, chunk;
    struct k_win w;
};

/* MaxPool with Indices and AveragePool, in double as the reference does;
 * tasks take chunk planes. */
struct k_pool {
    int32_t max, dtype, x, out, indices, include_pad, colmajor;
    int64_t planes, chunk;
    struct k_win w;
};

struct k_globalpool {
    int32_t dtype, x, out;
    int64_t planes, sp, chunk;
};

/* ---- Resize (light_resize.c) --------------------------------------------- */

enum { K_RM_NEAREST, K_RM_LINEAR, K_RM_CUBIC };
enum {
    K_CT_HALF_PIXEL,
    K_CT_PYTORCH_HALF_PIXEL,
    K_CT_ALIGN_CORNERS,
    K_CT_ASYMMETRIC,
    K_CT_TF_HALF_PIXEL_FOR_NN,
    K_CT_TF_CROP_AND_RESIZE,
    K_CT_HALF_PIXEL_SYMMETRIC
};
enum { K_NM_ROUND_PREFER_FLOOR, K_NM_ROUND_PREFER_CEIL, K_NM_FLOOR, K_NM_CEIL, K_NM_SIMPLE };
enum { K_KA_STRETCH, K_KA_NOT_LARGER, K_KA_NOT_SMALLER };

/* Resize. scale/roi per axis as the lowering knew them; scales, sizes and
 * roi buffers (-1: use the descriptor's) are read at run time, for the
 * n_axes axes listed in axes. Each task first builds the per-axis tap
 * tables (at most taps[i] taps per output coordinate) in its scratch area,
 * then computes chunk output elements. */
struct k_resize {
    int32_t dtype, x, out, rank, mode, ct, nm, keep, exclude_outside, antialias;
    int32_t scales, scales_dt, sizes, roi, roi_dt, n_axes;
    int32_t axes[K_WALK_RANK];
    int32_t taps[K_WALK_RANK];
    double cubic_a, extrapolation;
    double scale[K_WALK_RANK], roi_lo[K_WALK_RANK], roi_hi[K_WALK_RANK];
    int64_t in[K_WALK_RANK], outd[K_WALK_RANK];
    int64_t total, chunk;
};

#endif
