#pragma once
// Flush-to-zero and denormals-are-zero for the CPU threads: the runtime's, since it sets a
// property of each thread (the caller's and the OpenMP pool's), not of one kernel.
namespace vit {

// Sets FTZ and DAZ in the floating-point control register of the calling thread and of every
// thread of the OpenMP pool (which also runs oneDNN's sgemm). Late in training, AdamW's second
// moments and small gradients fall into float's denormal range, where x86 arithmetic takes a
// slow microcode path; flushing them to zero changes results only below 1.2e-38. No effect on
// CPUs without SSE control flags.
void flush_denormals_to_zero();

}  // namespace vit
