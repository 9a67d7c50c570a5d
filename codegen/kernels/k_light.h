/* k_light.h - descriptors of the light kernels (elementwise, reductions,
 * pooling, data movement). See kabi.h for the conventions. */
#ifndef ONNXC_K_LIGHT_H
#define ONNXC_K_LIGHT_H
#include <stdint.h>
#endif
