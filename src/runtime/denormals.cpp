#include "runtime/denormals.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace vit {

namespace {

void set_for_this_thread() {
#if defined(__SSE__)
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
#endif
}

}  // namespace

void flush_denormals_to_zero() {
  set_for_this_thread();
#pragma omp parallel
  set_for_this_thread();
}

}  // namespace vit
