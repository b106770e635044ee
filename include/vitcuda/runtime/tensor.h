#pragma once
// Tensor: a handle to shaped, typed, contiguous row-major data in shared storage.
// Copies of a Tensor share everything (like a shared_ptr); reshape() and slice() are cheap views
// sharing the storage; clone() copies the data. On cuda, data() is a device pointer; to_vector(),
// item(), fill() and copy_from() copy through the host where they need to. A tensor that
// requires grad collects its gradient in grad() when a Tape walks backward (see autograd/tape.h).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/device.h"
#include "vitcuda/runtime/dtype.h"
#include "vitcuda/runtime/shape.h"

namespace vit {

class Rng;

// Raw bytes owned by one device: host memory (host_allocator) or, in builds with the CUDA backend,
// device memory from the caching allocator (runtime/cuda/caching_allocator.h).
class Storage {
 public:
  Storage(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  Device device_;
};

class Tensor;

// The gradient slot of a tensor without its data: what a recorded op's backward accumulates
// into. Backward closures hold slots of the inputs whose values they do not need, so that
// those inputs' storage is freed as soon as the forward pass drops them.
class GradSlot {
 public:
  GradSlot() = default;
  bool requires_grad() const;
  const Shape& shape() const;
  Device device() const;                       // where its tensor, and so its gradient, lives
  DType dtype() const;                         // its tensor's, and so its gradient's, dtype
  Tensor grad() const;                         // undefined until something accumulated
  // The first gradient of an intermediate tensor is held as it is, shared with the caller (and
  // never added into in place); a leaf's is copied.
  void accumulate(const Tensor& gradient) const;
  void accumulate(Tensor&& gradient) const;       // takes ownership of a fresh gradient
  void reset() const;                          // drops the gradient
  // How many gradients were accumulated so far: a data-parallel reducer sees from it that a
  // backward walk has produced a parameter's gradient.
  std::uint64_t accumulations() const;

 private:
  friend class Tensor;
  struct State;
  explicit GradSlot(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<bfloat16>() { return DType::bf16; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::u8; }

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing

  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor from_int32(const std::vector<std::int32_t>& values, const Shape& shape);
  static Tensor randn(const Shape& shape, Rng& rng, float stddev = 1.0f);
  static Tensor uniform(const Shape& shape, Rng& rng, float low, float high);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  std::int64_t size(int dim) const;  // negative dims count from the end
  int ndim() const { return static_cast<int>(shape().size()); }
  std::int64_t numel() const;
  DType dtype() const;
  Device device() const;
  std::size_t nbytes() const;

  void* raw_data() const;
  const std::shared_ptr<Storage>& storage() const;
  template <typename T> T* data() const {
    VIT_CHECK(dtype() == dtype_of<T>(), "tensor holds ", dtype_name(dtype()), " but was read as ",
              dtype_name(dtype_of<T>()), ".");
    return static_cast<T*>(raw_data());
  }
  float item() const;  // the value of a one-element tensor (copied to the host)

  // Views (share storage; not recorded on a tape, so the view does not carry gradients).
  Tensor reshape(const Shape& shape) const;  // one dim may be -1
  Tensor slice(std::int64_t begin, std::int64_t end) const;  // rows [begin, end) of dim 0

  Tensor clone() const;
  Tensor to(DType dtype) const;  // a copy as f32 <-> bf16 (on either device), i32/u8 -> f32
  Tensor to(Device device) const;  // a copy on `device` (the tensor itself when already there)
  void copy_from(const Tensor& source);  // same shape and dtype; overwrites this tensor's data
  void fill(float value);
  std::vector<float> to_vector() const;  // any dtype, as float

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool enabled = true);
  bool is_leaf() const;  // created by the user, not by a recorded op
  Tensor grad() const;   // undefined until a backward pass reaches this tensor
  GradSlot grad_slot() const;  // empty (requires_grad false) when the tensor does not require grad
  // Gradient updates act on the shared tensor, like writes through a shared_ptr, hence const.
  void accumulate_grad(const Tensor& gradient) const;  // grad += gradient (as GradSlot::accumulate)
  void accumulate_grad(Tensor&& gradient) const;       // takes ownership of a fresh gradient
  void zero_grad() const;                              // drops the gradient

  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  struct Impl;
  explicit Tensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  Impl& impl() const;
  std::shared_ptr<Impl> impl_;

  friend class Tape;
  friend class GradSlot;
  void mark_recorded();  // output of a recorded op: requires grad, not a leaf
};

}  // namespace vit
