// Converts Fashion-MNIST's idx files (Debian's dataset-fashion-mnist) into an image folder:
//   OUTPUT/train/<class>/<index>.png (60000) and OUTPUT/val/<class>/<index>.png (10000)
// Class folders are "<label>_<name>", so that sorting them by name keeps the dataset's label
// numbers. The folder is written under OUTPUT.partial and renamed when complete.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "vitcuda/data/image.h"
#include "vitcuda/runtime/check.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultInput = "/usr/share/datasets/fashion-mnist";
const std::array<const char*, 10> kClasses = {"0_T-shirt_top", "1_Trouser", "2_Pullover", "3_Dress", "4_Coat",
                                              "5_Sandal",      "6_Shirt",   "7_Sneaker",  "8_Bag",  "9_Ankle_boot"};

struct Options {
  fs::path input = kDefaultInput, output;
  long limit = -1;  // images per split; -1 = all
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: fashion_mnist_to_folder OUTPUT [--input DIR] [--limit N]\n"
               "  OUTPUT       folder to create (train/<class>/*.png, val/<class>/*.png)\n"
               "  --input DIR  folder with the idx files (default %s,\n"
               "               Debian package dataset-fashion-mnist); .gz or uncompressed\n"
               "  --limit N    convert only the first N images of each split\n",
               kDefaultInput);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout);
      std::exit(0);
    } else if ((arg == "--input" || arg == "--limit") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--input") {
        options.input = value;
      } else {
        std::size_t used = 0;
        try {
          options.limit = std::stol(value, &used);
        } catch (const std::exception&) {
        }
        VIT_CHECK(used == value.size() && options.limit >= 0, "--limit needs a number >= 0, got '", value, "'.");
      }
    } else if (!arg.starts_with("-") && options.output.empty()) {
      options.output = arg;
    } else {
      VIT_FAIL("unknown or incomplete argument '", arg, "'; run with --help.");
    }
  }
  VIT_CHECK(!options.output.empty(), "missing the OUTPUT folder; run with --help.");
  return options;
}

// The whole (gzip or plain) file; zlib reads uncompressed files transparently.
std::vector<std::uint8_t> read_idx(const fs::path& dir, const std::string& name) {
  fs::path path = dir / (name + ".gz");
  if (!fs::exists(path)) path = dir / name;
  VIT_CHECK(fs::exists(path), "'", (dir / (name + ".gz")).string(), "' not found; install the Debian package "
            "dataset-fashion-mnist or pass --input with the folder that holds the idx files.");
  gzFile file = gzopen(path.c_str(), "rb");
  VIT_CHECK(file != nullptr, "cannot open '", path.string(), "'.");
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof chunk)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  gzclose(file);
  VIT_CHECK(n == 0, "'", path.string(), "' is not a readable gzip file.");
  return bytes;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return std::uint32_t(bytes[at]) << 24 | std::uint32_t(bytes[at + 1]) << 16 | std::uint32_t(bytes[at + 2]) << 8 | bytes[at + 3];
}

// Writes one split; returns the number of images written.
long convert(const fs::path& input, const std::string& prefix, const fs::path& out, long limit) {
  const auto images = read_idx(input, prefix + "-images-idx3-ubyte");
  const auto labels = read_idx(input, prefix + "-labels-idx1-ubyte");
  VIT_CHECK(images.size() >= 16 && big_endian(images, 0) == 0x803, prefix, "-images is not an idx3 image file.");
  VIT_CHECK(labels.size() >= 8 && big_endian(labels, 0) == 0x801, prefix, "-labels is not an idx1 label file.");
  const std::uint32_t count = big_endian(images, 4), rows = big_endian(images, 8), cols = big_endian(images, 12);
  VIT_CHECK(rows > 0 && cols > 0 && rows <= 4096 && cols <= 4096 &&
                images.size() == 16 + std::size_t(count) * rows * cols,
            prefix, "-images: its size does not match ", count, " images of ", rows, "x", cols, ".");
  VIT_CHECK(big_endian(labels, 4) == count && labels.size() == 8 + std::size_t(count), prefix,
            "-labels does not hold one label per image (", count, " images).");
  for (const char* name : kClasses) fs::create_directories(out / name);
  const long n = limit < 0 ? long(count) : std::min<long>(limit, count);
  vit::data::Image image{int(cols), int(rows), 1, {}};
  for (long i = 0; i < n; ++i) {
    const std::uint8_t label = labels[8 + i];
    VIT_CHECK(label < kClasses.size(), prefix, "-labels: label ", int(label), " of image ", i, " is not 0..9.");
    const std::uint8_t* pixels = images.data() + 16 + std::size_t(i) * rows * cols;
    image.pixels.assign(pixels, pixels + std::size_t(rows) * cols);
    char name[32];
    std::snprintf(name, sizeof name, "%05ld.png", i);
    vit::data::write_file(out / kClasses[label] / name, vit::data::encode_png(image));
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    VIT_CHECK(!fs::exists(options.output), "'", options.output.string(),
              "' already exists; remove it or choose another OUTPUT folder.");
    const fs::path partial = options.output.string() + ".partial";
    fs::remove_all(partial);
    const long train = convert(options.input, "train", partial / "train", options.limit);
    const long val = convert(options.input, "t10k", partial / "val", options.limit);
    fs::rename(partial, options.output);
    std::printf("wrote %ld train and %ld val images in 10 classes to %s\n", train, val, options.output.c_str());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "fashion_mnist_to_folder: %s\n", error.what());
    return 1;
  }
}
