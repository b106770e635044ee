#pragma once
// The whole public API of libvitcuda.
#include "vitcuda/autograd/tape.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/ops.h"
#include "vitcuda/runtime/rng.h"
#include "vitcuda/runtime/tensor.h"
