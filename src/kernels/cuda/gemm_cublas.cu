// The cuBLAS matrix product (VIT_CUDA=ON only): cublasGemmEx with float32 accumulation
// (CUBLAS_COMPUTE_32F) on one handle per host thread, bound to the caller's stream. Row-major C =
// op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so the operands swap places.
#if VIT_CUDA_ON
#include <cublas_v2.h>

#include <type_traits>

#include "kernels/cuda/gemm.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

namespace {

#define CUBLAS_CHECK(call)                                                                   \
  do {                                                                                       \
    const cublasStatus_t vit_cublas_status_ = (call);                                        \
    if (vit_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                       \
      VIT_FAIL("cuBLAS error '", cublasGetStatusString(vit_cublas_status_), "' from ", #call, "."); \
    }                                                                                        \
  } while (0)

class Handle {
 public:
  Handle() { CUBLAS_CHECK(cublasCreate(&handle_)); }
  ~Handle() { cublasDestroy(handle_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

cublasHandle_t handle_for(cudaStream_t stream) {
  thread_local Handle handle;
  CUBLAS_CHECK(cublasSetStream(handle.get(), stream));
  return handle.get();
}

template <typename T>
constexpr cudaDataType_t data_type() {
  return std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_16BF;
}

int as_int(std::int64_t value) {
  VIT_CHECK(value <= 0x7fffffff, "gemm: dimension ", value, " exceeds cuBLAS's 32-bit sizes.");
  return static_cast<int>(value);
}

}  // namespace

template <typename TIn, typename TOut>
void gemm_cublas(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const TIn* a, std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c,
                 std::int64_t ldc, cudaStream_t stream) {
  CUBLAS_CHECK(cublasGemmEx(handle_for(stream), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                            as_int(n), as_int(m), as_int(k), &alpha, b, data_type<TIn>(), as_int(ldb), a,
                            data_type<TIn>(), as_int(lda), &beta, c, data_type<TOut>(), as_int(ldc),
                            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

#define VIT_INSTANTIATE(TIn, TOut)                                                                               \
  template void gemm_cublas<TIn, TOut>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const TIn*, \
                                       std::int64_t, const TIn*, std::int64_t, float, TOut*, std::int64_t,       \
                                       cudaStream_t);
VIT_INSTANTIATE(float, float)
VIT_INSTANTIATE(bfloat16, bfloat16)
VIT_INSTANTIATE(bfloat16, float)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
#endif  // VIT_CUDA_ON
