#pragma once
// Vectorised expf/erff for the CPU kernels' element-wise loops. glibc's libmvec carries SIMD
// versions of both (SSE, AVX2 and AVX-512 variants, within 4 ulp); declaring the functions
// `omp declare simd` lets `#pragma omp simd` loops call them. glibc itself only declares them so
// under -ffast-math, which we do not want for the reference kernels. VIT_CPU_CLONES compiles a
// loop function once per instruction set and picks the best one for the running CPU.

extern "C" {  // the pragmas inside the block: clang applies none to a one-line extern "C" declaration
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float erff(float) noexcept;
}

// Not under ThreadSanitizer (the racecheck build): the clones' resolvers run while the loader
// relocates the program, before TSan's runtime is ready, and its instrumentation would crash them.
#if VIT_RACECHECK
#define VIT_CPU_CLONES
#else
#define VIT_CPU_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#endif
