// CUDA patch im2col of uint8 [B, 3, 224, 224] images into bf16 columns with per-channel
// normalisation (16 x 16 patches): reads 1 byte and writes 2 per pixel.
#include "cuda_bench.h"
#include "kernels/cuda/patch_embed.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

void BM_patch_im2col_u8_to_bf16(benchmark::State& state) {
  const std::int64_t side = bench::pick(224, 32);
  const vit::PatchGeometry g{bench::pick(state.range(0), 2), 3, side, side, 16};
  const std::int64_t pixels = g.batch * 3 * side * side;
  DeviceBuffer<std::uint8_t> images(pixels);
  DeviceBuffer<vit::bfloat16> cols(pixels);
  DeviceBuffer<float> scale(3), shift(3);
  for (auto* b : {&scale, &shift}) b->fill_bytes(0);
  images.fill_bytes(7);
  bench::run_timed(state, {3.0 * pixels},
                   [&] { patch_im2col_forward(images.get(), cols.get(), g, scale.get(), shift.get(), nullptr); });
}

}  // namespace

BENCHMARK(BM_patch_im2col_u8_to_bf16)->Arg(64)->UseManualTime();
