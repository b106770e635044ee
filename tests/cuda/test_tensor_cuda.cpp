// Tensors on cuda: copies between devices, host reads (to_vector, item), clone, fill, copy_from,
// views, gradient accumulation, and the caching allocator (reuse without new device allocations,
// thread safety).
#include <catch2/catch.hpp>

#include <atomic>

#include <thread>
#include <vector>

#include "runtime/cuda/caching_allocator.h"
#include "vitcuda/runtime/tensor.h"

using namespace vit;

TEST_CASE("cuda tensor: values round trip between devices", "[cuda][tensor]") {
  const Tensor host = Tensor::from_vector({1.5f, -2.0f, 3.25f, 4.0f, 5.0f, -6.5f}, {2, 3});
  const Tensor device = host.to(Device::cuda());
  CHECK(device.device() == Device::cuda());
  CHECK(device.shape() == host.shape());
  CHECK(device.to_vector() == host.to_vector());
  CHECK(device.to(Device::cpu()).to_vector() == host.to_vector());
  CHECK(device.to(Device::cuda()).same_as(device));  // already there: no copy
  CHECK(device.slice(1, 2).to_vector() == std::vector<float>{4.0f, 5.0f, -6.5f});
  CHECK(device.reshape({6}).slice(2, 3).item() == 3.25f);
  const Tensor labels = Tensor::from_int32({3, -1}, {2}).to(Device::cuda());
  CHECK(labels.to_vector() == std::vector<float>{3.0f, -1.0f});
}

TEST_CASE("cuda tensor: fill writes every dtype's bits on the device as on the host", "[cuda][tensor]") {
  // 1.00390625 is halfway between two bf16 values (rounds to even); -3.7 truncates as an i32.
  for (const DType dtype : {DType::f32, DType::bf16, DType::i32, DType::u8}) {
    for (const float value : {1.00390625f, -3.7f, 200.0f}) {
      if (dtype == DType::u8 && value < 0) continue;
      CAPTURE(dtype_name(dtype), value);
      Tensor on_device = Tensor::empty({1003}, dtype, Device::cuda());
      Tensor on_host = Tensor::empty({1003}, dtype);
      on_device.fill(value);
      on_host.fill(value);
      CHECK(on_device.to_vector() == on_host.to_vector());
    }
  }
}

TEST_CASE("cuda tensor: clone fill zeros and copy_from work on the device", "[cuda][tensor]") {
  Tensor a = Tensor::full({5}, 2.5f, DType::f32, Device::cuda());
  CHECK(a.to_vector() == std::vector<float>(5, 2.5f));
  const Tensor b = a.clone();
  a.fill(-1.0f);
  CHECK(a.to_vector() == std::vector<float>(5, -1.0f));
  CHECK(b.to_vector() == std::vector<float>(5, 2.5f));  // the clone has its own storage
  CHECK(Tensor::zeros({7}, DType::f32, Device::cuda()).to_vector() == std::vector<float>(7, 0.0f));
  a.copy_from(Tensor::from_vector({1, 2, 3, 4, 5}, {5}));  // from the host
  Tensor host = Tensor::zeros({5});
  host.copy_from(a);  // to the host
  CHECK(host.to_vector() == std::vector<float>{1, 2, 3, 4, 5});
  CHECK(a.to(DType::bf16).to(DType::f32).to_vector() == std::vector<float>{1, 2, 3, 4, 5});
  CHECK(a.to(DType::bf16).device() == Device::cuda());
}

TEST_CASE("cuda tensor: gradients accumulate on the device and must match it", "[cuda][tensor]") {
  const Tensor w = Tensor::zeros({3}, DType::f32, Device::cuda()).set_requires_grad();
  w.accumulate_grad(Tensor::from_vector({1, 2, 3}, {3}).to(Device::cuda()));
  w.accumulate_grad(Tensor::from_vector({10, 20, 30}, {3}).to(Device::cuda()));
  CHECK(w.grad().device() == Device::cuda());
  CHECK(w.grad().to_vector() == std::vector<float>{11, 22, 33});
  CHECK_THROWS_WITH(w.accumulate_grad(Tensor::zeros({3})), Catch::Contains("gradient on cpu does not match tensor on cuda:0"));
  CHECK_THROWS_WITH(Tensor::empty({2}, DType::f32, Device::cuda(1)), Catch::Contains("only one GPU is supported"));
}

