#pragma once
// ThreadSanitizer annotations for the interpreter's racecheck (a -DVIT_SANITIZE=thread build
// defines VIT_RACECHECK everywhere, also in the interpreter files compiled without TSan); without
// it every function here is empty.
// Each GPU thread is a TSan fiber, and switching between fibers creates no happens-before edge,
// so TSan reports two accesses to the same bytes by threads of a block that no barrier orders.
// The edges a GPU has are added explicitly: __syncthreads (every thread releases on arrival and
// acquires when released), warp operations (each lane acquires what the other lanes of its group
// released on arrival), and the launch itself (a block's threads acquire what the host wrote
// before the launch and what earlier blocks on the same host thread did; the host acquires what
// the blocks did when the launch returns).
#if VIT_RACECHECK
#include <sanitizer/tsan_interface.h>
#endif

namespace vit::simt::race {

#if VIT_RACECHECK
constexpr bool kEnabled = true;
inline void* current_fiber() { return __tsan_get_current_fiber(); }
inline void* create_fiber() { return __tsan_create_fiber(0); }
inline void switch_to(void* fiber) { __tsan_switch_to_fiber(fiber, __tsan_switch_to_fiber_no_sync); }
inline void name_fiber(void* fiber, const char* name) { __tsan_set_fiber_name(fiber, name); }
inline void release(void* token) { __tsan_release(token); }
inline void acquire(void* token) { __tsan_acquire(token); }
#else
constexpr bool kEnabled = false;
inline void* current_fiber() { return nullptr; }
inline void* create_fiber() { return nullptr; }
inline void switch_to(void*) {}
inline void name_fiber(void*, const char*) {}
inline void release(void*) {}
inline void acquire(void*) {}
#endif

}  // namespace vit::simt::race
