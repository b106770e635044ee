// The reductions of a training step that combine the work of many blocks (bias and position-
// embedding gradients through the column sums, the loss, the gradient norm) give the same bits
// on every run: they use no float atomics, whose order varies from run to run on a GPU. In the
// interpreter the repeats start the blocks in reverse order (simt::set_block_order), which
// changes the bits of any sum that depends on the order of the blocks. Shapes span several
// 128-row bands, 64 loss rows and several multi-tensor chunks, small enough for the racecheck
// build; each runs 3 times.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "kernel_check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/loss.h"
#include "kernels/cuda/optimizer.h"
#if VIT_CUDA_SIM
#include "runtime/simt/scheduler.h"
#endif

using namespace vit::cuda;
using namespace vit::cuda::testing;

namespace {

// True if `run` gives bit-identical floats 3 times (in the interpreter: the first time with the
// blocks in order, then in reverse order).
bool same_bits_every_run(const std::function<std::vector<float>()>& run) {
  const std::vector<float> first = run();
#if VIT_CUDA_SIM
  vit::simt::set_block_order(vit::simt::BlockOrder::reverse);
#endif
  bool same = true;
  for (int i = 0; i < 2 && same; ++i) {
    const std::vector<float> again = run();
    same = again.size() == first.size() && std::memcmp(again.data(), first.data(), first.size() * sizeof(float)) == 0;
  }
#if VIT_CUDA_SIM
  vit::simt::set_block_order(vit::simt::BlockOrder::forward);
#endif
  return same;
}

}  // namespace

TEST_CASE("cuda determinism: column sums, the loss and the gradient norm repeat bit for bit", "[cuda][determinism]") {
  SECTION("column sums over 4 bands of rows (bias gradients)") {
    const std::int64_t rows = 400, cols = 40;
    const auto dout = upload_as<float>(random_normal(rows * cols, 801));
    const auto x = upload_as<float>(random_normal(rows * cols, 802));
    auto db = poisoned<float>(cols), dx = poisoned<float>(rows * cols);
    CHECK(same_bits_every_run([&] {
      add_backward_broadcast(dout.get(), db.get(), rows * cols, cols, nullptr);
      return db.download();
    }));
    CHECK(same_bits_every_run([&] {
      bias_gelu_backward(x.get(), static_cast<const float*>(nullptr), dout.get(), dx.get(), db.get(), rows, cols,
                         nullptr);
      return db.download();
    }));
  }
  SECTION("the mean loss over 64 rows") {
    const std::int64_t rows = 64, classes = 10;
    const auto logits = upload_as<float>(random_normal(rows * classes, 803));
    DeviceBuffer<std::int32_t> labels(random_labels(rows, 804, classes));
    auto loss = poisoned<float>(1);
    CHECK(same_bits_every_run([&] {
      cross_entropy_forward(logits.get(), labels.get(), rows, classes, 0.1f, loss.get(), nullptr, device_fault_record(),
                            nullptr);
      return loss.download();
    }));
  }
  SECTION("the gradient norm over 5 chunks in 3 tensors") {
    const std::vector<std::int64_t> sizes = {5000, 5, 9000};
    std::vector<DeviceBuffer<float>> grads;
    std::vector<GradTensor> list;
    for (std::size_t t = 0; t < sizes.size(); ++t) {
      grads.push_back(upload_as<float>(random_normal(sizes[t], 805 + t)));
      list.push_back({grads.back().get(), sizes[t]});
    }
    auto norm = poisoned<float>(1);
    CHECK(same_bits_every_run([&] {
      grad_norm(list, 1.0f, norm.get(), nullptr, nullptr);
      return norm.download();
    }));
  }
}
