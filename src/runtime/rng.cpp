#include "vitcuda/runtime/rng.h"

#include <random>

namespace vit {

float Rng::normal(float mean, float stddev) { return std::normal_distribution<float>(mean, stddev)(engine_); }

float Rng::uniform(float low, float high) { return std::uniform_real_distribution<float>(low, high)(engine_); }

}  // namespace vit
