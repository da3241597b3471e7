#pragma once
// A tiny labelled face stand-in for the learn tests: coloured blobs whose identity shows in the background
// and face colour, face shape and a "mole" (coarse and fine), and whose expression shows in the mouth and
// brows. Deterministic; sample k of each (identity, expression) goes to test when k == K-1, val when
// k == K-2 (K >= 3), train otherwise.
#include <opencv2/imgproc.hpp>

#include <random>

#include "ferguard/data/dataset.h"

namespace ferguard::test {

class BlobFaces final : public FaceDataset {
 public:
  BlobFaces(int identities, int samples, int size, unsigned seed = 1)
      : identities_(identities), samples_(samples), size_(size), seed_(seed) {}

  std::size_t size() const override { return static_cast<std::size_t>(identities_) * kNumExpressions * samples_; }
  int num_identities() const override { return identities_; }
  std::string name() const override { return "blobs"; }
  Split split_of(std::size_t i) const override {
    const int k = static_cast<int>(i % samples_);
    if (samples_ >= 3 && k == samples_ - 1) return Split::test;
    if (samples_ >= 3 && k == samples_ - 2) return Split::val;
    return Split::train;
  }

  FaceSample get(std::size_t i) const override {
    const int id = static_cast<int>(i / (kNumExpressions * samples_));
    const int ex = static_cast<int>(i / samples_ % kNumExpressions);
    std::mt19937 who(seed_ * 7919u + static_cast<unsigned>(id));
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double s = size_ / 64.0;
    cv::Mat m(size_, size_, CV_8UC3, cv::Scalar(60 + 150 * u(who), 60 + 150 * u(who), 60 + 150 * u(who)));
    const cv::Scalar skin(150 + 100 * u(who), 110 + 100 * u(who), 90 + 80 * u(who));
    const double aspect = 0.75 + 0.35 * u(who);
    const cv::Point mole(static_cast<int>((20 + 24 * u(who)) * s), static_cast<int>((24 + 20 * u(who)) * s));
    std::mt19937 nuisance(seed_ * 104729u + static_cast<unsigned>(i));
    const double dx = (u(nuisance) - 0.5) * 4 * s, dy = (u(nuisance) - 0.5) * 4 * s;
    auto P = [&](double x, double y) { return cv::Point(static_cast<int>(x * s + dx), static_cast<int>(y * s + dy)); };
    cv::ellipse(m, P(32, 34), cv::Size(static_cast<int>(22 * s), static_cast<int>(22 * s / aspect)), 0, 0, 360, skin,
                cv::FILLED);
    cv::circle(m, mole + cv::Point(static_cast<int>(dx), static_cast<int>(dy)), std::max(1, static_cast<int>(s)),
               cv::Scalar(40, 20, 20), cv::FILLED);
    // Expression: mouth curvature/opening and brow tilt, one setting per class.
    static const double curve[kNumExpressions] = {0, 8, -8, -4, -2, -6, 0};
    static const double open[kNumExpressions] = {1, 2, 1, 1, 4, 2, 9};
    static const double brow[kNumExpressions] = {0, 2, -6, 10, -10, 6, -14};
    cv::ellipse(m, P(32, 46 - curve[ex] / 4), cv::Size(static_cast<int>(9 * s), static_cast<int>((std::abs(curve[ex]) / 2 + open[ex]) * s / 2 + 1)),
                0, curve[ex] >= 0 ? 0 : 180, curve[ex] >= 0 ? 180 : 360, cv::Scalar(120, 30, 40), std::max(1, static_cast<int>(2 * s)));
    for (int side : {-1, 1})
      cv::line(m, P(32 + side * 6, 22 - side * brow[ex] / 4), P(32 + side * 16, 22 + side * brow[ex] / 4),
               cv::Scalar(50, 30, 20), std::max(1, static_cast<int>(2 * s)));
    std::normal_distribution<double> noise(0.0, 4.0);
    for (auto it = m.begin<cv::Vec3b>(); it != m.end<cv::Vec3b>(); ++it)
      for (int c = 0; c < 3; ++c) (*it)[c] = cv::saturate_cast<uchar>((*it)[c] + noise(nuisance));
    FaceSample out;
    out.image = Image(size_, size_, 3, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3));
    out.identity = id;
    out.expression = ex;
    out.split = split_of(i);
    out.source = "blobs:" + std::to_string(i);
    return out;
  }

 private:
  int identities_, samples_, size_;
  unsigned seed_;
};

}  // namespace ferguard::test
