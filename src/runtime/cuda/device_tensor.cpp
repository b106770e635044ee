#include "runtime/cuda/device_tensor.h"

#include <cstring>

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/memory.h"
#include "runtime/cuda/tensor_kernels.h"

namespace vit::cuda {

void copy_bytes(void* destination, Device to, const void* source, Device from, std::size_t bytes) {
  if (bytes == 0) return;
  if (from.is_cpu() && to.is_cpu()) {
    std::memcpy(destination, source, bytes);
    return;
  }
  if (from.is_cpu()) {
    copy_to_device(destination, source, bytes);
  } else if (to.is_cpu()) {
    copy_to_host(destination, source, bytes);
  } else {
    CUDA_CHECK(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDeviceToDevice, compute_stream()));
  }
}

void zero_bytes(void* destination, std::size_t bytes) {
  if (bytes != 0) fill_device_bytes(destination, 0, bytes);
}

void fill_elements(void* destination, int element_bytes, std::uint32_t bits, std::int64_t n) {
  fill(destination, element_bytes, bits, n, compute_stream());
}

void store_words(void* destination, const std::uint32_t* words, int n) {
  store(static_cast<std::uint32_t*>(destination), words, n, compute_stream());
}

void add_in_place(float* sum, const float* add, std::int64_t n) { accumulate(sum, add, n, compute_stream()); }
void add_in_place(bfloat16* sum, const bfloat16* add, std::int64_t n) { accumulate(sum, add, n, compute_stream()); }
void convert(const float* from, bfloat16* to, std::int64_t n) { cast(from, to, n, compute_stream()); }
void convert(const bfloat16* from, float* to, std::int64_t n) { cast(from, to, n, compute_stream()); }

}  // namespace vit::cuda
