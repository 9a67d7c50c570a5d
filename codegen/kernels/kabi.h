/* kabi.h - the kernel ABI: shared by the kernel templates (compiled to LLVM
 * bitcode at build time and linked into every compiled model) and by the
 * lowering code inside onnxc that fills their descriptors.
 *
 * Every kernel has the signature
 *     void onnxc_k_NAME(const struct k_NAME *d, void *const *bufs,
 *                       int64_t task, void *scratch);
 * d is a descriptor in constant memory; bufs[d->x] is the address of operand
 * x (buffer indices are descriptor fields); task is in [0, n_tasks) chosen by
 * the lowering; scratch is this thread's scratch area (as many bytes as the
 * lowering asked for, 64-byte aligned). For each node onnxc emits a wrapper
 * calling the kernel with its own descriptor; kernels are always_inline, so
 * LLVM constant-propagates the descriptor: loop bounds, strides and tile
 * sizes become constants and each node gets code specialized to its shapes.
 * Kernel templates must therefore read shapes only from the descriptor, keep
 * loops simple enough to vectorize, and use only plain C (no libc calls
 * except those in <math.h>); vector code uses GCC vector extensions so the
 * target's width (AVX-512, AVX2, SSE) is chosen when the model is compiled.
 *
 * Descriptors are plain structs of int64_t / int32_t / float fields (no
 * pointers): their bytes are copied into the artifact. Families declare their
 * structs in their own headers, included here. */
#ifndef ONNXC_KABI_H
#define ONNXC_KABI_H

#include <stdint.h>

#define K_MAX_RANK 8

/* Declares/defines kernel NAME. The emitter marks every onnxc_k_* function
 * always-inline and internal after linking the bitcode, so the C stays plain
 * and the same files also build natively for the kernel tests. */
#define KERNEL(name) void onnxc_k_##name(const struct k_##name *d, void *const *bufs, int64_t task, void *scratch)

#include "k_dense.h"
#include "k_light.h"

#endif
