/* k_dense.h - descriptors of the dense kernels (convolution, GEMM,
 * attention, normalization). See kabi.h for the conventions. */
#ifndef ONNXC_K_DENSE_H
#define ONNXC_K_DENSE_H
#include <stdint.h>
#endif
