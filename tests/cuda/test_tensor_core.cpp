// The tensor-core primitives of kernels/cuda/mma.cuh: mma.sync on random tiles against a double
// reference, the mma fragment layouts recovered from one-hot inputs, ldmatrix (x1/x2/x4, with and
// without .trans), cp.async with zero fill and commit groups, a tile GEMM that uses all of them,
// and (interpreter only) the error reports for misuses. The expected layouts come from the PTX
// ISA's formulas (mma.cuh's header comment, the header of mma.cuh), written once below.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/cuda/memory.h"
#include "tensor_core_kernels.h"
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/dtype.h"

using vit::cuda::DeviceBuffer;
using vit::cuda::testing::MmaKind;
namespace kernels = vit::cuda::testing;

namespace {

constexpr int kLanes = 32;

// ---- fragment layouts (PTX ISA 9.2, "Matrix Fragments for mma.m16n8k16 with floating point type"
// and "Matrix Fragments for mma.m16n8k8"); g = groupID = lane / 4, t = threadID_in_group = lane % 4.
struct Position {
  int row, col;
};

// m16n8k16 A (16 x 16): element i = 2 * reg + half (a0 is the low half of register 0).
Position a_position_m16n8k16(int lane, int reg, int half) {
  const int g = lane / 4, t = lane % 4, i = 2 * reg + half;
  const int row = (i < 2 || (i >= 4 && i < 6)) ? g : g + 8;
  const int col = t * 2 + (i & 1) + (i >= 4 ? 8 : 0);
  return {row, col};
}

// m16n8k16 B (16 x 8): (k, n) of element i = 2 * reg + half.
Position b_position_m16n8k16(int lane, int reg, int half) {
  const int g = lane / 4, t = lane % 4, i = 2 * reg + half;
  return {t * 2 + (i & 1) + (i >= 2 ? 8 : 0), g};
}

// m16n8k8 tf32 A (16 x 8): one element a0..a3 per register.
Position a_position_m16n8k8(int lane, int reg, int /*half*/) {
  const int g = lane / 4, t = lane % 4;
  return {reg == 0 || reg == 2 ? g : g + 8, reg < 2 ? t : t + 4};
}

// m16n8k8 tf32 B (8 x 8): (k, n) of b0, b1.
Position b_position_m16n8k8(int lane, int reg, int /*half*/) {
  const int g = lane / 4, t = lane % 4;
  return {reg == 0 ? t : t + 4, g};
}

// C and D (16 x 8, f32) of both shapes: c0..c3.
Position cd_position(int lane, int reg) {
  const int g = lane / 4, t = lane % 4;
  return {reg < 2 ? g : g + 8, t * 2 + (reg & 1)};
}

// ---- input types: a value rounded to the type, and its bits in a fragment register.
float round_bf16(float value) { return vit::bfloat16::from_float(value).to_float(); }
std::uint32_t bits_bf16(float value) { return vit::bfloat16::from_float(value).bits; }

// float -> IEEE binary16, round to nearest even (finite values below 65504 in magnitude).
std::uint16_t f16_from_float(float value) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>(u >> 16 & 0x8000u);
  const float magnitude = std::fabs(value);
  if (magnitude < 0x1p-14f) {  // subnormal or zero: a multiple of 2^-24 (1024 becomes the least normal)
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(magnitude * 0x1p24f)));
  }
  const std::uint32_t m = std::bit_cast<std::uint32_t>(magnitude);
  const std::uint32_t exponent = (m >> 23) - 127 + 15, mantissa = m & 0x7fffffu, rest = mantissa & 0x1fffu;
  std::uint32_t bits = exponent << 10 | mantissa >> 13;
  if (rest > 0x1000u || (rest == 0x1000u && (bits & 1u) != 0)) ++bits;  // a carry moves into the exponent
  return static_cast<std::uint16_t>(sign | bits);
}

