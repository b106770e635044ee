#pragma once
// A NCCL communicator for the cuda tensors of a data-parallel run (nvcc builds with NCCL). Its
// all-reduces run on its own stream: each waits (on the device) for the work queued on the
// compute stream before it, and wait() makes the compute stream wait for all of them.
#include <array>
#include <memory>

#include "vitcuda/runtime/tensor.h"

namespace vit::dist {

class NcclCommunicator {
 public:
  using UniqueId = std::array<char, 128>;  // ncclUniqueId's bytes
  static UniqueId make_unique_id();        // on rank 0; the others receive it (over MPI)

  // Joins the communicator of `size` ranks that `id` names, on this process's current GPU.
  NcclCommunicator(int rank, int size, const UniqueId& id);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  void all_reduce_mean(const Tensor& tensor);      // f32 or bf16, queued on the communicator's stream
  void broadcast(const Tensor& tensor, int root);  // queued on the compute stream
  void wait();                                     // the compute stream waits for every queued all-reduce

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vit::dist
