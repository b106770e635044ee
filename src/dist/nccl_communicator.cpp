// NCCL for the cuda tensors of a data-parallel run. One communicator per process, on the GPU the
// process selected; the all-reduces go on a stream of their own, ordered with the compute
// stream by events, so that a bucket of gradients travels while the backward walk goes on.
#include "dist/nccl_communicator.h"

#include <nccl.h>

#include <cstring>

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/stream.h"

namespace vit::dist {

namespace {

void check_nccl(ncclResult_t result, const char* call) {
  VIT_CHECK(result == ncclSuccess, call, " failed: ", ncclGetErrorString(result), ".");
}

ncclDataType_t nccl_type(DType dtype) {
  VIT_CHECK(dtype == DType::f32 || dtype == DType::bf16, "NCCL collectives take f32 or bf16 tensors here, got ",
            dtype_name(dtype), ".");
  return dtype == DType::f32 ? ncclFloat32 : ncclBfloat16;
}

}  // namespace

struct NcclCommunicator::Impl {
  ncclComm_t comm = nullptr;
  cuda::Stream stream;  // the all-reduces' own stream
  cudaEvent_t compute_done = nullptr, reduces_done = nullptr;
  bool queued = false;  // an all-reduce was queued since the last wait()
};

NcclCommunicator::UniqueId NcclCommunicator::make_unique_id() {
  static_assert(sizeof(ncclUniqueId) == sizeof(UniqueId));
  ncclUniqueId id;
  check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  UniqueId bytes;
  std::memcpy(bytes.data(), &id, sizeof(id));
  return bytes;
}

NcclCommunicator::NcclCommunicator(int rank, int size, const UniqueId& id) : impl_(std::make_unique<Impl>()) {
  ncclUniqueId nccl_id;
  std::memcpy(&nccl_id, id.data(), sizeof(nccl_id));
  check_nccl(ncclCommInitRank(&impl_->comm, size, nccl_id, rank), "ncclCommInitRank");
  CUDA_CHECK(cudaEventCreateWithFlags(&impl_->compute_done, cudaEventDisableTiming));
  CUDA_CHECK(cudaEventCreateWithFlags(&impl_->reduces_done, cudaEventDisableTiming));
}

NcclCommunicator::~NcclCommunicator() {
  cudaEventDestroy(impl_->compute_done);
  cudaEventDestroy(impl_->reduces_done);
  ncclCommDestroy(impl_->comm);
}

void NcclCommunicator::all_reduce_mean(const Tensor& tensor) {
  const cudaStream_t compute = cuda::compute_stream(), own = impl_->stream.get();
  CUDA_CHECK(cudaEventRecord(impl_->compute_done, compute));  // the gradients are written
  CUDA_CHECK(cudaStreamWaitEvent(own, impl_->compute_done, 0));
  check_nccl(ncclAllReduce(tensor.raw_data(), tensor.raw_data(), static_cast<std::size_t>(tensor.numel()),
                           nccl_type(tensor.dtype()), ncclAvg, impl_->comm, own),
             "ncclAllReduce");
  impl_->queued = true;
}

void NcclCommunicator::broadcast(const Tensor& tensor, int root) {
  check_nccl(ncclBroadcast(tensor.raw_data(), tensor.raw_data(), static_cast<std::size_t>(tensor.numel()),
                           nccl_type(tensor.dtype()), root, impl_->comm, cuda::compute_stream()),
             "ncclBroadcast");
}

void NcclCommunicator::wait() {
  if (!impl_->queued) return;
  CUDA_CHECK(cudaEventRecord(impl_->reduces_done, impl_->stream.get()));
  CUDA_CHECK(cudaStreamWaitEvent(cuda::compute_stream(), impl_->reduces_done, 0));
  impl_->queued = false;
}

}  // namespace vit::dist
