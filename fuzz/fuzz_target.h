#pragma once
// What every fuzz target shares. A target hands one input to a reader of untrusted bytes. A
// vit::Error is the reader's expected answer to bad bytes; anything else is a finding: another
// exception type escaping (std::terminate), a crash or sanitizer report, a hang, or a property of
// an accepted input that does not hold (FUZZ_EXPECT).
#include <cstdio>
#include <cstdlib>

#include "vitcuda/runtime/check.h"

#define FUZZ_EXPECT(condition)                                                                       \
  do {                                                                                               \
    if (!(condition)) {                                                                              \
      std::fprintf(stderr, "fuzz: property '%s' does not hold (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                                  \
    }                                                                                                \
  } while (false)

namespace vit::fuzz {

// Runs `read`; returns true when it finished, false when it refused the input with a vit::Error.
template <typename Read>
bool accepted(Read&& read) {
  try {
    read();
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace vit::fuzz
