#pragma once
// The gradient all-reduce of data-parallel training, in buckets that overlap the backward walk
// (as PyTorch DDP's reducer does). The trainable parameters are laid out in reverse order, the
// order a backward walk of a ViT produces their gradients in, and cut into buckets of about
// `bucket_bytes`. While the tape walks, a bucket whose parameters all got their gradient goes out
// at once (NCCL: on the communication stream, beside the rest of the walk); buckets go out in
// bucket order on every process, so the sums never depend on timing. finish() sends the rest
// and leaves every gradient holding its mean over the processes.
//
//   GradReducer reducer(group, model.named_parameters());
//   reducer.begin();
//   tape.backward(loss, seed, [&] { reducer.on_backward_progress(); });
//   reducer.finish();
//   optimizer.step();
//
// Every trainable parameter must get exactly one gradient per walk, as with DDP without
// find_unused_parameters; finish() names a parameter that did not.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "vitcuda/dist/process_group.h"
#include "vitcuda/runtime/named_tensor.h"

namespace vit::dist {

class GradReducer {
 public:
  static constexpr std::size_t kDefaultBucketBytes = 25u << 20;

  GradReducer(ProcessGroup& group, const std::vector<NamedTensor>& params,
              std::size_t bucket_bytes = kDefaultBucketBytes);

  void begin();                 // before the walk whose gradients are reduced
  void on_backward_progress();  // after each entry of the walk: sends the buckets now complete
  void finish();                // after the walk: sends the rest; gradients then hold the mean

  std::size_t buckets() const { return buckets_.size(); }
  std::size_t buckets_sent() const { return next_bucket_; }  // so far in this walk

 private:
  struct Bucket {
    std::vector<std::size_t> params;  // indices into params_
    Tensor flat;                      // f32, the bucket's gradients one after another
  };
  bool ready(const Bucket& bucket) const;
  void send(Bucket& bucket);
  void unpack(const Bucket& bucket);

  ProcessGroup& group_;
  std::vector<NamedTensor> params_;    // trainable, in reverse order
  std::vector<std::uint64_t> before_;  // each parameter's gradient count at begin()
  std::vector<std::uint64_t> sent_;    // ... when its bucket was packed
  std::vector<Bucket> buckets_;
  std::size_t next_bucket_ = 0;
  bool walking_ = false;
};

}  // namespace vit::dist
