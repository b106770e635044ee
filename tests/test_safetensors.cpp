#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "vitcuda/io/safetensors.h"
#include "vitcuda/runtime/rng.h"

using namespace vit;

namespace {

std::string header_file(const std::string& json, const std::string& data) {
  std::string bytes(8, '\0');
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes + json + data;
}

}  // namespace

TEST_CASE("safetensors: write then read round-trips every dtype and metadata", "[safetensors]") {
  Rng rng(1);
  std::map<std::string, Tensor> tensors = {
      {"w", Tensor::randn({3, 5}, rng)},
      {"b16", Tensor::randn({7}, rng).to(DType::bf16)},
      {"labels", Tensor::from_int32({1, -2, 3}, {3})},
      {"bytes", Tensor::full({2, 2}, 9.0f, DType::u8)},
      {"scalar", Tensor::full({}, 2.5f)},
  };
  const std::string path = (std::filesystem::temp_directory_path() / "vit_roundtrip.safetensors").string();
  save_safetensors(path, tensors, {{"epoch", "3"}});
  const SafetensorsFile file = load_safetensors(path);
  CHECK(file.metadata.at("epoch") == "3");
  REQUIRE(file.tensors.size() == tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const Tensor& loaded = file.at(name);
    CHECK(loaded.shape() == tensor.shape());
    CHECK(loaded.dtype() == tensor.dtype());
    CHECK(loaded.to_vector() == tensor.to_vector());
  }
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  std::remove(path.c_str());
}

TEST_CASE("safetensors: F16 loads as f32", "[safetensors]") {
  // 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001
  const std::string data("\x00\x3c\x00\xc0\xff\x7b\x01\x00", 8);
  const auto file = parse_safetensors(
      header_file(R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", data), "f16");
  CHECK(file.at("h").to_vector() == std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)});
}

TEST_CASE("safetensors: corrupt files are refused with a clear error", "[safetensors]") {
  const std::string good_json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  REQUIRE_NOTHROW(parse_safetensors(header_file(good_json, data), "good"));

  CHECK_THROWS_WITH(parse_safetensors("abc", "tiny"), Catch::Contains("only 3 bytes"));
  std::string huge = header_file(good_json, data);
  huge[7] = 0x7f;
  CHECK_THROWS_WITH(parse_safetensors(huge, "huge"), Catch::Contains("over the 100 MB limit"));
  std::string past_end = header_file(good_json, data);
  past_end[0] = static_cast<char>(0xff);
  past_end[1] = 0x01;
  CHECK_THROWS_WITH(parse_safetensors(past_end, "len"), Catch::Contains("runs past the end"));
  CHECK_THROWS_WITH(parse_safetensors(header_file(good_json, data.substr(0, 5)), "truncated"),
                    Catch::Contains("outside the 5-byte data section"));
  CHECK_THROWS_WITH(parse_safetensors(header_file("{not json", data), "json"),
                    Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(parse_safetensors(header_file("[1,2]", ""), "array"), Catch::Contains("not a JSON object"));
  struct BadHeader {
    const char* json;
    const char* expected_message;
  };
  const BadHeader bad_headers[] = {
      {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
       "tensor 'a' of shape [3] and dtype F32 needs 12 bytes but its data_offsets span 8"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
       "overlapping or missing"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "4 bytes that no tensor covers"},
      {R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", "unknown dtype Q4"},
      {R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", "does not load"},
      {R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", "too large"},
      {R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", "bad shape entry"},
      {R"({"a":{"dtype":"F32","shape":[2]}})", "needs dtype, shape and two data_offsets"},
  };
  for (const BadHeader& bad : bad_headers) {
    INFO(bad.json);
    CHECK_THROWS_WITH(parse_safetensors(header_file(bad.json, data), "bad"), Catch::Contains(bad.expected_message));
  }
  CHECK_THROWS_WITH(load_safetensors("/nonexistent/weights.safetensors"),
                    Catch::Contains("cannot open '/nonexistent/weights.safetensors'"));
}