float f16_to_float(std::uint16_t bits) {
  const int exponent = bits >> 10 & 0x1f, mantissa = bits & 0x3ff;
  const float magnitude = exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -24)
                                        : std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  return (bits & 0x8000) != 0 ? -magnitude : magnitude;
}

float round_f16(float value) { return f16_to_float(f16_from_float(value)); }
std::uint32_t bits_f16(float value) { return f16_from_float(value); }

// tf32: the top 19 bits of an f32, rounded to nearest with ties away from zero (cvt.rna.tf32.f32).
std::uint32_t bits_tf32(float value) { return (std::bit_cast<std::uint32_t>(value) + 0x1000u) & ~0x1fffu; }
float round_tf32(float value) { return std::bit_cast<float>(bits_tf32(value)); }

struct MmaShape {
  MmaKind kind;
  const char* name;
  int k;       // A is 16 x k, B is k x 8
  int halves;  // values per A/B register: 2 (16-bit types) or 1 (tf32)
  Position (*a_position)(int lane, int reg, int half);
  Position (*b_position)(int lane, int reg, int half);
  float (*round)(float value);           // to the input type
  std::uint32_t (*bits)(float rounded);  // its bits (16-bit types: in the low half)
};

const MmaShape kBf16{.kind = MmaKind::m16n8k16_bf16,
                     .name = "m16n8k16 bf16",
                     .k = 16,
                     .halves = 2,
                     .a_position = a_position_m16n8k16,
                     .b_position = b_position_m16n8k16,
                     .round = round_bf16,
                     .bits = bits_bf16};
const MmaShape kF16{.kind = MmaKind::m16n8k16_f16,
                    .name = "m16n8k16 f16",
                    .k = 16,
                    .halves = 2,
                    .a_position = a_position_m16n8k16,
                    .b_position = b_position_m16n8k16,
                    .round = round_f16,
                    .bits = bits_f16};
const MmaShape kTf32{.kind = MmaKind::m16n8k8_tf32,
                     .name = "m16n8k8 tf32",
                     .k = 8,
                     .halves = 1,
                     .a_position = a_position_m16n8k8,
                     .b_position = b_position_m16n8k8,
                     .round = round_tf32,
                     .bits = bits_tf32};

// The registers of `warps` warps, indexed [warp][lane][reg] as kernels::mma_fragments reads them.
struct Fragments {
  explicit Fragments(int warp_count)
      : warps(warp_count), a(warp_count * kLanes * 4), b(warp_count * kLanes * 2), c(warp_count * kLanes * 4) {}

  static int a_index(int warp, int lane, int reg) { return (warp * kLanes + lane) * 4 + reg; }
  static int b_index(int warp, int lane, int reg) { return (warp * kLanes + lane) * 2 + reg; }
  static int cd_index(int warp, int lane, int reg) { return (warp * kLanes + lane) * 4 + reg; }

  // Puts `value` (already of the input type) into element `half` of a register.
  static void put(std::uint32_t& reg, const MmaShape& shape, int half, float value) {
    const std::uint32_t bits = shape.bits(value);
    reg = shape.halves == 1 ? bits : (reg & ~(0xffffu << 16 * half)) | bits << 16 * half;
  }

  int warps;
  std::vector<std::uint32_t> a, b;
  std::vector<float> c;
};

std::vector<float> run_mma(const MmaShape& shape, const Fragments& fragments, bool in_place) {
  DeviceBuffer<std::uint32_t> a(fragments.a), b(fragments.b);
  DeviceBuffer<float> c(fragments.c), d(fragments.c.size());
  d.fill_bytes(0xff);  // NaN: a register no lane stores fails
  kernels::mma_fragments(shape.kind, in_place, a.get(), b.get(), c.get(), d.get(), fragments.warps);
  return d.download();
}

// Collects failures and shows the first few of them.
class Mismatches {
 public:
  template <typename... Parts>
  void add(const Parts&... parts) {
    if (count_++ >= kShown) return;
    std::ostringstream line;
    (line << ... << parts);
    text_ += line.str() + "\n";
  }
  int count() const { return count_; }
  std::string report() const {
    return std::to_string(count_) + " mismatches" + (count_ > kShown ? ", the first ones:\n" : ":\n") + text_;
  }

