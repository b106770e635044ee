// The interpreter's tensor-core instructions, from the PTX ISA's fragment tables (ISA 9.2):
//   9.7.14.5.8  "Matrix Fragments for mma.m16n8k16 with floating point type"
//   9.7.14.5.7  "Matrix Fragments for mma.m16n8k8" (.tf32)
//   9.7.14.5.15 "Warp-level matrix load instruction: ldmatrix"
// Each lane hands in pointers to its fragment registers; once the whole warp has arrived, the
// completion gathers the fragments into whole matrices, computes, and scatters each lane's part.
//
// Arithmetic: a product of two bf16, f16 or tf32 values has at most 22 significant bits, so it is
// exact in f32; the interpreter adds them to C in f32, in k order (each addition rounded to
// nearest). The ISA leaves the accumulation order, the intermediate rounding and subnormal
// handling unspecified ("at least single precision"); tensor cores add groups of products in an
// order and with an alignment of their own, so a GPU result may differ from the interpreter's in
// the last bits of an element: both are within about k * 2^-24 of the sum of |C| and |products|
// of the exact result, the bound the tests use. Inputs small enough to add exactly (small
// integers) give the same bits everywhere.
#include <bit>
#include <cmath>
#include <cstring>

#include "runtime/simt/simt.h"

