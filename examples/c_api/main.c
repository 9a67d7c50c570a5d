/* main.c - a program that runs a model compiled by onnxc, built against the
 * installed onnxc runtime with CMake (CMakeLists.txt) or make (Makefile):
 *
 *     onnxc compile model.onnx -o net.o --emit obj    # writes net.o and net.h
 *
 * It fills every input with the pattern ((i % 7) - 3) / 4, runs the model
 * once and prints each output's first values and their sum, so the result
 * can be checked against `onnxc run --engine ref` on the same input. The
 * model's tensors are described by net_model (onnxc_model.h): names, ONNX
 * dtypes and shapes; this program handles float32 inputs and outputs. */
#include <stdio.h>
#include <stdlib.h>

#include "net.h"

#define SHOWN 16 /* values printed per output */

static void print_tensor(const char *what, const onnxc_tensor_desc *t)
{
    printf("%s %s %s[", what, t->name, onnxc_dtype_name(t->dtype));
    for (int32_t k = 0; k < t->rank; k++)
        printf(k ? ",%lld" : "%lld", (long long)t->dims[k]);
    printf("]");
}

/* Room for tensor t, 64-byte aligned (the runtime's fastest case). */
static float *alloc_tensor(const onnxc_tensor_desc *t)
{
    if (t->dtype != 1) { /* ONNX TensorProto.FLOAT */
        fprintf(stderr, "%s: %s tensors are not handled by this example\n", t->name, onnxc_dtype_name(t->dtype));
        return NULL;
    }
    return aligned_alloc(64, (onnxc_tensor_bytes(t) + 63) / 64 * 64);
}

int main(void)
{
    const onnxc_model *m = &net_model;
    const onnxc_entry *e = &m->entries[0]; /* compiled for one shape: entry 0 */
    float *in[net_NUM_INPUTS] = {0}, *out[net_NUM_OUTPUTS] = {0};
    int rc = 1;
    for (uint32_t i = 0; i < m->n_inputs; i++) {
        if (!(in[i] = alloc_tensor(&e->inputs[i])))
            goto done;
        uint64_t n = onnxc_tensor_bytes(&e->inputs[i]) / sizeof(float);
        for (uint64_t k = 0; k < n; k++)
            in[i][k] = (float)((int)(k % 7) - 3) / 4;
        print_tensor("input ", &e->inputs[i]);
        printf(": ((i %% 7) - 3) / 4\n");
    }
    for (uint32_t i = 0; i < m->n_outputs; i++)
        if (!(out[i] = alloc_tensor(&e->outputs[i])))
            goto done;

    onnxc_status err;
    onnxc_ctx *c = net_create(0, &err); /* 0 threads: $ONNXC_NUM_THREADS or all CPUs */
    if (!c) {
        fprintf(stderr, "net_create: %s\n", onnxc_status_name(err));
        goto done;
    }
    if (net_run(c, (const void *const *)in, (void *const *)out) != ONNXC_OK) {
        fprintf(stderr, "net_run: %s\n", onnxc_error(c));
    } else {
        for (uint32_t i = 0; i < m->n_outputs; i++) {
            uint64_t n = onnxc_tensor_bytes(&e->outputs[i]) / sizeof(float);
            double sum = 0;
            print_tensor("output", &e->outputs[i]);
            printf(":");
            for (uint64_t k = 0; k < n; k++) {
                sum += out[i][k];
                if (k < SHOWN)
                    printf(" %.7g", out[i][k]);
            }
            printf("%s\n  sum %.9g over %llu values\n", n > SHOWN ? " ..." : "", sum, (unsigned long long)n);
        }
        rc = 0;
    }
    net_destroy(c);
done:
    for (uint32_t i = 0; i < m->n_inputs; i++)
        free(in[i]);
    for (uint32_t i = 0; i < m->n_outputs; i++)
        free(out[i]);
    return rc;
}
