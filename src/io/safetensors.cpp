// safetensors reader and writer. Checks, as the reference reader does: header length within the
// file and under 100 MB, the header a JSON object, each entry's dtype known and shape valid,
// byte size = numel x dtype size without overflow, offsets in order, contiguous and covering the
// whole data section with no hole or overlap.
#include "vitcuda/io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "vitcuda/io/durable_file.h"
#include "vitcuda/runtime/input_file.h"

namespace vit {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// The header length that `start` (the file's first 8 bytes at least) gives, checked against
// the limit and the size of the whole file.
std::uint64_t header_length(const std::string& start, std::uint64_t file_bytes, const std::string& source) {
  VIT_CHECK(start.size() >= 8, source, " is not a safetensors file: it is only ", file_bytes,
            " bytes long (the header length alone takes 8).");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(start[i]);
  VIT_CHECK(header_len <= kMaxHeaderBytes, source, ": header length ", header_len,
            " is over the 100 MB limit; the file is corrupt or not safetensors.");
  VIT_CHECK(header_len <= file_bytes - 8, source, ": header length ", header_len, " runs past the end of the ",
            file_bytes, "-byte file (truncated?).");
  return header_len;
}

struct FileDType {
  const char* name;
  std::size_t bytes;
};

std::size_t file_dtype_bytes(const std::string& name) {
  static const FileDType known[] = {{"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U8", 1},
                                    {"F64", 8}, {"I64", 8}, {"I16", 2}, {"I8", 1}, {"BOOL", 1}};
  for (const FileDType& d : known) {
    if (name == d.name) return d.bytes;
  }
  return 0;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  std::uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  std::memcpy(&magnitude, &bits, 4);
  return magnitude;
}

Tensor decode_tensor(const std::string& dtype, const Shape& shape, const char* bytes) {
  if (dtype == "F16") {
    Tensor t = Tensor::empty(shape, DType::f32);
    float* out = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      std::uint16_t h;
      std::memcpy(&h, bytes + 2 * i, 2);
      out[i] = half_to_float(h);
    }
    return t;
  }
  const DType target = dtype == "F32" ? DType::f32 : dtype == "BF16" ? DType::bf16
                     : dtype == "I32" ? DType::i32 : DType::u8;
  Tensor t = Tensor::empty(shape, target);
  std::memcpy(t.raw_data(), bytes, t.nbytes());
  return t;
}

const char* file_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::bf16: return "BF16";
    case DType::i32: return "I32";
    case DType::u8: return "U8";
  }
  return "?";
}

}  // namespace

