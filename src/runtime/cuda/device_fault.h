#pragma once
// Faults that kernels find in their inputs but cannot throw, such as a label outside the classes.
// Checking such inputs on the host would copy them back and wait for the device every step; the
// kernel records the first fault in one device record instead, and the host raises it as a
// vit::Error at its next copy from the device (copy_to_host, Tensor::to(cpu), item()), where it
// waits for the device anyway. Kernels report through device_fault.cuh.
#include <cstdint>

namespace vit::cuda {

enum class FaultKind : std::int32_t {
  none = 0,
  label_out_of_range = 1,  // values: the label, its sample, the number of classes
};

struct DeviceFault {
  std::int32_t kind;  // a FaultKind; the first kernel to set it wins
  std::int32_t unused;
  std::int64_t values[3];  // what the message names
};

DeviceFault* device_fault_record();  // device memory, all zero until a kernel reports a fault
// Throws the recorded fault as one sentence and clears the record; returns when there is none.
// Copies the record back (waiting for the device) once any kernel has asked for the record.
void raise_device_fault();

}  // namespace vit::cuda
