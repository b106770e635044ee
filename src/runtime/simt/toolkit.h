#pragma once
// The CUDA toolkit's headers as the host compiler sees them in the interpreter build (VIT_CUDA=SIM):
// the runtime API's declarations (runtime_api.cpp defines the calls vitcuda makes, on host
// memory; libcudart is not linked), dim3/uint3 and __nv_bfloat16 with its host implementation.
// The execution-space keywords are defined first so the toolkit's gcc attributes are not used.
#define __host__
#define __device__
#define __global__
// Kernels declare static shared memory with VIT_SHARED (runtime/cuda/launch.cuh), which the
// interpreter places in the running block's shared window; a plain __shared__ fails to compile.
#define __shared__ __shared___needs_VIT_SHARED_in_the_interpreter_build
#define __launch_bounds__(...)

#include <cuda_runtime_api.h>
#include <cuda_bf16.h>
#include <vector_types.h>
