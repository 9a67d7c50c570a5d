/* rt_test_model.c - a compiled model written by hand, for the runtime tests
 * (test_runtime.c links it in-process; test_runtime_main links it with
 * runtime/onnxc_main.c into a standalone executable).
 *
 * It has every kind of buffer and of node the runtime must handle:
 *   inputs  x float32[4,33], k int64[2]; constant w float32[4,33];
 *   add     t1 = x + w                     arena, 4 tasks (rows)
 *   scale   t2 = t1 * (k[0] * 0.5)         arena, 7 tasks, through scratch
 *   copy    y = t2                         output, 1 task (runs inline)
 *   rowsum  sums[r] = round(1000 * sum t2[r,:]) + k[1]   output, 4 tasks
 *   never   0 tasks (must not be called)
 * The arithmetic is deliberately order-fixed so results are bit-identical
 * for any thread count. rt_test1_model, at the end, has a single input;
 * rt_test2_model has two entries (x float32[4,33] as above, and x
 * float32[2,33] with a larger arena and scratch), sharing w. */
#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "onnxc_model.h"

#define ROWS 4
#define COLS 33
#define N (ROWS * COLS)
#define CHUNK 19 /* scale: 7 tasks of 19 elements, the last one partial */

enum { B_X, B_K, B_W, B_T1, B_T2, B_Y, B_SUMS, N_BUFS };

static alignas(64) const float w_data[N] = {
#define W8(i) (i) * 0.25f - 3, (i)*0.5f + 1, -(i)*0.125f, (i) + 0.75f, 2 - (i), (i)*0.01f, 7, -(i)
    W8(0),  W8(1),  W8(2),  W8(3),  W8(4),  W8(5),  W8(6), W8(7), W8(8), W8(9),
    W8(10), W8(11), W8(12), W8(13), W8(14), W8(15), 1.5f,  -2.5f, 3.25f, 0.0f,
#undef W8
};

static void node_add(void *const *bufs, int64_t task, void *scratch)
{
    const float *x = bufs[B_X], *w = bufs[B_W];
    float *t1 = bufs[B_T1];
    for (int64_t j = task * COLS; j < (task + 1) * COLS; j++)
        t1[j] = x[j] + w[j];
}

static void node_scale(void *const *bufs, int64_t task, void *scratch)
{
    const float *t1 = bufs[B_T1];
    const int64_t *k = bufs[B_K];
    float *t2 = bufs[B_T2], *s = scratch;
    float f = (float)k[0] * 0.5f;
    int64_t lo = task * CHUNK, hi = lo + CHUNK < N ? lo + CHUNK : N;
    memcpy(s, t1 + lo, (size_t)(hi - lo) * sizeof *s);
    for (int64_t j = 0; j < hi - lo; j++)
        s[j] *= f;
    memcpy(t2 + lo, s, (size_t)(hi - lo) * sizeof *s);
}

static void node_copy(void *const *bufs, int64_t task, void *scratch)
{
    memcpy(bufs[B_Y], bufs[B_T2], N * sizeof(float));
}

static void node_rowsum(void *const *bufs, int64_t task, void *scratch)
{
    const float *t2 = bufs[B_T2];
    const int64_t *k = bufs[B_K];
    int64_t *sums = bufs[B_SUMS];
    double s = 0;
    for (int64_t j = 0; j < COLS; j++)
        s += t2[task * COLS + j];
    sums[task] = (int64_t)llround(s * 1000) + k[1];
}

static void node_never(void *const *bufs, int64_t task, void *scratch)
{
    abort();
}

static const onnxc_tensor_desc inputs[] = {
    {"x", 1, 2, {ROWS, COLS}},
    {"k", 7, 1, {2}},
};
static const onnxc_tensor_desc outputs[] = {
    {"y", 1, 2, {ROWS, COLS}},
    {"sums", 7, 1, {ROWS}},
};
static const onnxc_buf_desc bufs[N_BUFS] = {
    [B_X] = {ONNXC_BUF_INPUT, 0, 0, NULL},     [B_K] = {ONNXC_BUF_INPUT, 1, 0, NULL},
    [B_W] = {ONNXC_BUF_CONST, 0, 0, w_data},   [B_T1] = {ONNXC_BUF_ARENA, 0, 0, NULL},
    [B_T2] = {ONNXC_BUF_ARENA, 0, 576, NULL},  [B_Y] = {ONNXC_BUF_OUTPUT, 0, 0, NULL},
    [B_SUMS] = {ONNXC_BUF_OUTPUT, 1, 0, NULL},
};
static const onnxc_node_desc nodes[] = {
    {node_add, ROWS, "add", "Add", N},
    {node_scale, (N + CHUNK - 1) / CHUNK, "scale", "Mul", N},
    {node_copy, 1, "copy", "Identity", 0},
    {node_rowsum, ROWS, "rowsum", "ReduceSum", N},
    {node_never, 0, "never", "Identity", 0},
};

