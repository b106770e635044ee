#pragma once
// Every op of the library. Each checks shapes, dtypes and devices, runs a backend kernel and, when
// an input requires grad, records its backward on the tape. Activations are f32, or bf16 on cuda
// (autocast, docs/cuda.md): an op's output and an activation's gradient have the activation's
// dtype; parameters (weights, biases, gamma/beta, class token, position embedding) and their
// gradients stay f32.
#include "vitcuda/ops/attention.h"
#include "vitcuda/ops/cast.h"
#include "vitcuda/ops/dropout.h"
#include "vitcuda/ops/elementwise.h"
#include "vitcuda/ops/layernorm.h"
#include "vitcuda/ops/linear.h"
#include "vitcuda/ops/loss.h"
#include "vitcuda/ops/patch_embed.h"
#include "vitcuda/ops/reduce.h"
#include "vitcuda/ops/tokens.h"
