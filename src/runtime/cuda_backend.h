#pragma once
// VIT_CUDA_FN(signature) declares a function of the CUDA backend for code that is compiled in every
// build (tensor.cpp, the ops, the optimizers). The definitions live in src/runtime/cuda/ and
// src/ops/cuda/, compiled only with VIT_CUDA=ON or SIM. A build without the backend holds no cuda
// tensor (Storage refuses them), so such a call is never reached there: the macro defines it inline
// to fail with one sentence instead of #ifdefs around every call site. Headers that use it turn
// off -Wunused-parameter around their declarations (those stubs ignore their arguments).
#include "vitcuda/runtime/check.h"

#if VIT_CUDA_SIM || VIT_CUDA_ON
#define VIT_HAS_CUDA 1
#define VIT_CUDA_FN(signature) signature;
#else
#define VIT_HAS_CUDA 0
#define VIT_CUDA_FN(signature) \
  [[noreturn]] inline signature { VIT_FAIL("this build has no cuda backend: configure with -DVIT_CUDA=ON or SIM."); }
#endif