 private:
  static constexpr int kShown = 12;
  int count_ = 0;
  std::string text_;
};

// D = A * B + C with double accumulation, and the error bound k 2^-24 (|C| + sum_k |A B|) + 1e-30 of
// f32 accumulation in any order (the interpreter's and a tensor core's differ: tensor_core.cpp).
struct Reference {
  std::vector<double> d, bound;  // [16][8]
};

Reference reference_mma(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c, int k) {
  Reference ref{std::vector<double>(16 * 8), std::vector<double>(16 * 8)};
  for (int row = 0; row < 16; ++row) {
    for (int col = 0; col < 8; ++col) {
      double sum = c[row * 8 + col], magnitude = std::fabs(sum);
      for (int kk = 0; kk < k; ++kk) {
        const double product = static_cast<double>(a[row * k + kk]) * b[kk * 8 + col];
        sum += product;
        magnitude += std::fabs(product);
      }
      ref.d[row * 8 + col] = sum;
      ref.bound[row * 8 + col] = k * std::ldexp(magnitude, -24) + 1e-30;
    }
  }
  return ref;
}

// Random A, B, C for several warps, packed with the documented layouts; D (plain and with d
// aliasing c) against the double reference.
void check_random_tiles(const MmaShape& shape, unsigned seed) {
  constexpr int kWarps = 4;
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  Fragments fragments(kWarps);
  std::vector<Reference> refs;
  for (int w = 0; w < kWarps; ++w) {
    std::vector<float> a(16 * shape.k), b(shape.k * 8), c(16 * 8);
    for (float& v : a) v = shape.round(uniform(engine));
    for (float& v : b) v = shape.round(uniform(engine));
    for (float& v : c) v = uniform(engine);
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int half = 0; half < shape.halves; ++half) {
        for (int reg = 0; reg < 4; ++reg) {
          const Position p = shape.a_position(lane, reg, half);
          Fragments::put(fragments.a[Fragments::a_index(w, lane, reg)], shape, half, a[p.row * shape.k + p.col]);
        }
        for (int reg = 0; reg < 2; ++reg) {
          const Position p = shape.b_position(lane, reg, half);
          Fragments::put(fragments.b[Fragments::b_index(w, lane, reg)], shape, half, b[p.row * 8 + p.col]);
        }
      }
      for (int reg = 0; reg < 4; ++reg) {
        const Position p = cd_position(lane, reg);
        fragments.c[Fragments::cd_index(w, lane, reg)] = c[p.row * 8 + p.col];
      }
    }
    refs.push_back(reference_mma(a, b, c, shape.k));
  }
  for (const bool in_place : {false, true}) {
    const std::vector<float> d = run_mma(shape, fragments, in_place);
    Mismatches mismatches;
    for (int w = 0; w < kWarps; ++w) {
      for (int lane = 0; lane < kLanes; ++lane) {
        for (int reg = 0; reg < 4; ++reg) {
          const Position p = cd_position(lane, reg);
          const float got = d[Fragments::cd_index(w, lane, reg)];
          const double want = refs[w].d[p.row * 8 + p.col], bound = refs[w].bound[p.row * 8 + p.col];
          if (!(std::fabs(got - want) <= bound)) {
            mismatches.add("warp ", w, " lane ", lane, " d[", reg, "] (D[", p.row, "][", p.col, "]) = ", got, ", want ",
                           want, " +- ", bound);
          }
        }
      }
    }
    INFO(shape.name << (in_place ? ", d aliasing c" : ", separate d and c") << ": " << mismatches.report());
    CHECK(mismatches.count() == 0);
  }
}

