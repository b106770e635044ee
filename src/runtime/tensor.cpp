// Tensor storage, views, conversions and the gradient slot used by the tape.
#include "vitcuda/runtime/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/device_tensor.h"
#include "runtime/host_allocator.h"
#include "vitcuda/runtime/rng.h"

namespace vit {

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  VIT_CHECK(device.is_cpu() || VIT_HAS_CUDA, "this build has no ", device.str(),
            " backend; tensors can only live on the cpu.");
  VIT_CHECK(device.is_cpu() || device.index == 0, "only one GPU is supported: use cuda:0, not ",
            device.str(), ".");
  data_ = device.is_cpu() ? host::allocate(bytes) : cuda::cached_allocate(bytes);
}

Storage::~Storage() {
  if (device_.is_cpu()) {
    host::release(data_, bytes_);
  } else {
    cuda::cached_release(data_);
  }
}

struct Tensor::Impl {
  std::shared_ptr<Storage> storage;
  std::size_t offset = 0;  // bytes from the start of storage
  Shape shape;
  DType dtype = DType::f32;
  std::shared_ptr<GradSlot::State> autograd;  // set once the tensor requires grad
};

struct GradSlot::State {
  Shape shape;
  Device device;
  DType dtype = DType::f32;
  bool requires_grad = false;
  bool is_leaf = true;
  Tensor grad;
  bool grad_shared = false;  // grad is another slot's or the caller's too: never added into in place
  std::uint64_t accumulations = 0;
};

Tensor::Impl& Tensor::impl() const {
  VIT_CHECK(impl_ != nullptr, "the tensor is undefined (it holds no data).");
  return *impl_;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  auto impl = std::make_shared<Impl>();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->storage = std::make_shared<Storage>(shape_numel(shape) * dtype_size(dtype), device);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device.is_cpu()) {
    std::memset(t.raw_data(), 0, t.nbytes());
  } else {
    cuda::zero_bytes(t.raw_data(), t.nbytes());
  }
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill(value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  VIT_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), values.size(),
            " values cannot fill shape ", shape_str(shape), ".");
  Tensor t = empty(shape, DType::f32);
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

Tensor Tensor::from_int32(const std::vector<std::int32_t>& values, const Shape& shape) {
  VIT_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), values.size(),
            " values cannot fill shape ", shape_str(shape), ".");
  Tensor t = empty(shape, DType::i32);
  std::copy(values.begin(), values.end(), t.data<std::int32_t>());
  return t;
}

Tensor Tensor::randn(const Shape& shape, Rng& rng, float stddev) {
  Tensor t = empty(shape, DType::f32);
  float* out = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) out[i] = rng.normal(0.0f, stddev);
  return t;
}

Tensor Tensor::uniform(const Shape& shape, Rng& rng, float low, float high) {
  Tensor t = empty(shape, DType::f32);
  float* out = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) out[i] = rng.uniform(low, high);
  return t;
}

const Shape& Tensor::shape() const { return impl().shape; }

std::int64_t Tensor::size(int dim) const {
  const int rank = ndim();
  const int d = dim < 0 ? dim + rank : dim;
  VIT_CHECK(d >= 0 && d < rank, "dim ", dim, " is out of range for shape ", shape_str(shape()), ".");
  return shape()[d];
}

std::int64_t Tensor::numel() const { return shape_numel(shape()); }
DType Tensor::dtype() const { return impl().dtype; }
Device Tensor::device() const { return impl().storage->device(); }
std::size_t Tensor::nbytes() const { return numel() * dtype_size(dtype()); }

const std::shared_ptr<Storage>& Tensor::storage() const { return impl().storage; }

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset;
}

float Tensor::item() const {
  VIT_CHECK(numel() == 1, "item() needs a one-element tensor, got shape ", shape_str(shape()), ".");
  return to_vector()[0];
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  Shape resolved = new_shape;
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i] == -1) {
      VIT_CHECK(inferred < 0, "reshape to ", shape_str(new_shape), " has more than one -1.");
      inferred = static_cast<int>(i);
    } else {
      VIT_CHECK(resolved[i] >= 0, "reshape to ", shape_str(new_shape), " has a negative size.");
      known *= resolved[i];
    }
  }
  if (inferred >= 0) {
    VIT_CHECK(known > 0 && numel() % known == 0, "cannot reshape ", shape_str(shape()), " to ",
              shape_str(new_shape), ".");
    resolved[inferred] = numel() / known;
  }
  VIT_CHECK(shape_numel(resolved) == numel(), "cannot reshape ", shape_str(shape()), " (",
            numel(), " elements) to ", shape_str(new_shape), ".");
  auto view = std::make_shared<Impl>(Impl{impl().storage, impl().offset, resolved, dtype(), nullptr});
  return Tensor(std::move(view));
}

