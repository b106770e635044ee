#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "data_fixtures.h"
#include "tiny_vit.h"
#include "train_run_fixtures.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/scheduler.h"
#include "vitcuda/vitcuda.h"

using namespace vit;
using namespace vit::train;
namespace fs = std::filesystem;

namespace {

ViTConfig tiny() {
  ViTConfig c = testing::tiny_vit_config();
  c.drop_rate = 0.2f;  // so that resuming has to restore the dropout masks too
  c.drop_path_rate = 0.1f;
  return c;
}

const SchedulerOptions kSchedule{.base_lr = 1e-2f, .steps_per_epoch = 2, .epochs = 4, .warmup_epochs = 1};

// One training run's objects; a fresh run starts from other weights than the saved one.
struct Run {
  explicit Run(std::uint64_t init_seed = 0) : model(tiny(), Device::cpu(), init_seed) {
    model.set_dropout_state(7, 0);
  }
  ViT model;
  optim::AdamW optimizer{model.named_parameters(), {.lr = 1e-2f, .weight_decay = 0.05f}};
  Scheduler scheduler{kSchedule};

  // Steps [from, to) on random batches drawn from the step number; returns the losses.
  std::vector<float> train(std::int64_t from, std::int64_t to) {
    std::vector<float> losses;
    for (std::int64_t step = from; step < to; ++step) {
      Rng rng(1000 + static_cast<std::uint64_t>(step));
      const Tensor images = Tensor::randn({4, 3, 8, 8}, rng);
      const Tensor labels = Tensor::from_int32({0, 1, 2, static_cast<std::int32_t>(step % 3)}, {4});
      Tape tape;
      const Tensor loss = cross_entropy(model.forward(images, tape), labels, 0.1f, tape);
      optimizer.zero_grad();
      tape.backward(loss);
      optimizer.set_lr(scheduler.lr_at(step));
      optimizer.step();
      losses.push_back(loss.item());
    }
    return losses;
  }

  TrainingState state(std::int64_t step) const {
    return {.epoch = step / kSchedule.steps_per_epoch, .step = step, .best_metric = 0.75f,
            .scheduler = scheduler.state(), .config = R"({"model": "tiny", "lr": 0.01})", .data_seed = 42};
  }
};

std::map<std::string, std::vector<float>> weights(const ViT& model) {
  std::map<std::string, std::vector<float>> values;
  for (const nn::NamedTensor& p : model.named_parameters()) values[p.name] = p.tensor.to_vector();
  return values;
}

std::map<std::string, std::vector<float>> moments(const optim::Optimizer& optimizer) {
  std::map<std::string, std::vector<float>> values;
  for (const auto& [name, tensor] : optimizer.state()) values[name] = tensor.to_vector();
  return values;
}

std::string load_error(const fs::path& where, Run& run) {
  try {
    load_checkpoint(where, run.model, run.optimizer);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

// The data file a save of "last" committed: last.<id>.safetensors or last.<id>.optim.safetensors.
fs::path committed_file(const fs::path& dir, bool optimizer) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == std::string("last.0123456789abcdef.safetensors").size() + (optimizer ? 6 : 0) &&
        name.ends_with(optimizer ? ".optim.safetensors" : ".safetensors") && name.starts_with("last.") &&
        name != "last.optim.safetensors") {
      return entry.path();
    }
  }
  return {};
}

std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

}  // namespace

TEST_CASE("checkpoint: load restores weights optimizer and dropout state", "[train][checkpoint]") {
  test::TempDir dir;
  Run run;
  run.train(0, 3);
  save_checkpoint(dir.path(), "last", run.model, run.optimizer, run.state(3));
  CHECK(fs::exists(dir / "last.safetensors"));
  CHECK(fs::exists(dir / "last.optim.safetensors"));
  CHECK(fs::exists(dir / "last.state.json"));
  const auto saved_weights = weights(run.model);
  const auto saved_moments = moments(run.optimizer);
  const std::uint64_t saved_count = run.model.forward_count();

  run.train(3, 5);  // moves everything on
  REQUIRE(weights(run.model) != saved_weights);
  const TrainingState state = load_checkpoint(dir.path(), run.model, run.optimizer);
  CHECK(weights(run.model) == saved_weights);
  CHECK(moments(run.optimizer) == saved_moments);
  CHECK(run.optimizer.step_count() == 3);
  CHECK(run.model.dropout_seed() == 7);
  CHECK(run.model.forward_count() == saved_count);
  CHECK(state.epoch == 1);
  CHECK(state.step == 3);
  CHECK(state.best_metric == 0.75f);
  CHECK(state.data_seed == 42);
  CHECK(state.scheduler == run.scheduler.state());
  CHECK(state.config == R"({"model":"tiny","lr":0.01})");

  // The weights file is a plain timm-named safetensors file.
  CHECK(load_safetensors((dir / "last.safetensors").string()).tensors.contains("blocks.1.attn.qkv.weight"));
  // The state alone, e.g. to rebuild the model from its config before loading.
  CHECK(read_checkpoint_state(dir.path()).config == state.config);
  // A named checkpoint file is found the same way as the folder's last.
  save_checkpoint(dir.path(), "best", run.model, run.optimizer, run.state(3));
  CHECK(load_checkpoint(dir / "best.safetensors", run.model, run.optimizer).step == 3);
}

