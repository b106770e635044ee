// Small runtime helpers: errors, dtype names and sizes, device and shape printing, Rng.
#include <sstream>

#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/device.h"
#include "vitcuda/runtime/dtype.h"
#include "vitcuda/runtime/rng.h"
#include "vitcuda/runtime/shape.h"

namespace vit {

void throw_error(const char* file, int line, const std::string& message) {
  std::ostringstream out;
  out << message << " [" << file << ":" << line << "]";
  throw Error(out.str());
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::bf16: return 2;
    case DType::i32: return 4;
    case DType::u8: return 1;
  }
  VIT_FAIL("unknown dtype ", static_cast<int>(dtype), ".");
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::bf16: return "bf16";
    case DType::i32: return "i32";
    case DType::u8: return "u8";
  }
  return "unknown";
}

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

std::int64_t shape_numel(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t size : shape) {
    VIT_CHECK(size >= 0, "shape ", shape_str(shape), " has a negative size.");
    VIT_CHECK(!__builtin_mul_overflow(count, size, &count), "shape ", shape_str(shape),
              " has more elements than a 64-bit count holds.");
  }
  return count;
}

std::string shape_str(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

float Rng::normal(float mean, float stddev) {
  return std::normal_distribution<float>(mean, stddev)(engine_);
}

float Rng::uniform(float low, float high) {
  return std::uniform_real_distribution<float>(low, high)(engine_);
}

}  // namespace vit