Tensor Tensor::slice(std::int64_t begin, std::int64_t end) const {
  VIT_CHECK(ndim() >= 1, "cannot slice a scalar.");
  VIT_CHECK(0 <= begin && begin <= end && end <= shape()[0], "slice [", begin, ", ", end,
            ") is out of range for shape ", shape_str(shape()), ".");
  Shape sliced = shape();
  sliced[0] = end - begin;
  const std::size_t row_bytes = shape_numel(Shape(shape().begin() + 1, shape().end())) * dtype_size(dtype());
  auto view = std::make_shared<Impl>(Impl{impl().storage, impl().offset + begin * row_bytes, sliced, dtype(), nullptr});
  return Tensor(std::move(view));
}

Tensor Tensor::clone() const {
  Tensor copy = empty(shape(), dtype(), device());
  copy.copy_from(*this);
  return copy;
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  Tensor copy = empty(shape(), dtype(), target);
  copy.copy_from(*this);
  return copy;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return clone();
  Tensor out = empty(shape(), target, device());
  if (device().is_cuda() && dtype() == DType::f32 && target == DType::bf16) {
    cuda::convert(data<float>(), out.data<bfloat16>(), numel());  // autocast's path
    return out;
  }
  if (device().is_cuda() && dtype() == DType::bf16 && target == DType::f32) {
    cuda::convert(data<bfloat16>(), out.data<float>(), numel());
    return out;
  }
  if (device().is_cuda()) return to(Device::cpu()).to(target).to(device());  // rare: not a step's path
  const std::int64_t n = numel();
  if (target == DType::f32) {
    const std::vector<float> values = to_vector();
    std::copy(values.begin(), values.end(), out.data<float>());
  } else if (target == DType::bf16 && dtype() == DType::f32) {
    const float* in = data<float>();
    bfloat16* o = out.data<bfloat16>();
    for (std::int64_t i = 0; i < n; ++i) o[i] = bfloat16::from_float(in[i]);
  } else {
    VIT_FAIL("conversion from ", dtype_name(dtype()), " to ", dtype_name(target), " is not supported.");
  }
  return out;
}

void Tensor::copy_from(const Tensor& source) {
  VIT_CHECK(source.shape() == shape() && source.dtype() == dtype(), "copy_from: source ",
            shape_str(source.shape()), " ", dtype_name(source.dtype()), " does not match ",
            shape_str(shape()), " ", dtype_name(dtype()), ".");
  if (device().is_cpu() && source.device().is_cpu()) {
    std::memmove(raw_data(), source.raw_data(), nbytes());
  } else {
    cuda::copy_bytes(raw_data(), device(), source.raw_data(), source.device(), nbytes());
  }
}

void Tensor::fill(float value) {
  const std::int64_t n = numel();
  if (device().is_cuda()) {  // a kernel writes the element's bits: no host tensor, no blocking copy
    std::uint32_t bits = 0;
    switch (dtype()) {
      case DType::f32: std::memcpy(&bits, &value, 4); break;
      case DType::bf16: bits = bfloat16::from_float(value).bits; break;
      case DType::i32: bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(value)); break;
      case DType::u8: bits = static_cast<std::uint8_t>(value); break;
    }
    cuda::fill_elements(raw_data(), static_cast<int>(dtype_size(dtype())), bits, n);
    return;
  }
  switch (dtype()) {
    case DType::f32: std::fill_n(data<float>(), n, value); break;
    case DType::bf16: std::fill_n(data<bfloat16>(), n, bfloat16::from_float(value)); break;
    case DType::i32: std::fill_n(data<std::int32_t>(), n, static_cast<std::int32_t>(value)); break;
    case DType::u8: std::fill_n(data<std::uint8_t>(), n, static_cast<std::uint8_t>(value)); break;
  }
}

std::vector<float> Tensor::to_vector() const {
  if (device().is_cuda()) return to(Device::cpu()).to_vector();
  const std::int64_t n = numel();
  std::vector<float> values(n);
  switch (dtype()) {
    case DType::f32: std::copy_n(data<float>(), n, values.begin()); break;
    case DType::bf16:
      for (std::int64_t i = 0; i < n; ++i) values[i] = data<bfloat16>()[i].to_float();
      break;
    case DType::i32: std::copy_n(data<std::int32_t>(), n, values.begin()); break;
    case DType::u8: std::copy_n(data<std::uint8_t>(), n, values.begin()); break;
  }
  return values;
}

bool Tensor::requires_grad() const { return impl_ && impl_->autograd && impl_->autograd->requires_grad; }