// Warp p of the run has A = 0 but for a 1 at register position p (lane, reg, half), B registers
// tagged 1 + their position index (exact in every input type), C = 0. D's only nonzero row is the
// documented row of that A element, and D (row, n) is the tag of the B register that documents
// (k = the A element's column, n).
void check_a_layout(const MmaShape& shape) {
  const int positions = kLanes * 4 * shape.halves;
  Fragments fragments(positions);
  std::vector<float> b_tag(shape.k * 8);  // b_tag[k * 8 + n]: the tag of the register documenting B[k][n]
  for (int p = 0; p < positions; ++p) {
    const int lane = p / (4 * shape.halves), reg = p / shape.halves % 4, half = p % shape.halves;
    Fragments::put(fragments.a[Fragments::a_index(p, lane, reg)], shape, half, 1.0f);
    for (int b_lane = 0; b_lane < kLanes; ++b_lane) {
      for (int b_reg = 0; b_reg < 2; ++b_reg) {
        for (int b_half = 0; b_half < shape.halves; ++b_half) {
          const float tag = static_cast<float>(1 + (b_lane * 2 + b_reg) * shape.halves + b_half);
          Fragments::put(fragments.b[Fragments::b_index(p, b_lane, b_reg)], shape, b_half, tag);
          const Position at = shape.b_position(b_lane, b_reg, b_half);
          b_tag[at.row * 8 + at.col] = tag;
        }
      }
    }
  }
  const std::vector<float> d = run_mma(shape, fragments, false);
  Mismatches mismatches;
  for (int p = 0; p < positions; ++p) {
    const int lane = p / (4 * shape.halves), reg = p / shape.halves % 4, half = p % shape.halves;
    const Position one = shape.a_position(lane, reg, half);
    int nonzero = 0;
    for (int d_lane = 0; d_lane < kLanes; ++d_lane) {
      for (int d_reg = 0; d_reg < 4; ++d_reg) {
        const Position at = cd_position(d_lane, d_reg);
        const float got = d[Fragments::cd_index(p, d_lane, d_reg)];
        const float want = at.row == one.row ? b_tag[one.col * 8 + at.col] : 0.0f;
        nonzero += got != 0.0f;
        if (got != want) {
          mismatches.add("A = 1 at lane ", lane, " reg ", reg, " half ", half, " (A[", one.row, "][", one.col,
                         "]): lane ", d_lane, " d[", d_reg, "] (D[", at.row, "][", at.col, "]) = ", got, ", want ",
                         want);
        }
      }
    }
    if (nonzero != 8) {
      mismatches.add("A = 1 at lane ", lane, " reg ", reg, " half ", half, ": ", nonzero,
                     " nonzero d registers, want 8");
    }
  }
  INFO(shape.name << ", one-hot A: " << mismatches.report());
  CHECK(mismatches.count() == 0);
}