TEST_CASE("checkpoint: a resumed run ends bitwise equal to an uninterrupted one", "[train][checkpoint]") {
  test::TempDir dir;
  Run whole;
  const std::vector<float> whole_losses = whole.train(0, 8);

  Run first;
  first.train(0, 3);
  save_checkpoint(dir.path(), "last", first.model, first.optimizer, first.state(3));

  Run resumed(/*init_seed=*/99);
  const TrainingState state = load_checkpoint(dir.path(), resumed.model, resumed.optimizer);
  resumed.scheduler.load_state(state.scheduler);
  const std::vector<float> resumed_losses = resumed.train(state.step, 8);
  CHECK(resumed_losses == std::vector<float>(whole_losses.begin() + 3, whole_losses.end()));
  CHECK(weights(resumed.model) == weights(whole.model));
  CHECK(moments(resumed.optimizer) == moments(whole.optimizer));
}

TEST_CASE("checkpoint: missing truncated and corrupt files get one clear sentence", "[train][checkpoint]") {
  test::TempDir dir;
  Run run;
  run.train(0, 2);
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("no checkpoint 'last' in") && Catch::Contains("last.state.json' is missing"));
  CHECK_THAT(load_error(dir / "nothing.txt", run), Catch::Contains("neither a run folder nor a <name>.safetensors"));
  CHECK_THAT(load_error(dir / "last.optim.safetensors", run), Catch::Contains("is the optimizer state of a checkpoint"));

  save_checkpoint(dir.path(), "last", run.model, run.optimizer, run.state(2));
  const auto before = weights(run.model);
  const std::string state_text = read_text(dir / "last.state.json");

  const fs::path weights_file = committed_file(dir.path(), false), optimizer_file = committed_file(dir.path(), true);
  REQUIRE(!weights_file.empty());
  REQUIRE(!optimizer_file.empty());
  const std::string weights_bytes = read_text(weights_file);

  // Same size, one byte changed: only the hash sees it.
  std::string flipped = weights_bytes;
  flipped[flipped.size() - 3] ^= 1;
  fs::remove(weights_file);  // not through the hard link: last.safetensors keeps the good bytes
  write_text(weights_file, flipped);
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("does not match the SHA-256"));
  CHECK_THROWS_WITH(read_checkpoint_state(dir / "last.safetensors"), Catch::Contains("does not match the SHA-256"));
  CHECK_THROWS_WITH(weights_file_to_load(dir / "last.safetensors"), Catch::Contains("does not match the SHA-256"));
  fs::remove(weights_file);
  write_text(weights_file, weights_bytes);
  CHECK(weights_file_to_load(dir / "last.safetensors") == weights_file);  // not the stable name, which has no hash
  CHECK(weights_file_to_load(dir / "exported.safetensors") == dir / "exported.safetensors");  // no state: as it is
  CHECK(load_checkpoint(dir.path(), run.model, run.optimizer).step == 2);

  fs::remove(optimizer_file);
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains(".optim.safetensors' is missing"));
  fs::resize_file(weights_file, fs::file_size(weights_file) - 10);
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("bytes but its checkpoint recorded") &&
                                              Catch::Contains("the checkpoint is incomplete"));
  CHECK_THROWS_WITH(read_checkpoint_state(dir / "last.safetensors"), Catch::Contains("the checkpoint is incomplete"));

  write_text(dir / "last.state.json", replace_first(state_text, "\"best_metric\": ", "\"best_metric\": 1e300, \"x\": "));
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("out of range (edited by hand?)"));
  // Counts of another number kind used to convert silently: -1 wrapped around, 1e30 was undefined.
  for (const char* count : {"-1", "1e30", "2.5", "9223372036854775808", "\"2\""}) {
    INFO(count);
    write_text(dir / "last.state.json", replace_first(state_text, "\"step\": ", std::string("\"step\": ") + count + ", \"x\": "));
    CHECK_THAT(load_error(dir.path(), run), Catch::Contains("holds step = "));
  }
  write_text(dir / "last.state.json", state_text.substr(0, state_text.size() / 2));
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("is corrupt or not a vitcuda checkpoint state"));
  write_text(dir / "last.state.json", "{\"format\": 5}");
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("is corrupt or not a vitcuda checkpoint state"));
  write_text(dir / "last.state.json", "{\"format\": \"vitcuda-checkpoint\", \"version\": 1}");
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("last.state.json' is corrupt"));
  CHECK(weights(run.model) == before);  // failed loads change nothing
}

