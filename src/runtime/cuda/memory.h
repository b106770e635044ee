#pragma once
// Device memory: raw allocation and copies (checked), and DeviceBuffer<T>, an owning array.
#include <cstddef>
#include <utility>
#include <vector>

#include "vitcuda/runtime/check.h"

namespace vit::cuda {

void* device_alloc(std::size_t bytes);
void device_free(void* pointer) noexcept;  // reports a failure on stderr (destructors cannot throw)
// Queued on the compute stream; a pageable host source is staged before the call returns, so it
// may be reused at once.
void copy_to_device(void* device_destination, const void* host_source, std::size_t bytes);
// Waits for the device, then raises any fault a kernel reported (device_fault.h).
void copy_to_host(void* host_destination, const void* device_source, std::size_t bytes);
void fill_device_bytes(void* device_destination, unsigned char byte, std::size_t bytes);

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count)
      : data_(static_cast<T*>(device_alloc(count * sizeof(T)))), count_(count) {}
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { device_free(data_); }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  std::size_t size() const { return count_; }
  void upload(const std::vector<T>& host) {
    VIT_CHECK(host.size() == count_, "upload of ", host.size(), " values into a device buffer of ", count_, ".");
    copy_to_device(data_, host.data(), count_ * sizeof(T));
  }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    copy_to_host(host.data(), data_, count_ * sizeof(T));
    return host;
  }
  void fill_bytes(unsigned char byte) { fill_device_bytes(data_, byte, count_ * sizeof(T)); }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace vit::cuda
