#include "vitcuda/runtime/device.h"

#include <string>

namespace vit {

std::string Device::str() const { return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index); }

}  // namespace vit
