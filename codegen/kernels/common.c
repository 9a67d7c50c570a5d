/* common.c - compile-time checks of the kernel ABI, built into the kernel
 * bitcode like every template (it also keeps the bitcode non-empty). The
 * descriptor structs are copied byte for byte from the compiler into the
 * artifact, so their layout must not depend on the compiler that reads it. */
#include "kabi.h"

_Static_assert(sizeof(int64_t) == 8 && sizeof(void *) == 8, "kernels assume a 64-bit target");
