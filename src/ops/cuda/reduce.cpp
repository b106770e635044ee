// CUDA path of mean over all elements (f32): the result stays on the device.
#include "kernels/cuda/reduce.h"

#include "ops/cuda/ops_cuda.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void mean_forward(const Tensor& x, const Tensor& out) {
  cuda::mean_forward(x.data<float>(), out.data<float>(), x.numel(), compute_stream());
}

void mean_backward(const Tensor& dout, const Tensor& dx) {
  cuda::mean_backward(dout.data<float>(), dx.data<float>(), dx.numel(), compute_stream());
}

}  // namespace vit::cuda_ops
