/* fuzz_tensor.c - libFuzzer target for the tensor readers that `onnxc run`
 * and the tests feed with files: .npy headers and data. */
#include <stddef.h>
#include <stdint.h>

#include "frontend.h"
#include "kernels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ir_tensor *t = NULL;
    ir_diag d;
    if (npy_read_buffer(data, size, &t, &d) == IR_OK)
        ir_tensor_release(t);
    return 0;
}
