#pragma once
// A tensor shape: sizes of each dimension, row-major.
#include <cstdint>
#include <string>
#include <vector>

namespace vit {

using Shape = std::vector<std::int64_t>;

std::int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2, 197, 768]"

}  // namespace vit
