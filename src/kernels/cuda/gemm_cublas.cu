// The cuBLASLt matrix product (VIT_CUDA=ON only), float32 accumulation (CUBLAS_COMPUTE_32F), with
// the BIAS and BGRADB epilogues of gemm.h. Row-major C = op(A) op(B) is column-major
// C^T = op(B)^T op(A)^T, so the operands swap places: cuBLASLt's A is our B, its B our A, its
// M and N our n and m. So the bias (one value per row of its D) is one per column of our C, and
// BGRADB (sums over k of its B) gives the row sums of our op(A).
// Each host thread has one handle, one 32 MiB workspace and a cache of plans: the descriptors and
// the heuristic's algorithm per shape, transposes, types, epilogue and pointer alignments (the
// heuristic may pick algorithms that need the alignment it is told), made on first use.
#if VIT_CUDA_ON
#include <cublasLt.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <tuple>
#include <type_traits>

#include "kernels/cuda/gemm.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

namespace {

#define CUBLAS_CHECK(call)                                                                            \
  do {                                                                                                \
    const cublasStatus_t vit_cublas_status_ = (call);                                                 \
    if (vit_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                                \
      VIT_FAIL("cuBLASLt error '", cublasGetStatusString(vit_cublas_status_), "' from ", #call, "."); \
    }                                                                                                 \
  } while (0)

constexpr std::size_t kWorkspaceBytes = 32u << 20;  // what NVIDIA recommends for Hopper

template <typename T>
constexpr cudaDataType_t data_type() {
  return std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_16BF;
}

int as_int(std::int64_t value) {
  VIT_CHECK(value <= 0x7fffffff, "gemm: dimension ", value, " exceeds cuBLAS's 32-bit sizes.");
  return static_cast<int>(value);
}

std::uint32_t alignment(const void* pointer) {  // the largest power of two up to 256 dividing it
  const auto address = reinterpret_cast<std::uintptr_t>(pointer);
  std::uint32_t bytes = 256;
  while (bytes > 1 && address % bytes != 0) bytes /= 2;
  return bytes;
}

struct PlanKey {
  bool trans_a, trans_b;
  std::int64_t m, n, k, lda, ldb, ldc;
  cudaDataType_t in, out;
  cublasLtEpilogue_t epilogue;
  std::uint32_t align_a, align_b, align_c, align_bias;
  auto tie() const {
    return std::tie(trans_a, trans_b, m, n, k, lda, ldb, ldc, in, out, epilogue, align_a, align_b, align_c, align_bias);
  }
  bool operator<(const PlanKey& other) const { return tie() < other.tie(); }
};

// One product's descriptors and algorithm; `supported` is false where the heuristic found none.
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t layout_a = nullptr, layout_b = nullptr, layout_c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool supported = false;

  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    if (layout_c) cublasLtMatrixLayoutDestroy(layout_c);
    if (layout_b) cublasLtMatrixLayoutDestroy(layout_b);
    if (layout_a) cublasLtMatrixLayoutDestroy(layout_a);
    if (desc) cublasLtMatmulDescDestroy(desc);
  }
};

class Context {
 public:
  Context() {
    CUBLAS_CHECK(cublasLtCreate(&handle_));
    CUDA_CHECK(cudaMalloc(&workspace_, kWorkspaceBytes));
  }
  ~Context() {
    plans_.clear();
    cudaFree(workspace_);
    cublasLtDestroy(handle_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  cublasLtHandle_t handle() const { return handle_; }
  void* workspace() const { return workspace_; }
  // The plan for `key`, made on first use; `bias` is the call's bias or bias-gradient pointer,
  // whose alignment the heuristic reads from the descriptor.
  const Plan& plan(const PlanKey& key, const void* bias);

 private:
  cublasLtHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  std::map<PlanKey, std::unique_ptr<Plan>> plans_;
};

template <typename T>
void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof(value)));
}

