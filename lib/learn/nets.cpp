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

UNetImpl::UNetImpl(int channels, int width, bool conditioned_, bool gated_)
    : conditioned(conditioned_), gated(conditioned_ && gated_) {
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
  if (gated) return x * (1 - strength.to(x.dtype()).reshape({-1, 1, 1, 1})) + delta;
  return x + delta;
}

TemplateBankImpl::TemplateBankImpl(int identities_, int channels, int size) : identities(identities_) {
  sums = register_buffer("sums", torch::zeros({identities * kNumExpressions, channels, size, size}));
  counts = register_buffer("counts", torch::zeros({identities * kNumExpressions}));
}

void TemplateBankImpl::fit(const torch::Tensor& stream, const torch::Tensor& identity,
                           const torch::Tensor& expression) {
  FERGUARD_CHECK_AS(identities > 0 && stream.dim() == 4 && stream.sizes().slice(1) == sums.sizes().slice(1),
                    ModelError, "template bank: expected streams of shape Nx{}x{}x{}", sums.size(1), sums.size(2),
                    sums.size(3));
  torch::NoGradGuard no_grad;
  const torch::Tensor row = identity * kNumExpressions + expression;
  sums.index_add_(0, row, stream.to(torch::kFloat32));
  counts.index_add_(0, row, torch::ones({stream.size(0)}));
}

torch::Tensor TemplateBankImpl::forward(const torch::Tensor& expression, const torch::Tensor& identity,
                                        const torch::Tensor& strength) {
  const int64_t b = identity.size(0), n = identities, k = kNumExpressions;
  FERGUARD_CHECK_AS(n > 0, ModelError, "template bank: empty (this model was trained with the 'unet' enhancer)");
  // members[i][j] = 1 when identity j shares face i's group at face i's strength.
  std::vector<float> members(static_cast<std::size_t>(b * n), 0.0f);
  auto id = identity.accessor<int64_t, 1>();
  auto s = strength.accessor<float, 1>();
  for (int64_t i = 0; i < b; ++i) {
    const int g = identity_groups(s[i], static_cast<int>(n));
    const int64_t group = id[i] % g;
    for (int64_t j = group; j < n; j += g) members[static_cast<std::size_t>(i * n + j)] = 1.0f;
  }
  const torch::Tensor w = torch::from_blob(members.data(), {b, n}, torch::kFloat32);
  const int64_t plane = sums[0].numel();
  const torch::Tensor num = w.matmul(sums.reshape({n, k * plane})).reshape({b, k, plane});
  const torch::Tensor den = w.matmul(counts.reshape({n, k}));  // b x k
  // Cells without training faces: the expression's mean over every identity.
  const torch::Tensor all_num = sums.reshape({n, k, plane}).sum(0);
  const torch::Tensor all_den = counts.reshape({n, k}).sum(0).clamp_min(1.0);
  const torch::Tensor mean = torch::where((den > 0).unsqueeze(2), num / den.clamp_min(1.0).unsqueeze(2),
                                          (all_num / all_den.unsqueeze(1)).unsqueeze(0));
  return (expression.unsqueeze(2) * mean).sum(1).reshape({b, sums.size(1), sums.size(2), sums.size(3)});
}

PrivatizerImpl::PrivatizerImpl(int width, int low_factor_, EnhancerKind kind_, int identities, int size)
    : low_factor(low_factor_), kind(kind_) {
  e_low = register_module("e_low", UNet(3, width, true, true));
  e_high = register_module("e_high", UNet(3, width, true, true));
  // The compensator sees only the enhanced face. After U-Net enhancers it is gated like them (at strength 1 it
  // must not pass on what they failed to remove); after templates, which carry no identity, it refines them.
  compensator = register_module("compensator", UNet(3, width, true, kind_ == EnhancerKind::unet));
  const int bank = kind == EnhancerKind::templates ? identities : 0;
  t_low = register_module("t_low", TemplateBank(bank, 3, bank ? size : 1));
  t_high = register_module("t_high", TemplateBank(bank, 3, bank ? size : 1));
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

torch::Tensor PrivatizerImpl::enhance_templates(const torch::Tensor& low, const torch::Tensor& high,
                                                const torch::Tensor& s_low, const torch::Tensor& s_high,
                                                const torch::Tensor& expression, const torch::Tensor& id_low,
                                                const torch::Tensor& id_high) {
  // Strength 0 keeps the stream; any other strength replaces it by its template.
  auto pick = [&](TemplateBank& bank, const torch::Tensor& stream, const torch::Tensor& s, const torch::Tensor& id) {
    const torch::Tensor on = (s > 0).reshape({-1, 1, 1, 1});
    if (!on.any().item<bool>()) return stream;
    return torch::where(on, bank->forward(expression, id, s), stream);
  };
  return pick(t_low, low, s_low, id_low) + pick(t_high, high, s_high, id_high);
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
