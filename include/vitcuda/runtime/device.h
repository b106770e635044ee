#pragma once
// Where a tensor's storage lives.
#include <cstddef>
#include <string>

namespace vit {

enum class DeviceKind { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;

  static Device cpu() { return {DeviceKind::cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceKind::cuda, index}; }
  bool is_cpu() const { return kind == DeviceKind::cpu; }
  bool is_cuda() const { return kind == DeviceKind::cuda; }
  bool operator==(const Device&) const = default;
  std::string str() const;
};

// What the cuda caching allocator holds for tensors (all zero on the cpu, whose memory is the OS's).
struct DeviceMemory {
  std::size_t in_use_bytes = 0;       // handed out to live tensors
  std::size_t peak_in_use_bytes = 0;  // the high-water mark of in_use_bytes
  std::size_t cached_bytes = 0;       // freed, kept for reuse
};
DeviceMemory device_memory(Device device);

// Makes GPU `ordinal` the one this process's cuda tensors live on (a data-parallel run's local
// rank); call it before any cuda work. The interpreter build has one device and ignores it.
void use_cuda_device(int ordinal);

}  // namespace vit