const Plan& Context::plan(const PlanKey& key, const void* bias) {
  if (const auto found = plans_.find(key); found != plans_.end()) return *found->second;
  // Built aside and cached only when complete: a cuBLASLt error part-way leaves nothing behind
  // that a later call would take for an unsupported epilogue.
  auto made = std::make_unique<Plan>();
  Plan& plan = *made;
  // cuBLASLt's view (column-major): D [n, m] = op(B_ours)^T op(A_ours)^T.
  const cublasOperation_t op_a = key.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = key.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  set(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, op_a);
  set(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, op_b);
  set(plan.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, key.epilogue);
  if (key.epilogue != CUBLASLT_EPILOGUE_DEFAULT) {
    set(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, static_cast<std::int32_t>(CUDA_R_32F));
    set(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  }
  // Stored shapes (rows, cols) in column-major terms: our row-major [r, c] with leading dim ld is [c, r].
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.layout_a, key.in, key.trans_b ? as_int(key.k) : as_int(key.n),
                                          key.trans_b ? as_int(key.n) : as_int(key.k), key.ldb));
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.layout_b, key.in, key.trans_a ? as_int(key.m) : as_int(key.k),
                                          key.trans_a ? as_int(key.k) : as_int(key.m), key.lda));
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.layout_c, key.out, as_int(key.n), as_int(key.m), key.ldc));

  cublasLtMatmulPreference_t preference = nullptr;
  CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference));
  const std::uint64_t workspace_bytes = kWorkspaceBytes;
  const auto prefer = [&](cublasLtMatmulPreferenceAttributes_t attribute, const auto& value) {
    CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(preference, attribute, &value, sizeof(value)));
  };
  prefer(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, workspace_bytes);
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, key.align_b);  // its A is our B
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, key.align_a);
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, key.align_c);
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, key.align_c);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      handle_, plan.desc, plan.layout_a, plan.layout_b, plan.layout_c, plan.layout_c, preference, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(preference);
  if (status == CUBLAS_STATUS_SUCCESS && found > 0) {
    plan.algo = result.algo;
    plan.supported = true;
  } else {
    VIT_CHECK(key.epilogue != CUBLASLT_EPILOGUE_DEFAULT, "gemm: cuBLASLt has no algorithm for a ", key.m, " x ", key.n,
              " x ", key.k, " product ('", cublasGetStatusString(status), "').");
    // The caller falls back to our kernels; say so once per epilogue, for whoever reads the logs of
    // a GPU run (it costs a pass over the output).
    static std::atomic<bool> told[2];
    if (!told[key.epilogue == CUBLASLT_EPILOGUE_BIAS ? 0 : 1].exchange(true)) {
      std::fprintf(stderr,
                   "vitcuda: cuBLASLt has no %s epilogue for a %lld x %lld x %lld product ('%s'); "
                   "a separate kernel does its work\n",
                   key.epilogue == CUBLASLT_EPILOGUE_BIAS ? "bias" : "bias-gradient", static_cast<long long>(key.m),
                   static_cast<long long>(key.n), static_cast<long long>(key.k), cublasGetStatusString(status));
    }
  }
  return *(plans_[key] = std::move(made));
}

Context& context() {
  thread_local Context instance;
  return instance;
}

}  // namespace

template <typename TIn, typename TOut>
bool gemm_cublas(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
                 std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
                 const GemmEpilogue& epilogue, cudaStream_t stream) {
  VIT_CHECK(epilogue.bias == nullptr || epilogue.bias_grad == nullptr, "gemm: one epilogue at a time.");
  VIT_CHECK(epilogue.bias_grad == nullptr || (trans_a && alpha == 1.0f),
            "gemm: the bias gradient epilogue needs A stored transposed and alpha = 1.");
  const void* bias = epilogue.bias != nullptr ? static_cast<const void*>(epilogue.bias) : epilogue.bias_grad;
  const cublasLtEpilogue_t kind = epilogue.bias != nullptr        ? CUBLASLT_EPILOGUE_BIAS
                                  : epilogue.bias_grad != nullptr ? CUBLASLT_EPILOGUE_BGRADB
                                                                  : CUBLASLT_EPILOGUE_DEFAULT;
  Context& ctx = context();
  const PlanKey key{trans_a,
                    trans_b,
                    m,
                    n,
                    k,
                    lda,
                    ldb,
                    ldc,
                    data_type<TIn>(),
                    data_type<TOut>(),
                    kind,
                    alignment(a),
                    alignment(b),
                    alignment(c),
                    bias ? alignment(bias) : 256u};
  const Plan& plan = ctx.plan(key, bias);
  if (!plan.supported) return false;
  if (bias != nullptr) set(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  CUBLAS_CHECK(cublasLtMatmul(ctx.handle(), plan.desc, &alpha, b, plan.layout_a, a, plan.layout_b, &beta, c,
                              plan.layout_c, c, plan.layout_c, &plan.algo, ctx.workspace(), kWorkspaceBytes, stream));
  return true;
}

#define VIT_INSTANTIATE(TIn, TOut)                                                                              \
  template bool gemm_cublas<TIn, TOut>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const TIn*, \
                                       std::int64_t, const TIn*, std::int64_t, float, TOut*, std::int64_t,      \
                                       const GemmEpilogue&, cudaStream_t);
VIT_INSTANTIATE(float, float)
VIT_INSTANTIATE(bfloat16, bfloat16)
VIT_INSTANTIATE(bfloat16, float)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
#endif  // VIT_CUDA_ON
