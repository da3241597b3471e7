#pragma once
// The learned pipeline's torch modules and the in-graph two-stream split. Private: includes LibTorch.
#include <torch/torch.h>

#include <map>
#include <mutex>
#include <utility>

#include "ferguard/learn/train.h"

namespace ferguard::learn {

/// The two-stream split as torch ops on NCHW float tensors, with the same formulas as FrequencySplitter
/// (the half-spectrum mask of frequency/mask.h, applied between rfft2 and irfft2) and haar.cpp.
class TorchSplitter {
 public:
  TorchSplitter(StreamSplit kind, SplitOptions options);
  /// (low, high) with low + high == x.
  std::pair<torch::Tensor, torch::Tensor> split(const torch::Tensor& x) const;

 private:
  torch::Tensor mask_for(int h, int w) const;
  StreamSplit kind_;
  SplitOptions options_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<int, int>, torch::Tensor> masks_;
};

/// conv3x3 -> GroupNorm -> SiLU. GroupNorm (not BatchNorm) keeps every sample independent of the batch,
/// which makes data-parallel gradients equal to single-process ones.
struct ConvBlockImpl : torch::nn::Module {
  ConvBlockImpl(int in, int out, int stride);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  torch::nn::GroupNorm norm{nullptr};
};
TORCH_MODULE(ConvBlock);
inline ConvBlock conv_block(int in, int out, int stride) { return ConvBlock(in, out, stride); }

/// A small CNN classifier: a stride-2 stem and three stride-2 levels (width, 2w, 4w, 8w channels), global average
/// pooling, a linear layer. Input NCHW in [0, 1] (any size >= 8), output logits.
struct ClassifierImpl : torch::nn::Module {
  ClassifierImpl(int in_channels, int classes, int width);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential features{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Classifier);

/// A U-Net: output = (1 - strength) x + delta(x, strength) when gated, else x + delta(x[, strength]). The input (with the strength as a constant extra
/// channel) is pixel-unshuffled to half size, goes through three levels (width, 2w, 4w channels at 1/2, 1/4,
/// 1/8 size) and comes back through a pixel shuffle, so delta can hold full-resolution detail at a quarter
/// of the cost. The last layer starts at zero: a fresh net is the identity at strength 0.
struct UNetImpl : torch::nn::Module {
  /// `conditioned`: the strength is an input channel; `gated`: the input passes with weight 1 - strength.
  UNetImpl(int channels, int width, bool conditioned, bool gated);
  /// x: NxCxHxW; strength: N values (ignored when not conditioned).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& strength);
  bool conditioned, gated;
  torch::nn::Sequential enc1{nullptr}, enc2{nullptr}, mid{nullptr}, dec2{nullptr}, dec1{nullptr};
  torch::nn::Conv2d up2{nullptr}, up1{nullptr}, out{nullptr};
};
TORCH_MODULE(UNet);

/// Number of identity groups at strength s among n identities: round((1 - s)(n - 1)) + 1, so s = 0 keeps
/// every identity apart and s = 1 puts all in one group. Identity i belongs to group i mod groups.
int identity_groups(double strength, int identities);

/// k-Same expression templates of one stream (the `template` enhancer): the training set's sum and count of
/// that stream per (identity, expression). At strength s > 0 a face's stream becomes the mean stream of its
/// expression over its identity group (identity_groups(s, N) groups, identity i in group i mod G, so each template
/// is shared by N/G identities: k-anonymity with k = N/G, Newton, Sweeney & Malin 2005), mixed over expressions by
/// the FER controller's probabilities. At s = 1 (one group) nothing of the face but those probabilities reaches
/// the output.
struct TemplateBankImpl : torch::nn::Module {
  /// `identities` 0 makes an empty bank (the `unet` enhancer saves none).
  TemplateBankImpl(int identities, int channels, int size);
  /// Adds `stream` (NxCxHxW) of faces with these identity and expression labels to the sums.
  void fit(const torch::Tensor& stream, const torch::Tensor& identity, const torch::Tensor& expression);
  /// Templates for N faces: `expression` Nx7 weights (rows sum to 1), `identity` N predicted identities,
  /// `strength` N values in (0, 1]. An (expression, group) cell without training faces falls back to the
  /// expression's mean over all identities.
  torch::Tensor forward(const torch::Tensor& expression, const torch::Tensor& identity, const torch::Tensor& strength);
  int identities;
  torch::Tensor sums, counts;  ///< [N*7, C, H, W] and [N*7], row identity * 7 + expression
};
TORCH_MODULE(TemplateBank);

/// The privatizing part of the pipeline: F_low, F_high and the compensator F_fc. The low stream is
/// band-limited, so F_low (and C_low) work on it average-pooled by `low_factor`; F_low's change is
/// upsampled (bilinear) and added to the full-size stream, so a zero change keeps it exactly.
struct PrivatizerImpl : torch::nn::Module {
  /// `identities` and `size` shape the template banks of the `template` enhancer (empty banks for `unet`).
  PrivatizerImpl(int width, int low_factor, EnhancerKind kind, int identities, int size);
  /// The low stream as F_low and C_low see it.
  torch::Tensor low_input(const torch::Tensor& low) const;
  /// The full-size enhanced low stream from F_low's input and output.
  torch::Tensor low_output(const torch::Tensor& low, const torch::Tensor& small_in, const torch::Tensor& small_out) const;
  /// Enhanced streams recombined (before compensation).
  torch::Tensor enhance(const torch::Tensor& low, const torch::Tensor& high, const torch::Tensor& s_low,
                        const torch::Tensor& s_high);
  /// The `template` enhancer: each stream at s > 0 replaced by its template (full size), at s = 0 kept.
  torch::Tensor enhance_templates(const torch::Tensor& low, const torch::Tensor& high, const torch::Tensor& s_low,
                                  const torch::Tensor& s_high, const torch::Tensor& expression,
                                  const torch::Tensor& id_low, const torch::Tensor& id_high);
  int low_factor;
  EnhancerKind kind;
  UNet e_low{nullptr}, e_high{nullptr}, compensator{nullptr};
  TemplateBank t_low{nullptr}, t_high{nullptr};  ///< empty (0 identities) for the `unet` enhancer
};
TORCH_MODULE(Privatizer);

/// Restores LibTorch's intra-op thread count on scope exit (the library changes no global setting for
/// longer than a call).
class ThreadGuard {
 public:
  explicit ThreadGuard(int threads);
  ~ThreadGuard();
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;

 private:
  int previous_;
};

/// Writes a module's parameters and buffers to `path` atomically; loads them back, throwing ModelError
/// naming the path when they do not fit the module and IoError when the file is missing.
void save_module(torch::nn::Module& module, const std::string& path);
void load_module(torch::nn::Module& module, const std::string& path);

/// Flat copy of every parameter, in registration order (for comparisons and tests).
torch::Tensor flat_parameters(torch::nn::Module& module);

}  // namespace ferguard::learn