const Tensor& SafetensorsFile::at(const std::string& name) const {
  auto it = tensors.find(name);
  VIT_CHECK(it != tensors.end(), "the safetensors file has no tensor named '", name, "'.");
  return it->second;
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source) {
  const std::uint64_t header_len = header_length(bytes, bytes.size(), source);

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    VIT_FAIL(source, ": the header is not valid JSON (", e.what(), ").");
  }
  VIT_CHECK(header.is_object(), source, ": the header is not a JSON object.");

  const char* data = bytes.data() + 8 + header_len;
  const std::uint64_t data_len = bytes.size() - 8 - header_len;
  SafetensorsFile file;
  struct Span { std::uint64_t begin, end; std::string name; };
  std::vector<Span> spans;

  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      VIT_CHECK(entry.is_object(), source, ": __metadata__ must be an object of strings.");
      for (const auto& [key, value] : entry.items()) {
        VIT_CHECK(value.is_string(), source, ": __metadata__ value '", key, "' is not a string.");
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    VIT_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
                  entry.contains("data_offsets") && entry["dtype"].is_string() &&
                  entry["shape"].is_array() && entry["data_offsets"].is_array() &&
                  entry["data_offsets"].size() == 2,
              source, ": tensor '", name, "' needs dtype, shape and two data_offsets.");
    const std::string dtype = entry["dtype"].get<std::string>();
    const std::size_t element_bytes = file_dtype_bytes(dtype);
    VIT_CHECK(element_bytes != 0, source, ": tensor '", name, "' has unknown dtype ", dtype, ".");
    VIT_CHECK(dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "I32" || dtype == "U8",
              source, ": tensor '", name, "' has dtype ", dtype,
              ", which vitcuda does not load (F32, F16, BF16, I32 and U8 only).");

    Shape shape;
    std::uint64_t count = 1;
    for (const auto& dim : entry["shape"]) {
      VIT_CHECK(dim.is_number_unsigned(), source, ": tensor '", name, "' has a bad shape entry.");
      const std::uint64_t size = dim.get<std::uint64_t>();
      VIT_CHECK(size == 0 || count <= (std::uint64_t{1} << 48) / size,
                source, ": tensor '", name, "' has a shape too large to address.");
      count *= size;
      shape.push_back(static_cast<std::int64_t>(size));
    }
    const auto& offsets = entry["data_offsets"];
    VIT_CHECK(offsets[0].is_number_unsigned() && offsets[1].is_number_unsigned(), source,
              ": tensor '", name, "' has non-integer data_offsets.");
    const std::uint64_t begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
    VIT_CHECK(begin <= end && end <= data_len, source, ": tensor '", name, "' has data_offsets [",
              begin, ", ", end, "] outside the ", data_len, "-byte data section (truncated?).");
    VIT_CHECK(end - begin == count * element_bytes, source, ": tensor '", name, "' of shape ",
              shape_str(shape), " and dtype ", dtype, " needs ", count * element_bytes,
              " bytes but its data_offsets span ", end - begin, ".");
    spans.push_back({begin, end, name});
    file.tensors[name] = decode_tensor(dtype, shape, data + begin);
  }

  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uint64_t expected = 0;
  for (const Span& span : spans) {
    VIT_CHECK(span.begin == expected, source, ": tensor '", span.name, "' starts at byte ",
              span.begin, " but the previous one ends at ", expected,
              " (overlapping or missing data).");
    expected = span.end;
  }
  VIT_CHECK(expected == data_len, source, ": the data section has ", data_len - expected,
            " bytes that no tensor covers.");
  return file;
}

namespace {

// The bytes of tensor data the header describes (the largest end offset): checked against the
// file's size before the body is read, so that a huge or wrong file fails after its header.
// Malformed entries are left to parse_safetensors, which names them.
std::uint64_t declared_data_bytes(const std::string& header_text) {
  const nlohmann::json header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  std::uint64_t end = 0;
  if (!header.is_object()) return 0;
  for (const auto& [name, entry] : header.items()) {
    if (!entry.is_object() || !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2 || !entry["data_offsets"][1].is_number_unsigned()) {
      continue;
    }
    end = std::max(end, entry["data_offsets"][1].get<std::uint64_t>());
  }
  return end;
}

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  const InputFile file(path, "safetensors file");
  const std::string source = "'" + path + "'";
  std::string content(std::min<std::uint64_t>(file.size(), 8), '\0');
  file.read(content.data(), 0, content.size());
  const std::uint64_t header_len = header_length(content, file.size(), source);
  content.resize(8 + header_len);
  file.read(content.data() + 8, 8, header_len);
  const std::uint64_t body = file.size() - 8 - header_len, declared = declared_data_bytes(content.substr(8));
  VIT_CHECK(declared == body, source, ": its header describes ", declared, " bytes of tensor data but ", body,
            " follow it; the file is truncated, padded or not safetensors.");
  content.resize(file.size());
  file.read(content.data() + 8 + header_len, 8 + header_len, body);
  return parse_safetensors(content, source);
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    VIT_CHECK(tensor.device().is_cpu(), "save_safetensors: tensor '", name, "' is not on the cpu.");
    header[name] = {{"dtype", file_dtype_name(tensor.dtype())},
                    {"shape", tensor.shape()},
                    {"data_offsets", {offset, offset + tensor.nbytes()}}};
    offset += tensor.nbytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned

  write_file_atomically(path, [&](std::ostream& out) {
    const std::uint64_t length = text.size();
    char length_bytes[8];
    for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    out.write(length_bytes, 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, tensor] : tensors) {
      out.write(static_cast<const char*>(tensor.raw_data()), static_cast<std::streamsize>(tensor.nbytes()));
    }
  });
}

}  // namespace vit
