#include "vitcuda/ops/patch_embed.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

// u8 images need both normalisation vectors, f32 [C] on their device; f32 images take none.
void check_pixels(const Tensor& images, const PixelNormalization& pixels) {
  if (images.dtype() != DType::u8) {
    detail::check_f32(images, "patch_embed", "images");
    VIT_CHECK(!pixels.scale.defined() && !pixels.shift.defined(),
              "patch_embed: a pixel normalisation applies to u8 images only, got ", dtype_name(images.dtype()), ".");
    return;
  }
  VIT_CHECK(pixels.scale.defined() && pixels.shift.defined(),
            "patch_embed: u8 images need a pixel normalisation (scale and shift per channel).");
  for (const Tensor* t : {&pixels.scale, &pixels.shift}) {
    VIT_CHECK(t->dtype() == DType::f32 && t->shape() == Shape{images.size(1)} && t->device() == images.device(),
              "patch_embed: the pixel scale and shift must be f32 [", images.size(1), "] on ", images.device().str(),
              ", got ", dtype_name(t->dtype()), " ", shape_str(t->shape()), " on ", t->device().str(), ".");
  }
}

}  // namespace

Tensor patch_embed(const Tensor& images, const Tensor& weight, const Tensor& bias, Tape& tape, DType tokens_dtype,
                   const PixelNormalization& pixels) {
  constexpr const char* op = "patch_embed";
  detail::check_rank(images, 4, op, "images");
  check_pixels(images, pixels);
  detail::check_f32(weight, op, "weight");
  detail::check_f32(bias, op, "bias");
  detail::check_rank(weight, 4, op, "weight");
  const PatchGeometry g{images.size(0), images.size(1), images.size(2), images.size(3),
                             weight.size(2)};
  const std::int64_t dim = weight.size(0);
  VIT_CHECK(weight.size(1) == g.channels && weight.size(3) == g.patch, "patch_embed: weight ",
            shape_str(weight.shape()), " does not fit images with ", g.channels,
            " channels (expected [D, ", g.channels, ", P, P]).");
  VIT_CHECK(g.patch > 0 && g.height % g.patch == 0 && g.width % g.patch == 0, "patch_embed: image size ",
            g.height, "x", g.width, " is not a multiple of the patch size ", g.patch, ".");
  VIT_CHECK(bias.shape() == Shape{dim}, "patch_embed: bias ", shape_str(bias.shape()), " must be [", dim, "].");
  const Device device =
      detail::check_same_device(op, {{"images", &images}, {"weight", &weight}, {"bias", &bias}});
  VIT_CHECK(tokens_dtype == DType::f32 || (tokens_dtype == DType::bf16 && device.is_cuda()),
            "patch_embed: tokens can be f32, or bf16 on the cuda device, not ", dtype_name(tokens_dtype), " on ",
            device.str(), ".");

  const std::int64_t rows = g.batch * g.patches(), features = g.patch_features();
  Tensor cols = Tensor::empty({rows, features}, tokens_dtype, device);
  detail::dispatch(cpu_ops::patch_im2col_forward, cuda_ops::patch_im2col_forward, images, cols, g, pixels.scale,
                   pixels.shift);
  Tensor tokens = Tensor::empty({g.batch, g.patches(), dim}, tokens_dtype, device);
  // The conv weight as a matrix: a view, or its bf16 copy for bf16 tokens (kept for the backward).
  const Tensor weight_2d = detail::as_dtype(weight.reshape({dim, features}), tokens_dtype);
  // The embedding as a product: cols [rows, features] x weight [dim, features]^T + bias.
  detail::dispatch(cpu_ops::linear_forward, cuda_ops::linear_forward, cols, weight_2d, bias, tokens, rows, features,
                   dim);

  if (Tape::needs_grad({&images, &weight, &bias})) {
    tape.record(op, tokens, [images_grad = images.grad_slot(), weight, weight_2d, bias_grad = bias.grad_slot(),
                             cols, g, rows, features, dim](const Tensor& dy) {
      Tensor dimages = detail::grad_buffer_if_needed(images_grad);
      Tensor dcols = dimages.defined() ? Tensor::empty({rows, features}, cols.dtype(), cols.device()) : Tensor();
      Tensor dw = detail::grad_buffer_if_needed(weight);  // f32, as the kernels write it
      Tensor db = detail::grad_buffer_if_needed(bias_grad);
      detail::dispatch(cpu_ops::linear_backward, cuda_ops::linear_backward, cols, weight_2d, dy, dcols, dw, db, rows,
                       features, dim);
      if (dimages.defined()) {
        detail::dispatch(cpu_ops::patch_im2col_backward, cuda_ops::patch_im2col_backward, dcols, dimages, g);
        images_grad.accumulate(std::move(dimages));
      }
      if (dw.defined()) weight.accumulate_grad(std::move(dw));
      if (db.defined()) bias_grad.accumulate(std::move(db));
    });
  }
  return tokens;
}

}  // namespace vit
