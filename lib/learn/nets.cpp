#include "learn/nets.h"

#include <filesystem>

#include "detail/check.h"
#include "frequency/mask.h"

namespace ferguard::learn {

TorchSplitter::TorchSplitter(StreamSplit kind, SplitOptions options) : kind_(kind), options_(std::move(options)) {
  options_.validate();
}

torch::Tensor TorchSplitter::mask_for(int h, int w) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = masks_.find({h, w});
  if (it != masks_.end()) return it->second;
  std::vector<float> m = detail::half_spectrum_mask(options_, h, w, 1.0);
  torch::Tensor t = torch::from_blob(m.data(), {h, w / 2 + 1}, torch::kFloat32).clone();
  masks_.emplace(std::make_pair(h, w), t);
  return t;
}

std::pair<torch::Tensor, torch::Tensor> TorchSplitter::split(const torch::Tensor& x) const {
  FERGUARD_CHECK(x.dim() == 4 && x.numel() > 0, "split input: expected a non-empty NxCxHxW tensor, got {} dims",
                 x.dim());
  const int64_t h = x.size(2), w = x.size(3);
  torch::Tensor low;
  if (kind_ == StreamSplit::fft) {
    // rfft2's default ("backward") norm leaves the 1/(h*w) to irfft2, as FFTW's c2r + the splitter's scale.
    torch::Tensor spec = torch::fft::rfft2(x) * mask_for(static_cast<int>(h), static_cast<int>(w));
    low = torch::fft::irfft2(spec, std::vector<int64_t>{h, w});
  } else {
    // haar_inverse(LL, 0, 0, 0) gives each pixel of a 2x2 block LL/2 = the block's mean; odd sizes repeat
    // the last row/column, as haar_forward's edge().
    torch::Tensor padded = x;
    if (h % 2 || w % 2)
      padded = torch::nn::functional::pad(
          x, torch::nn::functional::PadFuncOptions({0, w % 2, 0, h % 2}).mode(torch::kReplicate));
    torch::Tensor mean = torch::avg_pool2d(padded, 2);
    low = mean.repeat_interleave(2, 2).repeat_interleave(2, 3).slice(2, 0, h).slice(3, 0, w).contiguous();
  }
  return {low, x - low};
}

ConvBlockImpl::ConvBlockImpl(int in, int out, int stride) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
  norm = register_module("norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::min(4, out), out)));
}

torch::Tensor ConvBlockImpl::forward(const torch::Tensor& x) { return torch::silu(norm->forward(conv->forward(x))); }

ClassifierImpl::ClassifierImpl(int in_channels, int classes, int width) {
  features = torch::nn::Sequential(conv_block(in_channels, width, 2), conv_block(width, 2 * width, 2),
                                   conv_block(2 * width, 2 * width, 1), conv_block(2 * width, 4 * width, 2),
                                   conv_block(4 * width, 4 * width, 1), conv_block(4 * width, 8 * width, 2),
                                   conv_block(8 * width, 8 * width, 1));
  head = torch::nn::Linear(8 * width, classes);
  register_module("features", features);
  register_module("head", head);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) {
  torch::Tensor f = features->forward(x - 0.5);
  return head->forward(f.mean({2, 3}));
}

