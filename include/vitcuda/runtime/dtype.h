#pragma once
// Element types of a Tensor and the bfloat16 storage type (conversion rounds to nearest even).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vit {

enum class DType : std::uint8_t { f32, bf16, i32, u8 };

std::size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);

struct bfloat16 {
  std::uint16_t bits = 0;

  static bfloat16 from_float(float value) {
    std::uint32_t u;
    std::memcpy(&u, &value, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0) {
      return {static_cast<std::uint16_t>((u >> 16) | 0x40u)};  // keep NaN a (quiet) NaN
    }
    u += 0x7fffu + ((u >> 16) & 1u);
    return {static_cast<std::uint16_t>(u >> 16)};
  }
  float to_float() const {
    std::uint32_t u = static_cast<std::uint32_t>(bits) << 16;
    float value;
    std::memcpy(&value, &u, sizeof value);
    return value;
  }
};

}  // namespace vit
