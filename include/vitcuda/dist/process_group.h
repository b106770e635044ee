#pragma once
// The processes of a data-parallel run (docs/distributed.md). `mpirun -np N prog` starts N copies
// of a program; each reads its rank, the world size and its local rank (its index on its machine,
// which picks its GPU) from the launcher's environment. They exchange metrics and cpu tensors
// through MPI's collectives, and cuda tensors through a NCCL communicator (nvcc builds; the
// interpreter build, whose device memory is host memory, sends them through MPI as well).
//
//   dist::ProcessGroup& group = dist::ProcessGroup::init();
//   for (const NamedTensor& p : model.named_parameters()) group.broadcast(p.tensor, 0);
//   ...
//   group.all_reduce_sum(totals);  // the same sums on every rank
//
// A collective that waits longer than the timeout for the other processes (one died or hangs)
// ends this process with one sentence on stderr; mpirun then stops the others.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "vitcuda/runtime/tensor.h"

namespace vit::dist {

// What the launcher's environment says about this process (Open MPI's OMPI_COMM_WORLD_* or the
// PMI_* of MPICH-style launchers), read without starting MPI; {0, 1, 0} outside a launcher.
struct LaunchInfo {
  int rank = 0, size = 1, local_rank = 0;
};
LaunchInfo launch_info_from_environment();

struct GroupOptions {
  bool enabled = true;           // false: this process alone, whatever the environment says
  double timeout_seconds = 600;  // the longest a collective waits for the other processes
};

class ProcessGroup {
 public:
  // This process's group, made at the first call (MPI starts then, when the launcher started
  // several processes) and kept to the end of the program; later calls return it. Throws when
  // the environment asks for several processes and this build has no MPI.
  static ProcessGroup& init(const GroupOptions& options = {});
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }
  bool distributed() const { return size_ > 1; }
  bool is_root() const { return rank_ == 0; }
  // "nccl" or "mpi": what carries tensors on `device`; "none" for a single process.
  std::string backend(Device device) const;

  // Element-wise sums of host values across the processes, in place (metrics, counts).
  void all_reduce_sum(std::span<double> values);
  void all_reduce_sum(std::span<std::int64_t> values);
  // Overwrites `tensor` on every process with root's (initial weights).
  void broadcast(const Tensor& tensor, int root = 0);
  // Replaces an f32 tensor by its mean over the processes, in place. Through NCCL it is queued on
  // the communicator's own stream after the work queued on the compute stream so far, and runs
  // beside what is queued after; wait() makes later compute work see every result. Through MPI
  // it is done when it returns.
  void all_reduce_mean(const Tensor& tensor);
  void wait();

 private:
  struct Impl;
  explicit ProcessGroup(const LaunchInfo& launch, const GroupOptions& options);
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::unique_ptr<Impl> impl_;
};

// Where this process belongs to a group of several: prints nothing, ends every process of the run
// with `code` (MPI_Abort). A rank that returned from main with an error would leave the others
// waiting in their next collective; a program calls this after printing its error. Else returns.
void abort_run_on_error(int code);

}  // namespace vit::dist