#define ENTRY                                                                                      \
    {                                                                                              \
        .arena_bytes = 576 + N * sizeof(float), .scratch_bytes = CHUNK * sizeof(float),            \
        .inputs = inputs, .outputs = outputs, .n_bufs = N_BUFS, .bufs = bufs,                      \
        .n_nodes = sizeof nodes / sizeof nodes[0], .nodes = nodes,                                 \
    }
static const onnxc_entry entry = ENTRY;

const onnxc_model rt_test_model = {
    .abi = ONNXC_MODEL_ABI,
    .name = "rt_test",
    .n_inputs = 2,
    .n_outputs = 2,
    .n_entries = 1,
    .entries = &entry,
};

/* A one-input variant, for the executable's FILE-alone form and output
 * file names: x float32[4,33] -> "out/y:0" = x + w. */
static const onnxc_tensor_desc outputs1[] = {{"out/y:0", 1, 2, {ROWS, COLS}}};
static const onnxc_buf_desc bufs1[] = {
    [B_X] = {ONNXC_BUF_INPUT, 0, 0, NULL},
    [B_K] = {ONNXC_BUF_ARENA, 0, 0, NULL},
    [B_W] = {ONNXC_BUF_CONST, 0, 0, w_data},
    [B_T1] = {ONNXC_BUF_OUTPUT, 0, 0, NULL},
};
static const onnxc_node_desc nodes1[] = {{node_add, ROWS, "add", "Add", N}};

static const onnxc_entry entry1 = {
    .inputs = inputs,
    .outputs = outputs1,
    .n_bufs = sizeof bufs1 / sizeof bufs1[0],
    .bufs = bufs1,
    .n_nodes = 1,
    .nodes = nodes1,
};

const onnxc_model rt_test1_model = {
    .abi = ONNXC_MODEL_ABI,
    .name = "rt_test1",
    .n_inputs = 1,
    .n_outputs = 1,
    .n_entries = 1,
    .entries = &entry1,
};

/* Entry 1 of rt_test2: the same computation on 2 rows; t1 and t2 far apart
 * in a larger arena, the scale step done at once through a larger scratch
 * area. */
#define ROWS2 2
#define N2 (ROWS2 * COLS)

static void node_scale2(void *const *b, int64_t task, void *scratch)
{
    const float *t1 = b[B_T1];
    const int64_t *k = b[B_K];
    float *t2 = b[B_T2], *s = scratch;
    memcpy(s, t1, N2 * sizeof *s);
    for (int64_t j = 0; j < N2; j++)
        s[j] *= (float)k[0] * 0.5f;
    memcpy(t2, s, N2 * sizeof *s);
}

static void node_copy2(void *const *b, int64_t task, void *scratch)
{
    memcpy(b[B_Y], b[B_T2], N2 * sizeof(float));
}

static const onnxc_tensor_desc inputs2[] = {
    {"x", 1, 2, {ROWS2, COLS}},
    {"k", 7, 1, {2}},
};
static const onnxc_tensor_desc outputs2[] = {
    {"y", 1, 2, {ROWS2, COLS}},
    {"sums", 7, 1, {ROWS2}},
};
static const onnxc_buf_desc bufs2[N_BUFS] = {
    [B_X] = {ONNXC_BUF_INPUT, 0, 0, NULL},     [B_K] = {ONNXC_BUF_INPUT, 1, 0, NULL},
    [B_W] = {ONNXC_BUF_CONST, 0, 0, w_data},   [B_T1] = {ONNXC_BUF_ARENA, 0, 0, NULL},
    [B_T2] = {ONNXC_BUF_ARENA, 0, 4096, NULL}, [B_Y] = {ONNXC_BUF_OUTPUT, 0, 0, NULL},
    [B_SUMS] = {ONNXC_BUF_OUTPUT, 1, 0, NULL},
};
static const onnxc_node_desc nodes2[] = {
    {node_add, ROWS2, "add", "Add", N2},
    {node_scale2, 1, "scale", "Mul", N2},
    {node_copy2, 1, "copy", "Identity", 0},
    {node_rowsum, ROWS2, "rowsum", "ReduceSum", N2},
};

static const onnxc_entry entries2[] = {
    ENTRY,
    {
        .arena_bytes = 4096 + N2 * sizeof(float),
        .scratch_bytes = N2 * sizeof(float),
        .inputs = inputs2,
        .outputs = outputs2,
        .n_bufs = N_BUFS,
        .bufs = bufs2,
        .n_nodes = sizeof nodes2 / sizeof nodes2[0],
        .nodes = nodes2,
    },
};

const onnxc_model rt_test2_model = {
    .abi = ONNXC_MODEL_ABI,
    .name = "rt_test2",
    .n_inputs = 2,
    .n_outputs = 2,
    .n_entries = 2,
    .entries = entries2,
};