TEST_CASE("cuda allocator: freed blocks are reused without new device allocations", "[cuda][allocator]") {
  for (int step = 0; step < 2; ++step) {  // the first step warms the cache
    const Tensor a = Tensor::empty({1000}, DType::f32, Device::cuda());
    const Tensor b = Tensor::empty({300000}, DType::f32, Device::cuda());
  }
  const std::size_t before = cuda::allocator_stats().device_allocations;
  for (int step = 0; step < 5; ++step) {
    const Tensor a = Tensor::empty({1000}, DType::f32, Device::cuda());
    const Tensor b = Tensor::empty({300000}, DType::f32, Device::cuda());
    const Tensor c = Tensor::empty({999}, DType::f32, Device::cuda());  // same 512-byte bucket as a
  }
  CHECK(cuda::allocator_stats().device_allocations <= before + 1);  // c's bucket: once
  CHECK(cuda::allocator_stats().cached_bytes > 0);
}

TEST_CASE("cuda allocator: size classes, and a smaller request takes a cached block up to twice its size",
          "[cuda][allocator]") {
  constexpr std::int64_t MiB = 1 << 20;
  cuda::empty_cache();
  const auto held_for = [](std::int64_t bytes) {  // what a request of `bytes` holds, from an empty cache
    cuda::empty_cache();
    const std::size_t before = cuda::allocator_stats().in_use_bytes;
    const Tensor t = Tensor::empty({bytes}, DType::u8, Device::cuda());
    return static_cast<std::int64_t>(cuda::allocator_stats().in_use_bytes - before);
  };
  CHECK(held_for(4000) == 4096);                // 512-byte steps below 1 MiB
  CHECK(held_for(5 * MiB + 1) == 6 * MiB);      // 1 MiB steps up to 128 MiB
  CHECK(held_for(40'000'000) == 39 * MiB);
  CHECK(held_for(130 * MiB + 1) == 132 * MiB);  // 2 MiB steps from 128 MiB: a 64th
  cuda::empty_cache();
  const std::size_t allocations = cuda::allocator_stats().device_allocations;
  { const Tensor full_batch = Tensor::empty({40 * MiB}, DType::u8, Device::cuda()); }
  { const Tensor last_batch = Tensor::empty({30 * MiB}, DType::u8, Device::cuda()); }  // takes the 40 MiB block
  CHECK(cuda::allocator_stats().device_allocations == allocations + 1);
  { const Tensor small = Tensor::empty({10 * MiB}, DType::u8, Device::cuda()); }  // 40 MiB is too large for it
  CHECK(cuda::allocator_stats().device_allocations == allocations + 2);
  cuda::empty_cache();
}

TEST_CASE("cuda allocator: concurrent allocations from several threads", "[cuda][allocator]") {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};  // Catch2's assertions are not thread-safe: count, then check
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 200; ++i) {
        Tensor x = Tensor::full({16 + (i % 5)}, static_cast<float>(t), DType::f32, Device::cuda());
        if (x.to_vector().front() != static_cast<float>(t)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == 0);
}

TEST_CASE("cuda tensor: the allocator's peak is the most held at once since its reset", "[cuda][tensor]") {
  cuda::empty_cache();  // no cached block larger than asked for may serve a request
  cuda::reset_peak_in_use();
  const std::size_t base = cuda::allocator_stats().in_use_bytes;
  CHECK(cuda::allocator_stats().peak_in_use_bytes == base);
  {
    const Tensor a = Tensor::empty({1000}, DType::f32, Device::cuda());  // 4000 bytes: 4096 rounded
    {
      const Tensor b = Tensor::empty({3000}, DType::f32, Device::cuda());  // 12288 rounded
    }
    const Tensor c = Tensor::empty({100}, DType::f32, Device::cuda());  // 512: b's bytes were free again
    CHECK(cuda::allocator_stats().peak_in_use_bytes == base + 4096 + 12288);
  }
  CHECK(cuda::allocator_stats().in_use_bytes == base);
  cuda::reset_peak_in_use();
  CHECK(cuda::allocator_stats().peak_in_use_bytes == base);
}