namespace vit::simt::detail {

namespace {

constexpr int kLanes = 32;

int group_of(int lane) { return lane >> 2; }        // groupID
int thread_in_group(int lane) { return lane & 3; }  // threadID_in_group

float bf16_to_float(std::uint16_t bits) { return std::bit_cast<float>(std::uint32_t{bits} << 16); }

float f16_to_float(std::uint16_t bits) {
  const int sign = bits >> 15, exponent = bits >> 10 & 0x1f, mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal
  } else if (exponent == 0x1f) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return sign != 0 ? -magnitude : magnitude;
}

float tf32_to_float(std::uint32_t bits) { return std::bit_cast<float>(bits & ~0x1fffu); }

// Element `half` (0: low 16 bits, 1: high) of a register holding two 16-bit values.
float half_of(std::uint32_t reg, int half, MmaInput input) {
  const auto bits = static_cast<std::uint16_t>(half == 0 ? reg & 0xffff : reg >> 16);
  return input == MmaInput::bf16 ? bf16_to_float(bits) : f16_to_float(bits);
}

struct MmaLane {
  MmaInput input;
  float* d;
  const std::uint32_t* a;
  const std::uint32_t* b;
  const float* c;
};

// D[16][8] = A[16][K] B[K][8] + C, with the C/D fragment of every shape (row g or g+8, column
// 2t or 2t+1), then each lane's d from D.
template <int K>
void multiply_and_scatter(void* const* lanes, const float (&a)[16][K], const float (&b)[K][8],
                          const float (&c)[16][8]) {
  float d[16][8];
  for (int row = 0; row < 16; ++row) {
    for (int col = 0; col < 8; ++col) {
      float sum = c[row][col];
      for (int k = 0; k < K; ++k) sum += a[row][k] * b[k][col];  // the product is exact
      d[row][col] = sum;
    }
  }
  for (int lane = 0; lane < kLanes; ++lane) {
    const int g = group_of(lane), t = thread_in_group(lane);
    float* out = static_cast<MmaLane*>(lanes[lane])->d;
    for (int i = 0; i < 4; ++i) out[i] = d[g + (i >= 2 ? 8 : 0)][2 * t + (i & 1)];
  }
}

void gather_c(void* const* lanes, float (&c)[16][8]) {
  for (int lane = 0; lane < kLanes; ++lane) {
    const int g = group_of(lane), t = thread_in_group(lane);
    const float* in = static_cast<const MmaLane*>(lanes[lane])->c;
    for (int i = 0; i < 4; ++i) c[g + (i >= 2 ? 8 : 0)][2 * t + (i & 1)] = in[i];
  }
}

void complete_m16n8k16(void* const* lanes) {
  float a[16][16], b[16][8], c[16][8];
  const MmaInput input = static_cast<const MmaLane*>(lanes[0])->input;
  for (int lane = 0; lane < kLanes; ++lane) {
    const auto& in = *static_cast<const MmaLane*>(lanes[lane]);
    const int g = group_of(lane), t = thread_in_group(lane);
    for (int reg = 0; reg < 4; ++reg) {  // a: rows g, g+8, g, g+8; columns 2t.. then 2t+8..
      const int row = g + (reg & 1) * 8, col = 2 * t + (reg >> 1) * 8;
      for (int half = 0; half < 2; ++half) a[row][col + half] = half_of(in.a[reg], half, input);
    }
    for (int reg = 0; reg < 2; ++reg) {  // b: rows (k) 2t.. then 2t+8.., column (n) g
      for (int half = 0; half < 2; ++half) b[2 * t + reg * 8 + half][g] = half_of(in.b[reg], half, input);
    }
  }
  gather_c(lanes, c);
  multiply_and_scatter<16>(lanes, a, b, c);
}

void complete_m16n8k8_tf32(void* const* lanes) {
  float a[16][8], b[8][8], c[16][8];
  for (int lane = 0; lane < kLanes; ++lane) {
    const auto& in = *static_cast<const MmaLane*>(lanes[lane]);
    const int g = group_of(lane), t = thread_in_group(lane);
    for (int reg = 0; reg < 4; ++reg) a[g + (reg & 1) * 8][t + (reg >> 1) * 4] = tf32_to_float(in.a[reg]);
    for (int reg = 0; reg < 2; ++reg) b[t + reg * 4][g] = tf32_to_float(in.b[reg]);
  }
  gather_c(lanes, c);
  multiply_and_scatter<8>(lanes, a, b, c);
}

constexpr WarpCollective kMmaM16n8k16{"mma.sync.aligned.m16n8k16", complete_m16n8k16};
constexpr WarpCollective kMmaM16n8k8Tf32{"mma.sync.aligned.m16n8k8.tf32", complete_m16n8k8_tf32};

// ldmatrix: lane 8i+r handed in row r of matrix i (8 16-bit values). Register i of lane l gets
// row l/4, columns 2(l%4) and +1; with .trans, rows 2(l%4) and +1 of column l/4.
template <int Count, bool Trans>
void complete_ldmatrix(void* const* lanes) {
  std::uint16_t matrix[Count][8][8];
  for (int i = 0; i < Count; ++i) {
    for (int r = 0; r < 8; ++r) std::memcpy(matrix[i][r], static_cast<const LdmatrixLane*>(lanes[8 * i + r])->row, 16);
  }
  for (int lane = 0; lane < kLanes; ++lane) {
    const int g = group_of(lane), t = thread_in_group(lane);
    std::uint32_t* out = static_cast<LdmatrixLane*>(lanes[lane])->registers;
    for (int i = 0; i < Count; ++i) {
      const std::uint16_t low = Trans ? matrix[i][2 * t][g] : matrix[i][g][2 * t];
      const std::uint16_t high = Trans ? matrix[i][2 * t + 1][g] : matrix[i][g][2 * t + 1];
      out[i] = std::uint32_t{low} | std::uint32_t{high} << 16;
    }
  }
}

constexpr WarpCollective kLdmatrix[3][2] = {
    {{"ldmatrix.sync.aligned.m8n8.x1", complete_ldmatrix<1, false>},
     {"ldmatrix.sync.aligned.m8n8.x1.trans", complete_ldmatrix<1, true>}},
    {{"ldmatrix.sync.aligned.m8n8.x2", complete_ldmatrix<2, false>},
     {"ldmatrix.sync.aligned.m8n8.x2.trans", complete_ldmatrix<2, true>}},
    {{"ldmatrix.sync.aligned.m8n8.x4", complete_ldmatrix<4, false>},
     {"ldmatrix.sync.aligned.m8n8.x4.trans", complete_ldmatrix<4, true>}},
};

}  // namespace

void mma_m16n8k16(MmaInput input, float* d, const std::uint32_t* a, const std::uint32_t* b, const float* c,
                  const char* file, int line) {
  MmaLane lane{input, d, a, b, c};
  float result[4];
  lane.d = result;  // d may alias c: every lane's c is read before any d is written
  warp_collective(kMmaM16n8k16, &lane, file, line);
  std::memcpy(d, result, sizeof(result));
}

void mma_m16n8k8_tf32(float* d, const std::uint32_t* a, const std::uint32_t* b, const float* c, const char* file,
                      int line) {
  float result[4];
  MmaLane lane{MmaInput::bf16, result, a, b, c};
  warp_collective(kMmaM16n8k8Tf32, &lane, file, line);
  std::memcpy(d, result, sizeof(result));
}

const WarpCollective& ldmatrix_op(int count, bool trans) {
  return kLdmatrix[count == 1 ? 0 : count == 2 ? 1 : 2][trans];
}

}  // namespace vit::simt::detail
