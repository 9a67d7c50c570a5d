/* fuzz_tensor_pb.c - libFuzzer target for the lone TensorProto files of ONNX
 * test data (`onnx_read_tensor_pb`), which `onnx run --input NAME=FILE.pb`
 * and the conformance runner read: wire-format scan, raw-data split, unpack,
 * dims/dtype/size checks and the copy into a tensor. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "frontend.h"
#include "kernels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ir_tensor *t = NULL;
    char *name = NULL;
    ir_diag d;
    if (onnx_read_tensor_pb_buffer(data, size, "fuzz.pb", &t, &name, &d) == IR_OK) {
        ir_tensor_release(t);
        free(name);
    }
    return 0;
}
