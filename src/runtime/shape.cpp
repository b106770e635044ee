#include "vitcuda/runtime/shape.h"

#include <string>

#include "vitcuda/runtime/check.h"

namespace vit {

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

}  // namespace vit
