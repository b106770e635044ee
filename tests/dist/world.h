#pragma once
// What the data-parallel tests share: the world's process group (main.cpp made it) and the
// devices the tests run on: cpu, and in the interpreter build cuda tensors too, which go
// through MPI via host memory there.
#include <vector>

#include "vitcuda/dist/process_group.h"

namespace vit::testing {

inline dist::ProcessGroup& world() { return dist::ProcessGroup::init(); }

inline std::vector<Device> dist_devices() {
#if VIT_CUDA_SIM
  return {Device::cpu(), Device::cuda()};
#else
  return {Device::cpu()};
#endif
}

}  // namespace vit::testing