// The symmetric experiment: B one-hot at each register position, A registers tagged. D's only
// nonzero column is the documented n of the B element; D (row, n) is the tag of the A register
// that documents (row, k = the B element's k).
void check_b_layout(const MmaShape& shape) {
  const int positions = kLanes * 2 * shape.halves;
  Fragments fragments(positions);
  std::vector<float> a_tag(16 * shape.k);  // a_tag[row * k + col]: the tag of the register documenting A[row][col]
  for (int p = 0; p < positions; ++p) {
    const int lane = p / (2 * shape.halves), reg = p / shape.halves % 2, half = p % shape.halves;
    Fragments::put(fragments.b[Fragments::b_index(p, lane, reg)], shape, half, 1.0f);
    for (int a_lane = 0; a_lane < kLanes; ++a_lane) {
      for (int a_reg = 0; a_reg < 4; ++a_reg) {
        for (int a_half = 0; a_half < shape.halves; ++a_half) {
          const float tag = static_cast<float>(1 + (a_lane * 4 + a_reg) * shape.halves + a_half);  // <= 256
          Fragments::put(fragments.a[Fragments::a_index(p, a_lane, a_reg)], shape, a_half, tag);
          const Position at = shape.a_position(a_lane, a_reg, a_half);
          a_tag[at.row * shape.k + at.col] = tag;
        }
      }
    }
  }
  const std::vector<float> d = run_mma(shape, fragments, false);
  Mismatches mismatches;
  for (int p = 0; p < positions; ++p) {
    const int lane = p / (2 * shape.halves), reg = p / shape.halves % 2, half = p % shape.halves;
    const Position one = shape.b_position(lane, reg, half);  // (k, n)
    int nonzero = 0;
    for (int d_lane = 0; d_lane < kLanes; ++d_lane) {
      for (int d_reg = 0; d_reg < 4; ++d_reg) {
        const Position at = cd_position(d_lane, d_reg);
        const float got = d[Fragments::cd_index(p, d_lane, d_reg)];
        const float want = at.col == one.col ? a_tag[at.row * shape.k + one.row] : 0.0f;
        nonzero += got != 0.0f;
        if (got != want) {
          mismatches.add("B = 1 at lane ", lane, " reg ", reg, " half ", half, " (B[", one.row, "][", one.col,
                         "]): lane ", d_lane, " d[", d_reg, "] (D[", at.row, "][", at.col, "]) = ", got, ", want ",
                         want);
        }
      }
    }
    if (nonzero != 16) {
      mismatches.add("B = 1 at lane ", lane, " reg ", reg, " half ", half, ": ", nonzero,
                     " nonzero d registers, want 16");
    }
  }
  INFO(shape.name << ", one-hot B: " << mismatches.report());
  CHECK(mismatches.count() == 0);
}

// A = B = 0: every d register equals its c register (whatever the C/D layout is).
void check_c_passes_to_d(const MmaShape& shape) {
  constexpr int kWarps = 2;
  Fragments fragments(kWarps);
  for (std::size_t i = 0; i < fragments.c.size(); ++i) fragments.c[i] = 1.0f + 0.25f * static_cast<float>(i);
  for (const bool in_place : {false, true}) {
    const std::vector<float> d = run_mma(shape, fragments, in_place);
    Mismatches mismatches;
    for (int w = 0; w < kWarps; ++w) {
      for (int lane = 0; lane < kLanes; ++lane) {
        for (int reg = 0; reg < 4; ++reg) {
          const int i = Fragments::cd_index(w, lane, reg);
          if (d[i] != fragments.c[i]) {
            mismatches.add("warp ", w, " lane ", lane, " d[", reg, "] = ", d[i], ", want c[", reg,
                           "] = ", fragments.c[i]);
          }
        }
      }
    }
    INFO(shape.name << (in_place ? ", d aliasing c" : ", separate d and c") << ": " << mismatches.report());
    CHECK(mismatches.count() == 0);
  }
}

std::uint32_t float_bits(float value) { return std::bit_cast<std::uint32_t>(value); }

}  // namespace

TEST_CASE("tensorcore: mma m16n8k16 bf16 matches a double reference on random tiles", "[cuda][tensorcore]") {
  check_random_tiles(kBf16, 11);
}

TEST_CASE("tensorcore: mma m16n8k16 f16 matches a double reference on random tiles", "[cuda][tensorcore]") {
  check_random_tiles(kF16, 12);
}

TEST_CASE("tensorcore: mma m16n8k8 tf32 matches a double reference on random tiles", "[cuda][tensorcore]") {
  check_random_tiles(kTf32, 13);
}

TEST_CASE("tensorcore: mma m16n8k16 bf16 fragment layouts from one-hot inputs", "[cuda][tensorcore]") {
  check_a_layout(kBf16);
  check_b_layout(kBf16);
}

TEST_CASE("tensorcore: mma m16n8k16 f16 fragment layouts from one-hot inputs", "[cuda][tensorcore]") {
  check_a_layout(kF16);
  check_b_layout(kF16);
}

TEST_CASE("tensorcore: mma m16n8k8 tf32 fragment layouts from one-hot inputs", "[cuda][tensorcore]") {
  check_a_layout(kTf32);
  check_b_layout(kTf32);
}

