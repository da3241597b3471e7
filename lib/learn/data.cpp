#include "learn/data.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "detail/check.h"
#include "detail/parallel.h"

namespace ferguard::learn {

TensorSet TensorSet::select(const torch::Tensor& index) const {
  return {images.index_select(0, index), identity.index_select(0, index), expression.index_select(0, index)};
}

std::uint64_t derive_seed(std::uint64_t seed, const std::string& name, std::uint64_t index) {
  // FNV-1a over the name, mixed with the seed and index (splitmix64 finaliser).
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  std::uint64_t z = h ^ (seed + 0x9e3779b97f4a7c15ull * (index + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

namespace {

TensorSet gather(const FaceDataset& data, const std::vector<std::size_t>& ids, int size, int threads) {
  const int64_t n = static_cast<int64_t>(ids.size());
  TensorSet s{torch::empty({n, 3, size, size}), torch::empty({n}, torch::kInt64), torch::empty({n}, torch::kInt64)};
  float* px = s.images.data_ptr<float>();
  int64_t* pid = s.identity.data_ptr<int64_t>();
  int64_t* pex = s.expression.data_ptr<int64_t>();
  detail::parallel_for(n, threads, [&](int64_t k) {
    FaceSample sample = data.get(ids[k]);
    const Image& im = sample.image;
    cv::Mat m(im.height(), im.width(), im.channels() == 3 ? CV_8UC3 : CV_8UC1, const_cast<std::uint8_t*>(im.data()));
    if (im.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
    cv::Mat r;
    cv::resize(m, r, cv::Size(size, size), 0, 0, im.height() > size ? cv::INTER_AREA : cv::INTER_LINEAR);
    float* dst = px + k * 3 * size * size;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const cv::Vec3b& p = r.at<cv::Vec3b>(y, x);
        for (int c = 0; c < 3; ++c) dst[(static_cast<std::size_t>(c) * size + y) * size + x] = p[c] / 255.0f;
      }
    pid[k] = sample.identity;
    pex[k] = sample.expression;
  });
  return s;
}

}  // namespace

LearnData load_data(const FaceDataset& data, int size, double val_fraction, std::uint64_t seed, int threads) {
  FERGUARD_CHECK(data.size() > 0, "dataset '{}': is empty", data.name());
  FERGUARD_CHECK(data.num_identities() > 1,
                 "dataset '{}': the privacy pipeline needs identity labels (at least 2 identities), got {}",
                 data.name(), data.num_identities());
  std::vector<std::size_t> train, val, test;
  for (std::size_t i = 0; i < data.size(); ++i) {
    switch (data.split_of(i)) {
      case Split::train: train.push_back(i); break;
      case Split::val: val.push_back(i); break;
      case Split::test: test.push_back(i); break;
    }
  }
  if (test.empty()) std::swap(test, val);
  if (val.empty()) {
    std::mt19937_64 rng(derive_seed(seed, "val-split"));
    std::shuffle(train.begin(), train.end(), rng);
    const std::size_t k = static_cast<std::size_t>(std::llround(val_fraction * static_cast<double>(train.size())));
    val.assign(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(k));
    train.erase(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(k));
    std::sort(train.begin(), train.end());
    std::sort(val.begin(), val.end());
  }
  FERGUARD_CHECK(!train.empty() && !val.empty() && !test.empty(),
                 "dataset '{}': expected non-empty train, validation and test sets, got {}, {} and {} samples",
                 data.name(), train.size(), val.size(), test.size());
  LearnData d;
  d.identities = data.num_identities();
  d.name = data.name();
  d.train = gather(data, train, size, threads);
  d.val = gather(data, val, size, threads);
  d.test = gather(data, test, size, threads);
  for (const TensorSet* s : {&d.train, &d.val, &d.test}) {
    FERGUARD_CHECK(s->identity.min().item<int64_t>() >= 0 && s->identity.max().item<int64_t>() < d.identities,
                   "dataset '{}': expected identity labels in 0..{}, some sample has none or another",
                   data.name(), d.identities - 1);
    FERGUARD_CHECK(s->expression.min().item<int64_t>() >= 0 && s->expression.max().item<int64_t>() < kNumExpressions,
                   "dataset '{}': expected expression labels in 0..{}, some sample has none or another",
                   data.name(), kNumExpressions - 1);
  }
  return d;
}

BatchLoader::BatchLoader(const TensorSet& set, int batch_size, std::uint64_t seed, int rank, int world_size)
    : set_(set), batch_size_(batch_size), rank_(rank), world_(world_size) {
  order_.resize(static_cast<std::size_t>(set.size()));
  std::iota(order_.begin(), order_.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order_.begin(), order_.end(), rng);
  const int64_t n = set.size();
  batches_ = n >= 2 * batch_size ? n / batch_size : (n + batch_size - 1) / batch_size;
  worker_ = std::thread([this] { produce(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void BatchLoader::produce() {
  for (int64_t b = 0; b < batches_; ++b) {
    const int64_t begin = b * batch_size_, end = std::min<int64_t>(begin + batch_size_, set_.size());
    const int64_t len = end - begin;
    const int64_t lo = begin + len * rank_ / world_, hi = begin + len * (rank_ + 1) / world_;
    torch::Tensor index = torch::from_blob(const_cast<int64_t*>(order_.data()) + lo, {hi - lo}, torch::kInt64).clone();
    TensorSet part = set_.select(index);
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return stop_ || queue_.size() < 2; });
    if (stop_) return;
    queue_.push_back(Batch{part.images, part.identity, part.expression, b, lo - begin, len});
    ++produced_;
    cv_.notify_all();
  }
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !queue_.empty() || produced_ == batches_; });
  if (queue_.empty()) return std::nullopt;
  Batch b = std::move(queue_.front());
  queue_.pop_front();
  cv_.notify_all();
  return b;
}

}  // namespace ferguard::learn
