#include "runtime/cuda/device_tensor.h"

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/tensor_kernels.h"

namespace vit::cuda {

void copy_bytes(void* destination, Device to, const void* source, Device from, std::size_t bytes) {
  if (bytes == 0) return;
  const cudaMemcpyKind kind = from.is_cpu() ? (to.is_cpu() ? cudaMemcpyHostToHost : cudaMemcpyHostToDevice)
                                            : (to.is_cpu() ? cudaMemcpyDeviceToHost : cudaMemcpyDeviceToDevice);
  CUDA_CHECK(cudaMemcpy(destination, source, bytes, kind));
}

void zero_bytes(void* destination, std::size_t bytes) {
  if (bytes != 0) CUDA_CHECK(cudaMemset(destination, 0, bytes));
}

void fill_elements(void* destination, int element_bytes, std::uint32_t bits, std::int64_t n) {
  fill(destination, element_bytes, bits, n, compute_stream());
}

void add_in_place(float* sum, const float* add, std::int64_t n) { accumulate(sum, add, n, compute_stream()); }
void add_in_place(bfloat16* sum, const bfloat16* add, std::int64_t n) { accumulate(sum, add, n, compute_stream()); }
void convert(const float* from, bfloat16* to, std::int64_t n) { cast(from, to, n, compute_stream()); }
void convert(const bfloat16* from, float* to, std::int64_t n) { cast(from, to, n, compute_stream()); }

}  // namespace vit::cuda