TEST_CASE("tensorcore: mma with zero A and B passes every c register to d", "[cuda][tensorcore]") {
  check_c_passes_to_d(kBf16);
  check_c_passes_to_d(kF16);
  check_c_passes_to_d(kTf32);
}

TEST_CASE("tensorcore: ldmatrix x1 x2 x4 with and without trans read the rows the lanes point at",
          "[cuda][tensorcore]") {
  constexpr int kCounts[kernels::kLdmatrixVariants] = {1, 1, 2, 2, 4, 4};
  DeviceBuffer<std::uint32_t> out(kernels::kLdmatrixVariants * kLanes * 4);
  out.fill_bytes(0xff);
  kernels::ldmatrix_variants(out.get());
  const std::vector<std::uint32_t> got = out.download();
  for (int variant = 0; variant < kernels::kLdmatrixVariants; ++variant) {
    const bool trans = variant % 2 == 1;
    Mismatches mismatches;
    for (int lane = 0; lane < kLanes; ++lane) {
      const int g = lane / 4, t = lane % 4;
      for (int i = 0; i < kCounts[variant]; ++i) {
        // Matrix i holds i*64 + row*8 + col at (row, col). Without .trans lane L gets row L/4,
        // columns 2(L%4) (low half) and +1 (high); with .trans column L/4, rows 2(L%4) and +1.
        const std::uint32_t low = trans ? i * 64 + (2 * t) * 8 + g : i * 64 + g * 8 + 2 * t;
        const std::uint32_t high = trans ? low + 8 : low + 1;
        const std::uint32_t want = low | high << 16, value = got[(variant * kLanes + lane) * 4 + i];
        if (value != want) {
          mismatches.add("lane ", lane, " r[", i, "] = {", (value & 0xffff), ", ", (value >> 16), "}, want {", low,
                         ", ", high, "}");
        }
      }
    }
    INFO("ldmatrix.x" << kCounts[variant] << (trans ? ".trans" : "") << ": " << mismatches.report());
    CHECK(mismatches.count() == 0);
  }
}

TEST_CASE("tensorcore: bf16 tile GEMM with cp.async, ldmatrix and mma matches a double reference",
          "[cuda][tensorcore]") {
  constexpr int m = kernels::kTileGemmM, n = kernels::kTileGemmN, k = kernels::kTileGemmK;
  std::mt19937 engine(21);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<vit::bfloat16> a(m * k), b(k * n);
  for (auto& v : a) v = vit::bfloat16::from_float(uniform(engine));
  for (auto& v : b) v = vit::bfloat16::from_float(uniform(engine));
  DeviceBuffer<vit::bfloat16> da(a), db(b);
  DeviceBuffer<float> dc(m * n);
  dc.fill_bytes(0xff);
  kernels::tile_gemm_bf16(da.get(), db.get(), dc.get());
  const std::vector<float> c = dc.download();
  Mismatches mismatches;
  for (int row = 0; row < m; ++row) {
    for (int col = 0; col < n; ++col) {
      double want = 0.0, magnitude = 0.0;
      for (int kk = 0; kk < k; ++kk) {
        const double product = static_cast<double>(a[row * k + kk].to_float()) * b[kk * n + col].to_float();
        want += product;
        magnitude += std::fabs(product);
      }
      const double bound = k * std::ldexp(magnitude, -24) + 1e-30;
      if (!(std::fabs(c[row * n + col] - want) <= bound)) {
        mismatches.add("C[", row, "][", col, "] = ", c[row * n + col], ", want ", want, " +- ", bound);
      }
    }
  }
  INFO(mismatches.report());
  CHECK(mismatches.count() == 0);
}

