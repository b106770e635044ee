#pragma once
// The one way kernels are launched, and the one way they reach shared memory, for both builds of
// the same .cu source: nvcc (VIT_CUDA=ON) and the SIMT interpreter (VIT_CUDA=SIM).
//   vit::cuda::launch(kernel, grid, block, smem_bytes, stream, args...);
//   float* tile = vit::cuda::dynamic_smem<float>();
//   VIT_SHARED(float, tile, [32][33]);   // __shared__ __align__(16) float tile[32][33];
// A failed launch throws vit::Error naming the caller's file and line.
#include <cstddef>
#include <string>
#include <utility>

#include "runtime/cuda/cuda_api.h"

#if VIT_CUDA_SIM
#include <memory>
#include <tuple>
#include <type_traits>

#include "runtime/simt/capture.h"
#include "runtime/simt/scheduler.h"
#include "runtime/simt/simt.h"
#else
#include <cuda_bf16.h>
#endif

namespace vit::cuda {

// A launch's stream plus the caller's source position (default arguments are evaluated at the
// call site, so callers just pass a cudaStream_t).
struct LaunchStream {
  LaunchStream(cudaStream_t stream, const char* file = __builtin_FILE(), int line = __builtin_LINE())
      : stream(stream), file(file), line(line) {}
  cudaStream_t stream;
  const char* file;
  int line;
};

constexpr std::size_t kDefaultSmemLimit = 48 * 1024;  // above this a kernel must opt in

template <typename... Params, typename... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t smem_bytes, LaunchStream stream,
            Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "launch: wrong number of kernel arguments");
#if VIT_CUDA_SIM
  // The arguments are kept with the launch: a stream being captured replays it later.
  auto params = std::make_shared<const std::tuple<std::decay_t<Params>...>>(std::forward<Args>(args)...);
  simt::enqueue(
      stream.stream,
      [kernel, grid, block, smem_bytes, params, file = stream.file, line = stream.line] {
        simt::launch(
            grid, block, smem_bytes, [&] { std::apply(kernel, *params); }, file, line);
      },
      "a kernel launch", stream.file, stream.line);
#else
  if (smem_bytes > kDefaultSmemLimit) {
    const cudaError_t status = cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel),
                                                    cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                    static_cast<int>(smem_bytes));
    if (status != cudaSuccess) {
      throw_error(stream.file, stream.line,
                  std::string("cannot give a kernel ") + std::to_string(smem_bytes) +
                      " bytes of shared memory: " + cudaGetErrorString(status));
    }
  }
  kernel<<<grid, block, smem_bytes, stream.stream>>>(std::forward<Args>(args)...);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw_error(stream.file, stream.line, std::string("kernel launch failed: ") + cudaGetErrorString(status));
  }
#endif
}

// The block's dynamic shared memory (smem_bytes of the launch), 16-byte aligned.
template <typename T>
__device__ __forceinline__ T* dynamic_smem() {
#if VIT_CUDA_SIM
  return reinterpret_cast<T*>(simt::detail::dynamic_smem);
#else
  extern __shared__ __align__(16) unsigned char vit_dynamic_smem[];
  return reinterpret_cast<T*>(vit_dynamic_smem);
#endif
}

}  // namespace vit::cuda

// A static shared-memory variable, 16-byte aligned. In the interpreter it is a slot of the running
// block's shared window (runtime/simt/shared_memory.h), so it is poisoned for each block and
// bounds-checked like dynamic shared memory; `__shared__` itself does not compile there.
#if VIT_CUDA_SIM
#define VIT_SHARED(type, name, dims)                                                                   \
  static constexpr ::vit::simt::detail::SharedDecl vit_shared_decl_##name{#name, __FILE__, __LINE__}; \
  type(&name) dims = *static_cast<type(*) dims>(::vit::simt::detail::static_shared(&vit_shared_decl_##name, sizeof(type dims)))
#else
#define VIT_SHARED(type, name, dims) __shared__ __align__(16) type name dims
#endif
