// airbench94's lookahead (KellerJordan/cifar10-airbench f1c599c legacy/airbench94.py L263-271,
// L392-393, L430-436): every few steps the network is pulled back towards a slow average of
// itself, and at the end it is replaced by that average.
#ifndef CIFARBENCH_CORE_LOOKAHEAD_H_
#define CIFARBENCH_CORE_LOOKAHEAD_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <vector>

namespace cifarbench {

// The average covers every floating-point parameter and buffer of the module, frozen ones
// included (BatchNorm running statistics and weights, the whitening weight), as the
// reference's state_dict loop does; integer entries (BatchNorm's num_batches_tracked) are
// skipped.
class Lookahead {
 public:
  // Snapshots the module's floating-point state as the average's start.
  explicit Lookahead(torch::nn::Module& module);

  // Takes the snapshot again. The reference snapshots at construction, before its whitening
  // init (airbench94 quirk L-Q2: 9e-7 of the default whitening weight reaches the network at
  // step 5, below fp16 resolution); a caller that wants the fix calls this after the init.
  void Snapshot();
  // avg = lerp(avg, net, 1 - decay), then net = avg (the reference's lerp_ and copy_).
  void Update(double decay);
  // The final event: Update(1.0), i.e. net = avg. This discards every update since the last
  // Update, the last step's included when the step count is not a multiple of the interval
  // (airbench94 quirk L-Q1, reproduced: "the net takes the EMA").
  void Finish() { Update(1.0); }

  const std::vector<at::Tensor>& average() const { return average_; }

 private:
  std::vector<at::Tensor> live_;
  std::vector<at::Tensor> average_;
};

// Whether 1-based step `step1` is a lookahead event (airbench94: every 5 steps).
inline bool IsLookaheadStep(int64_t step1, int64_t every = 5) { return step1 % every == 0; }

// The decay at 1-based step `step1` of `total_steps`: base^every * (step1 / total_steps)^power,
// airbench94's 0.95^5 (k / T)^3 (L392), computed in fp32 as its table (torch.arange / T) is.
// For T = 476: 8.97e-7 at k = 5, 0.7689 at k = 475.
double LookaheadDecay(int64_t step1, int64_t total_steps, double base = 0.95, int64_t every = 5,
                      int64_t power = 3);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_LOOKAHEAD_H_