TEST_CASE("tensorcore: cp.async copies a ragged array in two commit groups with zero fill", "[cuda][tensorcore]") {
  constexpr int n = 37, floats = kernels::kAsyncChunks * 4, first_group = floats / 2;
  std::mt19937 engine(31);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = uniform(engine);
  DeviceBuffer<float> dx(x), after_first(floats), after_all(floats);
  after_first.fill_bytes(0xff);
  after_all.fill_bytes(0xff);
  kernels::cp_async_groups(dx.get(), n, after_first.get(), after_all.get(), nullptr);
  const std::vector<float> first = after_first.download(), all = after_all.download();
  for (int i = 0; i < first_group; ++i) {
    INFO("after cp_async_wait<1>: element " << i);
    CHECK(float_bits(first[i]) == float_bits(x[i]));
  }
  for (int i = 0; i < floats; ++i) {
    INFO("after cp_async_wait<0>: element " << i << (i < n ? " (copied)" : " (zero-filled)"));
    CHECK(float_bits(all[i]) == float_bits(i < n ? x[i] : 0.0f));
  }
}

#if VIT_CUDA_SIM
// On a GPU the shared bytes are undefined until the wait; the interpreter lands copies at the wait.
TEST_CASE("tensorcore: cp.async copies land only at the wait that covers their group", "[cuda][tensorcore]") {
  constexpr int n = 37, floats = kernels::kAsyncChunks * 4, first_group = floats / 2;
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = 1.0f + static_cast<float>(i);
  DeviceBuffer<float> dx(x), after_first(floats), after_all(floats), early(floats);
  for (auto* buffer : {&after_first, &after_all, &early}) buffer->fill_bytes(0);
  kernels::cp_async_groups(dx.get(), n, after_first.get(), after_all.get(), early.get());
  const std::vector<float> got_early = early.download(), first = after_first.download(), all = after_all.download();
  for (int i = 0; i < floats; ++i) {
    INFO("element " << i);
    CHECK(float_bits(got_early[i]) == 0xffffffffu);  // before any wait: the kernel's poison
    CHECK(float_bits(first[i]) == (i < first_group ? float_bits(x[i]) : 0xffffffffu));
    CHECK(float_bits(all[i]) == float_bits(i < n ? x[i] : 0.0f));
  }
}

// Misuses that are undefined behaviour on a GPU; the interpreter reports them.
TEST_CASE("tensorcore: an mma that one lane skips is reported with the lane and the source line",
          "[cuda][tensorcore]") {
  DeviceBuffer<float> out(kLanes);
  const std::string site = "tensor_core_kernels.cu:" + std::to_string(kernels::skipped_mma_line());
  CHECK_THROWS_AS(kernels::mma_skipped_by_lane_5(out.get()), vit::Error);
  CHECK_THROWS_WITH(kernels::mma_skipped_by_lane_5(out.get()), Catch::Contains("lane 5") && Catch::Contains(site));
}

TEST_CASE("tensorcore: an mma in a warp of 16 threads is reported", "[cuda][tensorcore]") {
  DeviceBuffer<float> out(48);
  CHECK_THROWS_AS(kernels::mma_in_partial_warp(out.get()), vit::Error);
  CHECK_THROWS_WITH(kernels::mma_in_partial_warp(out.get()), Catch::Contains("only 16 threads"));
}

TEST_CASE("tensorcore: ldmatrix from a misaligned shared address is reported", "[cuda][tensorcore]") {
  DeviceBuffer<std::uint32_t> out(kLanes);
  CHECK_THROWS_AS(kernels::ldmatrix_misaligned(out.get()), vit::Error);
  CHECK_THROWS_WITH(kernels::ldmatrix_misaligned(out.get()),
                    Catch::Contains("ldmatrix") && Catch::Contains("16-byte aligned"));
}

TEST_CASE("tensorcore: cp.async to global memory instead of shared is reported", "[cuda][tensorcore]") {
  DeviceBuffer<float> x(std::vector<float>(16, 1.0f)), destination(16);
  CHECK_THROWS_AS(kernels::cp_async_to_global(x.get(), destination.get()), vit::Error);
  CHECK_THROWS_WITH(kernels::cp_async_to_global(x.get(), destination.get()),
                    Catch::Contains("cp.async") && Catch::Contains("shared memory"));
}
#endif