Tensor& Tensor::set_requires_grad(bool enabled) {
  VIT_CHECK(!enabled || dtype() == DType::f32 || dtype() == DType::bf16,
            "only floating-point tensors can require grad (this one is ", dtype_name(dtype()), ").");
  if (!impl().autograd) {
    impl().autograd = std::make_shared<GradSlot::State>();
    impl().autograd->shape = shape();
    impl().autograd->device = device();
    impl().autograd->dtype = dtype();
  }
  impl().autograd->requires_grad = enabled;
  return *this;
}

bool Tensor::is_leaf() const { return !impl().autograd || impl().autograd->is_leaf; }

void Tensor::mark_recorded() {
  set_requires_grad(true);
  impl().autograd->is_leaf = false;
}

GradSlot Tensor::grad_slot() const { return GradSlot(impl().autograd); }
Tensor Tensor::grad() const { return grad_slot().grad(); }
void Tensor::accumulate_grad(const Tensor& gradient) const { grad_slot().accumulate(gradient); }
void Tensor::accumulate_grad(Tensor&& gradient) const { grad_slot().accumulate(std::move(gradient)); }
void Tensor::zero_grad() const { grad_slot().reset(); }

bool GradSlot::requires_grad() const { return state_ && state_->requires_grad; }

const Shape& GradSlot::shape() const {
  VIT_CHECK(state_ != nullptr, "this tensor does not require grad: it has no gradient slot.");
  return state_->shape;
}

Device GradSlot::device() const {
  VIT_CHECK(state_ != nullptr, "this tensor does not require grad: it has no gradient slot.");
  return state_->device;
}

DType GradSlot::dtype() const {
  VIT_CHECK(state_ != nullptr, "this tensor does not require grad: it has no gradient slot.");
  return state_->dtype;
}

Tensor GradSlot::grad() const { return state_ ? state_->grad : Tensor(); }

namespace {

void check_gradient(const GradSlot& slot, const Tensor& gradient) {
  VIT_CHECK(slot.requires_grad(), "cannot accumulate a gradient into a tensor that does not require grad.");
  VIT_CHECK(gradient.shape() == slot.shape(), "gradient of shape ", shape_str(gradient.shape()),
            " does not match tensor of shape ", shape_str(slot.shape()), ".");
  VIT_CHECK(gradient.dtype() == slot.dtype(), "gradient of dtype ", dtype_name(gradient.dtype()),
            " does not match tensor of dtype ", dtype_name(slot.dtype()), ".");
  VIT_CHECK(gradient.device() == slot.device(), "gradient on ", gradient.device().str(), " does not match tensor on ",
            slot.device().str(), ".");
}

// sum += addend, in place.
void add_into(const Tensor& sum, const Tensor& addend) {
  const std::int64_t n = addend.numel();
  if (sum.dtype() == DType::bf16) {  // activation gradients of bf16 autocast
    VIT_CHECK(sum.device().is_cuda(), "bf16 gradients accumulate on the cuda device only.");
    cuda::add_in_place(sum.data<bfloat16>(), addend.data<bfloat16>(), n);
    return;
  }
  float* out = sum.data<float>();
  const float* add = addend.data<float>();
  if (sum.device().is_cuda()) {
    cuda::add_in_place(out, add, n);
    return;
  }
#pragma omp parallel for if (n > 32768)
  for (std::int64_t i = 0; i < n; ++i) out[i] += add[i];
}

}  // namespace

std::uint64_t GradSlot::accumulations() const { return state_ ? state_->accumulations : 0; }

void GradSlot::accumulate(const Tensor& gradient) const {
  check_gradient(*this, gradient);
  ++state_->accumulations;
  if (!state_->grad.defined()) {
    // An intermediate tensor's gradient is only read, by the backward closures: hold the caller's
    // tensor itself (the residual add hands one gradient to both its inputs). A leaf gets its own
    // copy, which the optimizers and clipping change in place.
    state_->grad = state_->is_leaf ? gradient.clone() : gradient;
    state_->grad_shared = !state_->is_leaf;
    return;
  }
  if (state_->grad_shared) {
    state_->grad = state_->grad.clone();
    state_->grad_shared = false;
  }
  add_into(state_->grad, gradient);
}

void GradSlot::accumulate(Tensor&& gradient) const {
  check_gradient(*this, gradient);
  ++state_->accumulations;
  if (state_->grad.defined() && state_->grad_shared) {
    add_into(gradient, state_->grad);  // the fresh gradient takes the shared one in, and becomes ours
  } else if (state_->grad.defined()) {
    add_into(state_->grad, gradient);
    return;
  }
  state_->grad = std::move(gradient);
  state_->grad_shared = false;
}

void GradSlot::reset() const {
  if (state_) state_->grad = Tensor();
}

}  // namespace vit
