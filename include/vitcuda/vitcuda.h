#pragma once
// The whole public API of libvitcuda.
#include "vitcuda/autograd/tape.h"
#include "vitcuda/data.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/layers/summary.h"
#include "vitcuda/layers/vit.h"
#include "vitcuda/ops.h"
#include "vitcuda/optim/optimizer.h"
#include "vitcuda/runtime/batch_upload.h"
#include "vitcuda/runtime/cuda_graph.h"
#include "vitcuda/runtime/rng.h"
#include "vitcuda/runtime/tensor.h"
