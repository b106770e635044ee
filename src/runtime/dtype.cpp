#include "vitcuda/runtime/dtype.h"

#include "vitcuda/runtime/check.h"

namespace vit {

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

}  // namespace vit
