// The process group: MPI for host values and cpu tensors (and cuda tensors where there is no
// NCCL), a NCCL communicator for cuda tensors, a watchdog around every blocking wait. A build
// without MPI has only the group of one process.
#include "vitcuda/dist/process_group.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dist/watchdog.h"
#include "vitcuda/runtime/check.h"

#if VIT_HAVE_MPI
#include <mpi.h>
#endif
#ifndef VIT_HAVE_NCCL
#define VIT_HAVE_NCCL 0
#endif
#if VIT_HAVE_NCCL
#include "dist/nccl_communicator.h"
#endif

namespace vit::dist {

namespace {

// The first of these environment variables that is set, as a number; `fallback` when none is.
int env_int(std::initializer_list<const char*> names, int fallback) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    const long number = std::strtol(value, &end, 10);
    VIT_CHECK(*end == '\0' && number >= 0 && number < INT_MAX, "the environment variable ", name, "='", value,
              "' is not a process count or index.");
    return static_cast<int>(number);
  }
  return fallback;
}

std::unique_ptr<ProcessGroup>& the_group() {
  static std::unique_ptr<ProcessGroup> group;  // made by init(), destroyed at exit: MPI_Finalize
  return group;
}

}  // namespace

LaunchInfo launch_info_from_environment() {
  LaunchInfo info;
  info.size = env_int({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}, 1);
  info.rank = env_int({"OMPI_COMM_WORLD_RANK", "PMI_RANK"}, 0);
  info.local_rank = env_int({"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"}, 0);
  VIT_CHECK(info.size >= 1 && info.rank < info.size, "the launcher's environment gives rank ", info.rank, " of ",
            info.size, " processes.");
  return info;
}

#if VIT_HAVE_MPI

namespace {

void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  VIT_FAIL(call, " failed: ", std::string(text, static_cast<std::size_t>(length)), ".");
}

// Calls collective(offset, count) over [0, total) in pieces: MPI counts are ints.
template <typename Collective>
void in_pieces(std::int64_t total, Collective collective) {
  constexpr std::int64_t kPiece = 1 << 28;
  for (std::int64_t offset = 0; offset < total; offset += kPiece) {
    collective(offset, static_cast<int>(std::min(kPiece, total - offset)));
  }
}

// Runs `change` on host memory holding `tensor`'s values: the tensor itself on the cpu, else a
// copy whose result goes back to the device (MPI reads and writes host memory).
template <typename Change>
void on_host(const Tensor& tensor, Change change) {
  const Tensor host = tensor.device().is_cpu() ? tensor : tensor.to(Device::cpu());
  change(host);
  if (tensor.device().is_cuda()) Tensor(tensor).copy_from(host);  // a view of the same storage
}

}  // namespace

struct ProcessGroup::Impl {
  Watchdog watchdog;
#if VIT_HAVE_NCCL
  std::unique_ptr<NcclCommunicator> nccl_communicator;  // made at the first cuda tensor

  NcclCommunicator& nccl(int rank, int size) {
    if (nccl_communicator) return *nccl_communicator;
    NcclCommunicator::UniqueId id{};
    if (rank == 0) id = NcclCommunicator::make_unique_id();
    {
      Watchdog::Wait wait(watchdog, "the NCCL set-up");
      check_mpi(MPI_Bcast(id.data(), static_cast<int>(id.size()), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
    }
    nccl_communicator = std::make_unique<NcclCommunicator>(rank, size, id);
    return *nccl_communicator;
  }
#endif
  Impl(int rank, double timeout_seconds) : watchdog(rank, timeout_seconds) {}

  // Element-wise sums of host values across the processes, in place.
  void sum(void* values, std::size_t count, MPI_Datatype type, const char* what) {
    Watchdog::Wait wait(watchdog, what);
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count), type, MPI_SUM, MPI_COMM_WORLD),
              "MPI_Allreduce");
  }
};

ProcessGroup::ProcessGroup(const LaunchInfo& launch, const GroupOptions& options) {
  if (!options.enabled || launch.size == 1) return;
  VIT_CHECK(options.timeout_seconds > 0, "the collective timeout must be positive, got ", options.timeout_seconds,
            " s.");
  int provided = 0;  // only the main thread calls MPI
  check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  local_rank_ = launch.local_rank;
  impl_ = std::make_unique<Impl>(rank_, options.timeout_seconds);
}

