#include "vitcuda/ops/patch_embed.h"

#include "kernels/cpu/linear.h"
#include "kernels/cpu/patch_embed.h"
#include "ops/op_checks.h"

namespace vit {

Tensor patch_embed(const Tensor& images, const Tensor& weight, const Tensor& bias, Tape& tape) {
  constexpr const char* op = "patch_embed";
  detail::check_cpu_f32(images, op, "images");
  detail::check_cpu_f32(weight, op, "weight");
  detail::check_cpu_f32(bias, op, "bias");
  detail::check_rank(images, 4, op, "images");
  detail::check_rank(weight, 4, op, "weight");
  const cpu::PatchGeometry g{images.size(0), images.size(1), images.size(2), images.size(3),
                             weight.size(2)};
  const std::int64_t dim = weight.size(0);
  VIT_CHECK(weight.size(1) == g.channels && weight.size(3) == g.patch, "patch_embed: weight ",
            shape_str(weight.shape()), " does not fit images with ", g.channels,
            " channels (expected [D, ", g.channels, ", P, P]).");
  VIT_CHECK(g.patch > 0 && g.height % g.patch == 0 && g.width % g.patch == 0, "patch_embed: image size ",
            g.height, "x", g.width, " is not a multiple of the patch size ", g.patch, ".");
  VIT_CHECK(bias.shape() == Shape{dim}, "patch_embed: bias ", shape_str(bias.shape()), " must be [", dim, "].");

  const std::int64_t rows = g.batch * g.patches(), features = g.patch_features();
  Tensor cols = Tensor::empty({rows, features});
  cpu::patch_im2col_forward(images.data<float>(), cols.data<float>(), g);
  Tensor tokens = Tensor::empty({g.batch, g.patches(), dim});
  cpu::linear_forward(cols.data<float>(), weight.data<float>(), bias.data<float>(),
                      tokens.data<float>(), rows, features, dim);

  if (Tape::needs_grad({&images, &weight, &bias})) {
    tape.record(op, tokens, [images_grad = images.grad_slot(), weight, bias_grad = bias.grad_slot(), cols, g,
                             rows, features, dim](const Tensor& dy) {
      Tensor dimages = detail::grad_buffer_if_needed(images_grad);
      Tensor dcols = dimages.defined() ? Tensor::empty({rows, features}) : Tensor();
      Tensor dw = detail::grad_buffer_if_needed(weight);
      Tensor db = detail::grad_buffer_if_needed(bias_grad);
      cpu::linear_backward(cols.data<float>(), weight.data<float>(), dy.data<float>(),
                           detail::data_or_null(dcols), detail::data_or_null(dw),
                           detail::data_or_null(db), rows, features, dim);
      if (dimages.defined()) {
        cpu::patch_im2col_backward(dcols.data<float>(), dimages.data<float>(), g);
        images_grad.accumulate(std::move(dimages));
      }
      if (dw.defined()) weight.accumulate_grad(std::move(dw));
      if (db.defined()) bias_grad.accumulate(std::move(db));
    });
  }
  return tokens;
}

}  // namespace vit
