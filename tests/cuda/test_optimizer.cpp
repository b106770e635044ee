// CUDA multi-tensor AdamW/SGD and the gradient norm against the CPU reference
// (src/kernels/cpu/optimizer.cpp) over lists of odd-sized tensors (more tensors than one launch
// holds, some larger than a chunk, one empty), three steps each. Tolerances: parameters and state
// normwise 1e-6 (the same float32 formulas; only contraction into FMAs may differ), norm 1e-5.
#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_check.h"
#include "kernels/cpu/optimizer.h"
#include "kernels/cuda/optimizer.h"

using namespace vit::cuda::testing;
using vit::cuda::DeviceBuffer;

namespace {

std::vector<std::int64_t> tensor_sizes() {
  std::vector<std::int64_t> sizes;
  for (int t = 0; t < 37; ++t) sizes.push_back(1 + (t * 977) % 1500);  // 37 > kMaxTensors
  sizes[3] = 9001;                                                      // several chunks
  sizes[5] = 0;
  return sizes;
}

struct HostTensor {
  std::vector<float> param, grad, state1, state2;
};

std::vector<HostTensor> random_tensors(const std::vector<std::int64_t>& sizes, std::uint64_t salt) {
  std::vector<HostTensor> tensors;
  for (std::size_t t = 0; t < sizes.size(); ++t) {
    const auto n = static_cast<std::size_t>(sizes[t]);
    tensors.push_back({random_normal(n, salt + 4 * t), random_normal(n, salt + 4 * t + 1),
                       random_normal(n, salt + 4 * t + 2, 0.1f), random_uniform(n, salt + 4 * t + 3, 0.0f, 0.01f)});
  }
  return tensors;
}

struct DeviceTensor {
  DeviceBuffer<float> param, grad, state1, state2;
};

std::vector<DeviceTensor> upload(const std::vector<HostTensor>& tensors) {
  std::vector<DeviceTensor> out;
  for (const HostTensor& t : tensors) {
    out.push_back({DeviceBuffer<float>(t.param), DeviceBuffer<float>(t.grad), DeviceBuffer<float>(t.state1),
                   DeviceBuffer<float>(t.state2)});
  }
  return out;
}

}  // namespace

TEST_CASE("cuda optimizer: multi-tensor AdamW with a gradient scale and device step scalars", "[cuda][optimizer]") {
  const auto sizes = tensor_sizes();
  auto host = random_tensors(sizes, 40);
  auto device = upload(host);
  std::vector<vit::cuda::AdamWTensor> list;
  for (auto& t : device) list.push_back({t.param.get(), t.grad.get(), t.state1.get(), t.state2.get(), static_cast<std::int64_t>(t.param.size())});
  const float scale = 0.5f;
  DeviceBuffer<float> grad_scale(std::vector<float>{scale});
  for (int step = 1; step <= 3; ++step) {
    const vit::AdamWStep s{1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 1.0f - std::pow(0.9f, float(step)),
                                1.0f - std::pow(0.999f, float(step))};
    // Step 2 takes its learning rate and bias corrections from device memory (a graph's way).
    DeviceBuffer<float> step_scalars(std::vector<float>{s.lr, s.bias_correction1, s.bias_correction2});
    vit::AdamWStep given = s;
    const vit::StepScalars* scalars = nullptr;
    if (step == 2) {
      given.lr = given.bias_correction1 = given.bias_correction2 = NAN;
      scalars = reinterpret_cast<const vit::StepScalars*>(step_scalars.get());
    }
    vit::cuda::adamw_update(list, given, grad_scale.get(), scalars, nullptr);
    for (auto& t : host) {
      std::vector<float> g = t.grad;
      vit::cpu::scale_in_place(g.data(), static_cast<std::int64_t>(g.size()), scale);
      vit::cpu::adamw_update(t.param.data(), g.data(), t.state1.data(), t.state2.data(),
                             static_cast<std::int64_t>(g.size()), s);
    }
  }
  for (std::size_t t = 0; t < host.size(); ++t) {
    CAPTURE(t);
    CHECK(normwise_error(device[t].param.download(), host[t].param) <= 1e-6);
    CHECK(normwise_error(device[t].state1.download(), host[t].state1) <= 1e-6);
    CHECK(normwise_error(device[t].state2.download(), host[t].state2) <= 1e-6);
  }
}

TEST_CASE("cuda optimizer: multi-tensor SGD with momentum and nesterov", "[cuda][optimizer]") {
  const auto sizes = tensor_sizes();
  for (const bool nesterov : {false, true}) {
    auto host = random_tensors(sizes, 50);
    auto device = upload(host);
    std::vector<vit::cuda::SgdTensor> list;
    for (auto& t : device) list.push_back({t.param.get(), t.grad.get(), t.state1.get(), static_cast<std::int64_t>(t.param.size())});
    const vit::SgdStep s{0.1f, 0.9f, 1e-4f, nesterov};
    const DeviceBuffer<float> step_scalars(std::vector<float>{s.lr, 1.0f, 1.0f});
    for (int step = 0; step < 3; ++step) {
      vit::SgdStep given = s;
      if (step == 1) given.lr = NAN;  // read from device memory instead
      vit::cuda::sgd_update(list, given, nullptr,
                            step == 1 ? reinterpret_cast<const vit::StepScalars*>(step_scalars.get()) : nullptr,
                            nullptr);
      for (auto& t : host) {
        vit::cpu::sgd_update(t.param.data(), t.grad.data(), t.state1.data(), static_cast<std::int64_t>(t.grad.size()), s);
      }
    }
    for (std::size_t t = 0; t < host.size(); ++t) {
      CAPTURE(nesterov, t);
      CHECK(normwise_error(device[t].param.download(), host[t].param) <= 1e-6);
      CHECK(normwise_error(device[t].state1.download(), host[t].state1) <= 1e-6);
    }
  }
}

TEST_CASE("cuda optimizer: global gradient norm and clipping factor", "[cuda][optimizer]") {
  const auto sizes = tensor_sizes();
  const auto host = random_tensors(sizes, 60);
  const auto device = upload(host);
  std::vector<vit::cuda::GradTensor> list;
  double sum = 0.0;
  for (std::size_t t = 0; t < host.size(); ++t) {
    list.push_back({device[t].grad.get(), sizes[t]});
    sum += vit::cpu::sum_of_squares(host[t].grad.data(), sizes[t]);
  }
  const double want = std::sqrt(sum);
  auto norm = poisoned<float>(1), clip = poisoned<float>(1);
  for (const float max_norm : {1.0f, 1e6f, 0.0f}) {
    vit::cuda::grad_norm(list, max_norm, norm.get(), clip.get(), nullptr);
    CHECK(norm.download()[0] == Approx(want).epsilon(1e-5));
    const double want_clip = max_norm > 0 ? std::min(1.0, max_norm / (want + 1e-6)) : 1.0;
    CHECK(clip.download()[0] == Approx(want_clip).epsilon(1e-5));
  }
}