ProcessGroup::~ProcessGroup() {
  if (!impl_) return;
#if VIT_HAVE_NCCL
  // The group is destroyed at exit, when the CUDA runtime may already have shut down (it was
  // made first): the communicator is left to the end of the process rather than torn down
  // against a runtime that is gone.
  static_cast<void>(impl_->nccl_communicator.release());
#endif
  impl_.reset();
  MPI_Finalize();
}

std::string ProcessGroup::backend(Device device) const {
  if (!distributed()) return "none";
  return device.is_cuda() && VIT_HAVE_NCCL ? "nccl" : "mpi";
}

void ProcessGroup::all_reduce_sum(std::span<double> values) {
  if (distributed()) impl_->sum(values.data(), values.size(), MPI_DOUBLE, "a metrics all-reduce");
}

void ProcessGroup::all_reduce_sum(std::span<std::int64_t> values) {
  if (distributed()) impl_->sum(values.data(), values.size(), MPI_INT64_T, "a metrics all-reduce");
}

void ProcessGroup::broadcast(const Tensor& tensor, int root) {
  VIT_CHECK(root >= 0 && root < size_, "broadcast from rank ", root, " in a group of ", size_, " processes.");
  if (!distributed()) return;
#if VIT_HAVE_NCCL
  if (tensor.device().is_cuda()) return impl_->nccl(rank_, size_).broadcast(tensor, root);
#endif
  on_host(tensor, [&](const Tensor& host) {
    auto* bytes = static_cast<char*>(host.raw_data());
    Watchdog::Wait wait(impl_->watchdog, "a broadcast");
    in_pieces(static_cast<std::int64_t>(host.nbytes()), [&](std::int64_t offset, int count) {
      check_mpi(MPI_Bcast(bytes + offset, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    });
  });
}

void ProcessGroup::all_reduce_mean(const Tensor& tensor) {
  VIT_CHECK(tensor.dtype() == DType::f32, "all_reduce_mean takes f32 tensors, got ", dtype_name(tensor.dtype()), ".");
  if (!distributed()) return;
#if VIT_HAVE_NCCL
  if (tensor.device().is_cuda()) return impl_->nccl(rank_, size_).all_reduce_mean(tensor);
#endif
  on_host(tensor, [&](const Tensor& host) {
    float* values = host.data<float>();
    in_pieces(host.numel(), [&](std::int64_t offset, int count) {
      impl_->sum(values + offset, static_cast<std::size_t>(count), MPI_FLOAT, "a gradient all-reduce");
    });
    const float scale = 1.0f / static_cast<float>(size_);
    for (std::int64_t i = 0, n = host.numel(); i < n; ++i) values[i] *= scale;
  });
}

void ProcessGroup::wait() {
#if VIT_HAVE_NCCL
  if (distributed() && impl_->nccl_communicator) impl_->nccl_communicator->wait();
#endif
}

void abort_run_on_error(int code) {
  if (!the_group() || !the_group()->distributed()) return;
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
}

#else  // no MPI: one process

struct ProcessGroup::Impl {};

ProcessGroup::ProcessGroup(const LaunchInfo& launch, const GroupOptions& options) {
  VIT_CHECK(!options.enabled || launch.size == 1, "this process is one of ", launch.size,
            " started by an MPI launcher, but this vitcuda was built without MPI: install libopenmpi-dev "
            "(scripts/install-deps) and rebuild, or run a single process.");
}

ProcessGroup::~ProcessGroup() = default;
std::string ProcessGroup::backend(Device) const { return "none"; }
void ProcessGroup::all_reduce_sum(std::span<double>) {}
void ProcessGroup::all_reduce_sum(std::span<std::int64_t>) {}
void ProcessGroup::broadcast(const Tensor&, int root) {
  VIT_CHECK(root == 0, "broadcast from rank ", root, " in a group of 1 process.");
}
void ProcessGroup::all_reduce_mean(const Tensor&) {}
void ProcessGroup::wait() {}
void abort_run_on_error(int) {}  // never more than one process

#endif

ProcessGroup& ProcessGroup::init(const GroupOptions& options) {
  std::unique_ptr<ProcessGroup>& group = the_group();
  if (!group) group.reset(new ProcessGroup(launch_info_from_environment(), options));
  return *group;
}

}  // namespace vit::dist
