// The SIMT primitives: block reductions with __syncthreads, warp shuffles and votes, shared-memory
// tiles, atomics across blocks, dynamic shared memory; and (interpreter only) the error reports
// for barriers that not every thread reaches. Outputs are poisoned (NaN / 0xff bytes) first.
#include <catch2/catch.hpp>

#include <numeric>
#include <random>
#include <vector>

#include "runtime/cuda/memory.h"
#include "simt_kernels.h"
#include "vitcuda/runtime/check.h"

using vit::cuda::DeviceBuffer;
namespace kernels = vit::cuda::testing;

namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = uniform(engine);
  return values;
}

std::vector<int> random_ints(std::size_t n, unsigned seed, int low, int high) {
  std::mt19937 engine(seed);
  std::uniform_int_distribution<int> uniform(low, high);
  std::vector<int> values(n);
  for (int& v : values) v = uniform(engine);
  return values;
}

}  // namespace

TEST_CASE("simt: block reduction with syncthreads over a ragged last block", "[cuda][simt]") {
  const int n = 1000, block = 128, blocks = (n + block - 1) / block;
  const std::vector<float> x = random_floats(n, 1);
  DeviceBuffer<float> dx(x), sums(blocks);
  sums.fill_bytes(0xff);
  kernels::block_sums(dx.get(), sums.get(), n, block);
  const std::vector<float> got = sums.download();
  for (int b = 0; b < blocks; ++b) {
    double expected = 0.0;
    for (int i = b * block; i < std::min(n, (b + 1) * block); ++i) expected += x[i];
    CHECK(got[b] == Approx(expected).margin(1e-5));
  }
}

TEST_CASE("simt: warp shuffles xor down up and idx", "[cuda][simt]") {
  const int n = 32 * 6;
  const std::vector<int> x = random_ints(n, 2, -100, 100);
  DeviceBuffer<int> dx(x), xor_sum(n), down_sum(n), scan(n), broadcast(n);
  for (auto* buffer : {&xor_sum, &down_sum, &scan, &broadcast}) buffer->fill_bytes(0xff);
  kernels::warp_shuffles(dx.get(), xor_sum.get(), down_sum.get(), scan.get(), broadcast.get(), n);
  const auto got_xor = xor_sum.download(), got_down = down_sum.download(), got_scan = scan.download(),
             got_broadcast = broadcast.download();
  for (int w = 0; w < n / 32; ++w) {
    const int total = std::accumulate(x.begin() + w * 32, x.begin() + (w + 1) * 32, 0);
    CHECK(got_down[w * 32] == total);
    int prefix = 0;
    for (int lane = 0; lane < 32; ++lane) {
      const int i = w * 32 + lane;
      prefix += x[i];
      CHECK(got_xor[i] == total);
      CHECK(got_scan[i] == prefix);
      CHECK(got_broadcast[i] == x[w * 32 + w % 32]);
    }
  }
}

TEST_CASE("simt: ballot any and all", "[cuda][simt]") {
  const int warps = 6, n = 32 * warps;
  std::vector<int> pred = random_ints(n, 3, 0, 1);
  std::fill(pred.begin() + 64, pred.begin() + 96, 0);  // warp 2: none
  std::fill(pred.begin() + 96, pred.begin() + 128, 1);  // warp 3: all
  DeviceBuffer<int> dpred(pred), any(warps), all(warps);
  DeviceBuffer<unsigned> ballot(warps);
  ballot.fill_bytes(0xab);
  any.fill_bytes(0xff);
  all.fill_bytes(0xff);
  kernels::warp_votes(dpred.get(), ballot.get(), any.get(), all.get(), n);
  const auto got_ballot = ballot.download();
  const auto got_any = any.download(), got_all = all.download();
  for (int w = 0; w < warps; ++w) {
    unsigned bits = 0;
    for (int lane = 0; lane < 32; ++lane) bits |= (pred[w * 32 + lane] != 0 ? 1u : 0u) << lane;
    CHECK(got_ballot[w] == bits);
    CHECK(got_any[w] == (bits != 0 ? 1 : 0));
    CHECK(got_all[w] == (bits == 0xffffffffu ? 1 : 0));
  }
}

TEST_CASE("simt: shared memory tiled transpose at odd sizes", "[cuda][simt]") {
  const int rows = 45, cols = 77;
  const std::vector<float> in = random_floats(rows * cols, 4);
  DeviceBuffer<float> din(in), out(rows * cols);
  out.fill_bytes(0xff);
  kernels::transpose(din.get(), out.get(), rows, cols);
  const std::vector<float> got = out.download();
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) REQUIRE(got[c * rows + r] == in[r * cols + c]);
  }
}

TEST_CASE("simt: atomics across blocks", "[cuda][simt]") {
  const int n = 3001;
  const std::vector<float> x = random_floats(n, 5);
  const std::vector<int> ix = random_ints(n, 6, -1000, 1000);
  DeviceBuffer<float> dx(x), float_sum(std::vector<float>{0.0f});
  DeviceBuffer<int> dix(ix), int_sum(std::vector<int>{0}), int_max(std::vector<int>{-2000});
  DeviceBuffer<unsigned> cas_count(std::vector<unsigned>{0u});
  kernels::atomics(dx.get(), dix.get(), n, float_sum.get(), int_sum.get(), int_max.get(), cas_count.get());
  const double expected_sum = std::accumulate(x.begin(), x.end(), 0.0);
  CHECK(float_sum.download()[0] == Approx(expected_sum).margin(1e-3));
  CHECK(int_sum.download()[0] == std::accumulate(ix.begin(), ix.end(), 0));
  CHECK(int_max.download()[0] == *std::max_element(ix.begin(), ix.end()));
  CHECK(cas_count.download()[0] == static_cast<unsigned>(n));
}

TEST_CASE("simt: dynamic shared memory", "[cuda][simt]") {
  const int n = 333, block = 96;
  const std::vector<float> x = random_floats(n, 7);
  DeviceBuffer<float> dx(x), y(n);
  y.fill_bytes(0xff);
  kernels::reverse_chunks(dx.get(), y.get(), n, block);
  const std::vector<float> got = y.download();
  for (int start = 0; start < n; start += block) {
    const int size = std::min(block, n - start);
    for (int j = 0; j < size; ++j) REQUIRE(got[start + j] == x[start + size - 1 - j]);
  }
}

#if VIT_CUDA_SIM
// On a GPU these kernels would hang or misbehave; the interpreter reports them.
TEST_CASE("simt: a barrier that some threads skip is reported", "[cuda][simt]") {
  DeviceBuffer<float> out(64);
  CHECK_THROWS_WITH(kernels::barrier_skipped_by_some(out.get(), 64, 24),
                    Catch::Contains("was reached by 40 of 64 threads") && Catch::Contains("simt_kernels.cu"));
}

TEST_CASE("simt: threads waiting at different barriers are reported", "[cuda][simt]") {
  DeviceBuffer<float> out(64);
  CHECK_THROWS_WITH(kernels::barrier_sites_differ(out.get(), 64), Catch::Contains("different __syncthreads"));
}

TEST_CASE("simt: a shuffle whose source lane exited is reported", "[cuda][simt]") {
  DeviceBuffer<float> out(32);
  CHECK_THROWS_WITH(kernels::shuffle_lane_exited(out.get()),
                    Catch::Contains("__shfl_xor_sync") && Catch::Contains("lane 5") && Catch::Contains("exited"));
}
#endif
