// Runs one op forward and backward through the installed library.
#include <cstdio>

#include "vitcuda/vitcuda.h"

int main() {
  vit::Tensor x = vit::Tensor::from_vector({1.0f, 2.0f, 3.0f}, {3});
  x.set_requires_grad();
  vit::Tape tape;
  vit::Tensor loss = vit::mean(x, tape);
  tape.backward(loss);
  const float grad = x.grad().to_vector()[0];
  std::printf("mean %.3f grad %.3f\n", loss.item(), grad);
  return loss.item() == 2.0f && grad > 0.333f && grad < 0.334f ? 0 : 1;
}
