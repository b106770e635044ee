#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Mean of all elements, as a scalar (shape []).
Tensor mean(const Tensor& x, Tape& tape);

}  // namespace vit