TEST_CASE("checkpoint: a crash at any point of a save leaves the previous one loadable", "[train][checkpoint]") {
  test::TempDir dir;
  Run run;
  run.train(0, 2);
  save_checkpoint(dir.path(), "last", run.model, run.optimizer, run.state(2));
  const fs::path kept = committed_file(dir.path(), false);
  // What a save killed before its commit leaves: new data files (whole or half written), a staged
  // state and staged stable names. The committed checkpoint is untouched by them.
  const std::vector<fs::path> leftovers = {dir / "last.0123456789abcdef.safetensors",
                                           dir / "last.0123456789abcdef.optim.safetensors.tmp",
                                           dir / "last.state.json.tmp", dir / "last.safetensors.new"};
  for (const fs::path& path : leftovers) write_text(path, "half a file");
  CHECK(load_checkpoint(dir.path(), run.model, run.optimizer).step == 2);

  // The next save cleans them up with the previous save's files, and commits the new one.
  run.train(2, 3);
  save_checkpoint(dir.path(), "last", run.model, run.optimizer, run.state(3));
  for (const fs::path& path : leftovers) CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(kept));
  const auto after = weights(run.model);
  Run fresh(9);
  CHECK(load_checkpoint(dir.path(), fresh.model, fresh.optimizer).step == 3);
  CHECK(weights(fresh.model) == after);
  CHECK(testing::values_of(load_safetensors((dir / "last.safetensors").string()).tensors) ==
        testing::values_of(load_safetensors(committed_file(dir.path(), false).string()).tensors));

  // Another save's data file in this one's place: its checkpoint id (and hash) give it away.
  save_checkpoint(dir / "other", "last", run.model, run.optimizer, run.state(3));
  const fs::path mine = committed_file(dir.path(), false);
  fs::remove(mine);
  fs::copy_file(committed_file(dir / "other", false), mine);
  CHECK_THAT(load_error(dir.path(), run), Catch::Contains("does not match the SHA-256"));

  // A state whose recorded sizes do not match the files.
  std::string state_text = read_text(dir / "other" / "last.state.json");
  const std::string bytes = "\"bytes\": ";
  const std::size_t at = state_text.find(bytes) + bytes.size();
  state_text.insert(at, "1");
  write_text(dir / "other" / "last.state.json", state_text);
  CHECK_THAT(load_error(dir / "other", run), Catch::Contains("the checkpoint is incomplete"));
}

TEST_CASE("checkpoint: another model or optimizer is refused and nothing changes", "[train][checkpoint]") {
  test::TempDir dir;
  Run run;
  run.train(0, 2);
  save_checkpoint(dir.path(), "last", run.model, run.optimizer, run.state(2));

  ViT wider(tiny().with_classes(5));
  optim::AdamW adamw(wider.named_parameters(), {});
  CHECK_THROWS_WITH(load_checkpoint(dir.path(), wider, adamw),
                    Catch::Contains("but the model has") && Catch::Contains("a checkpoint of another model"));

  ViT same(tiny(), Device::cpu(), 5);
  const auto before = weights(same);
  optim::SGD sgd(same.named_parameters(), {.momentum = 0.9f});
  CHECK_THROWS_WITH(load_checkpoint(dir.path(), same, sgd),
                    Catch::Contains("that this optimizer has no place for"));
  CHECK(weights(same) == before);
  CHECK(sgd.step_count() == 0);

  CHECK_THROWS_WITH(save_checkpoint(dir.path(), "runs/last", run.model, run.optimizer, run.state(2)),
                    Catch::Contains("must be a plain name"));
  TrainingState bad = run.state(2);
  bad.config = "[1, 2]";
  CHECK_THROWS_WITH(save_checkpoint(dir.path(), "last", run.model, run.optimizer, bad),
                    Catch::Contains("config must be a JSON object"));
}
