#pragma once
// The CUDA toolkit's headers as the host compiler sees them in the interpreter build (VIT_CUDA=SIM):
// the runtime API's declarations (runtime_api.cpp defines the calls vitcuda makes, on host
// memory; libcudart is not linked), dim3/uint3 and __nv_bfloat16 with its host implementation.
// The execution-space keywords are defined first so the toolkit's gcc attributes are not used.
#define __host__
#define __device__
#define __global__
#define __shared__ static thread_local  // one copy per host thread, i.e. per running block
#define __launch_bounds__(...)

#include <cuda_runtime_api.h>
#include <cuda_bf16.h>
#include <vector_types.h>
