// NCCL's path of data-parallel training, on one GPU (nvcc builds with NCCL; scripts/gpu-check
// runs it): a communicator of one rank, whose all-reduce waits for the compute stream's work
// and whose result the compute stream waits for, and its broadcast. The two-process paths are
// tested through MPI (tests/dist); this makes the NCCL calls execute on a real device.
#if VIT_HAVE_NCCL
#include <catch2/catch.hpp>

#include <algorithm>

#include "dist/nccl_communicator.h"
#include "vitcuda/runtime/tensor.h"

using namespace vit;

TEST_CASE("nccl: a one-rank communicator reduces and broadcasts in stream order", "[cuda][dist]") {
  dist::NcclCommunicator nccl(0, 1, dist::NcclCommunicator::make_unique_id());
  for (const DType dtype : {DType::f32, DType::bf16}) {
    Tensor values = Tensor::full({(1 << 20) + 3}, 3.0f, dtype, Device::cuda());  // queued on the compute stream
    nccl.all_reduce_mean(values);  // on its own stream, after the fill
    nccl.wait();                   // the read below (compute stream) waits for it
    const auto all_equal = [](const Tensor& t, float value) {
      const std::vector<float> result = t.to(DType::f32).to_vector();
      return std::count(result.begin(), result.end(), value) == static_cast<std::ptrdiff_t>(result.size());
    };
    CHECK(all_equal(values, 3.0f));
    values.copy_from(Tensor::full(values.shape(), 5.0f, dtype, Device::cuda()));
    nccl.broadcast(values, 0);
    CHECK(all_equal(values, 5.0f));
  }
}
#endif
