#pragma once
// The CUDA runtime API for host code, in both builds: the real one (VIT_CUDA=ON) or the SIMT
// interpreter's (VIT_CUDA=SIM), and CUDA_CHECK, which throws vit::Error with the file and line of
// the failing call. Every runtime call in vitcuda goes through CUDA_CHECK.
#if VIT_CUDA_SIM
#include "runtime/simt/toolkit.h"
#else
#include <cuda_runtime.h>
#endif

#include "vitcuda/runtime/check.h"

#define CUDA_CHECK(call)                                                                            \
  do {                                                                                             \
    const cudaError_t vit_cuda_status_ = (call);                                                   \
    if (vit_cuda_status_ != cudaSuccess) {                                                         \
      VIT_FAIL("CUDA error '", cudaGetErrorString(vit_cuda_status_), "' from ", #call, ".");       \
    }                                                                                              \
  } while (0)