UNetImpl::UNetImpl(int channels, int width, bool conditioned_) : conditioned(conditioned_) {
  const int in = 4 * (channels + (conditioned ? 1 : 0));
  enc1 = register_module("enc1", torch::nn::Sequential(conv_block(in, width, 1)));
  enc2 = register_module("enc2", torch::nn::Sequential(conv_block(width, 2 * width, 2),
                                                       conv_block(2 * width, 2 * width, 1)));
  mid = register_module("mid", torch::nn::Sequential(conv_block(2 * width, 4 * width, 2),
                                                     conv_block(4 * width, 4 * width, 1)));
  up2 = register_module("up2", torch::nn::Conv2d(torch::nn::Conv2dOptions(4 * width, 2 * width, 1)));
  dec2 = register_module("dec2", torch::nn::Sequential(conv_block(4 * width, 2 * width, 1)));
  up1 = register_module("up1", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * width, width, 1)));
  dec1 = register_module("dec1", torch::nn::Sequential(conv_block(2 * width, width, 1)));
  out = register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(width, 4 * channels, 1)));
  torch::NoGradGuard no_grad;
  out->weight.zero_();
  out->bias.zero_();
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& strength) {
  namespace F = torch::nn::functional;
  torch::Tensor in = x;
  if (conditioned) {
    torch::Tensor s = strength.to(x.dtype()).reshape({-1, 1, 1, 1}).expand({x.size(0), 1, x.size(2), x.size(3)});
    in = torch::cat({x, s}, 1);
  }
  const int64_t h = x.size(2), w = x.size(3);
  if (h % 2 || w % 2) in = F::pad(in, F::PadFuncOptions({0, w % 2, 0, h % 2}).mode(torch::kReplicate));
  torch::Tensor e1 = enc1->forward(torch::pixel_unshuffle(in, 2));
  torch::Tensor e2 = enc2->forward(e1);
  torch::Tensor m = mid->forward(e2);
  auto up = [](const torch::Tensor& t, const torch::Tensor& like) {
    return F::interpolate(t, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{like.size(2), like.size(3)})
                                 .mode(torch::kNearest));
  };
  torch::Tensor d2 = dec2->forward(torch::cat({up(up2->forward(m), e2), e2}, 1));
  torch::Tensor d1 = dec1->forward(torch::cat({up(up1->forward(d2), e1), e1}, 1));
  torch::Tensor delta = torch::pixel_shuffle(out->forward(d1), 2).slice(2, 0, h).slice(3, 0, w);
  // Conditioned nets pass the input through with weight (1 - strength): at strength 1 nothing of the input
  // reaches the output unless the net itself carries it (a residual net leaks whatever delta fails to cancel).
  if (conditioned) return x * (1 - strength.to(x.dtype()).reshape({-1, 1, 1, 1})) + delta;
  return x + delta;
}

PrivatizerImpl::PrivatizerImpl(int width, int low_factor_) : low_factor(low_factor_) {
  e_low = register_module("e_low", UNet(3, width, true));
  e_high = register_module("e_high", UNet(3, width, true));
  compensator = register_module("compensator", UNet(3, width, true));
}

torch::Tensor PrivatizerImpl::low_input(const torch::Tensor& low) const {
  return low_factor > 1 ? torch::avg_pool2d(low, low_factor) : low;
}

torch::Tensor PrivatizerImpl::low_output(const torch::Tensor& low, const torch::Tensor& small_in,
                                         const torch::Tensor& small_out) const {
  if (low_factor == 1) return small_out;
  namespace F = torch::nn::functional;
  return low + F::interpolate(small_out - small_in, F::InterpolateFuncOptions()
                                                        .size(std::vector<int64_t>{low.size(2), low.size(3)})
                                                        .mode(torch::kBilinear)
                                                        .align_corners(false));
}

torch::Tensor PrivatizerImpl::enhance(const torch::Tensor& low, const torch::Tensor& high,
                                      const torch::Tensor& s_low, const torch::Tensor& s_high) {
  torch::Tensor small = low_input(low);
  return low_output(low, small, e_low->forward(small, s_low)) + e_high->forward(high, s_high);
}

ThreadGuard::ThreadGuard(int threads) : previous_(at::get_num_threads()) {
  const int t = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (t != previous_) at::set_num_threads(t);
}

ThreadGuard::~ThreadGuard() {
  if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
}

void save_module(torch::nn::Module& module, const std::string& path) {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    module.save(archive);
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    throw IoError(fmt::format("model file '{}': cannot write ({})", path, e.what_without_backtrace()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  FERGUARD_CHECK_AS(!ec, IoError, "model file '{}': cannot rename from '{}' ({})", path, tmp, ec.message());
}

void load_module(torch::nn::Module& module, const std::string& path) {
  FERGUARD_CHECK_AS(std::filesystem::is_regular_file(path), IoError, "model file '{}': not found", path);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    module.load(archive);
  } catch (const c10::Error& e) {
    throw ModelError(fmt::format("model file '{}': does not fit the model ({})", path, e.what_without_backtrace()));
  }
}

torch::Tensor flat_parameters(torch::nn::Module& module) {
  std::vector<torch::Tensor> flat;
  for (const auto& p : module.parameters()) flat.push_back(p.detach().reshape({-1}));
  return torch::cat(flat);
}

}  // namespace ferguard::learn
