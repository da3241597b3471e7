// Drawn reports: the annotated privatized image and the privacy/utility sweep plot. The Mats hold RGB, so colours
// are written (R, G, B).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "detail/check.h"
#include "ferguard/pipeline/report.h"

namespace ferguard {
namespace {

const cv::Scalar kGreen(40, 200, 60), kOrange(255, 150, 0), kRed(230, 30, 30), kGrey(150, 150, 150),
    kWhite(255, 255, 255), kBlack(0, 0, 0);

cv::Mat to_mat(const Image& image) {
  cv::Mat m(image.height(), image.width(), CV_8UC3);
  std::copy(image.pixels().begin(), image.pixels().end(), m.data);
  return m;
}

Image from_mat(const cv::Mat& m) {
  return Image(m.rows, m.cols, 3, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3));
}

// Text on a filled background, so that it stays readable on any face; returns the height used.
int label(cv::Mat& m, const std::string& text, cv::Point at, double scale, const cv::Scalar& bg,
          const cv::Scalar& fg) {
  const int thickness = std::max(1, static_cast<int>(std::lround(scale * 1.5)));
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
  const int pad = std::max(1, size.height / 4);
  cv::rectangle(m, cv::Point(at.x, at.y), cv::Point(at.x + size.width + 2 * pad, at.y + size.height + baseline + pad),
                bg, cv::FILLED);
  cv::putText(m, text, cv::Point(at.x + pad, at.y + size.height + pad / 2), cv::FONT_HERSHEY_SIMPLEX, scale, fg,
              thickness, cv::LINE_AA);
  return size.height + baseline + pad;
}

std::vector<std::string> face_lines(const FaceResult& f) {
  if (f.status == FaceStatus::masked) return {"masked: " + (f.reason.empty() ? std::string("unknown") : f.reason)};
  const int k = static_cast<int>(f.expression.label());
  std::vector<std::string> lines = {fmt::format("{} {:.2f}", expression_names()[k], f.expression.probs[k]),
                                    fmt::format("leakage {:.2f}", f.leakage)};
  for (const AuditResult& a : f.audits) lines.push_back(fmt::format("{}: {}", a.auditor, a.match ? "match" : "no"));
  return lines;
}

}  // namespace

Image annotate(const Image& private_image, const AnalysisResult& result) {
  FERGUARD_CHECK(!private_image.empty() && private_image.channels() == 3,
                 "annotate: expected a non-empty HxWx3 RGB image, got {}x{}x{}", private_image.height(),
                 private_image.width(), private_image.channels());
  cv::Mat m = to_mat(private_image);
  const int side = std::min(m.cols, m.rows);
  const double scale = std::clamp(side / 900.0, 0.3, 2.0);
  const int thickness = std::max(1, side / 250);
  for (const FaceResult& f : result.faces) {
    bool matched = false;
    for (const AuditResult& a : f.audits) matched = matched || a.match;
    const cv::Scalar colour = f.status == FaceStatus::masked ? kGrey : (matched ? kRed : (f.leakage >= 0.5f ? kOrange : kGreen));
    const cv::Point p0(static_cast<int>(std::lround(f.face.box.x)), static_cast<int>(std::lround(f.face.box.y)));
    const cv::Point p1(static_cast<int>(std::lround(f.face.box.x + f.face.box.width)),
                       static_cast<int>(std::lround(f.face.box.y + f.face.box.height)));
    cv::rectangle(m, p0, p1, colour, thickness);
    // The labels go below the box when it fits, otherwise inside its top.
    int y = p1.y + thickness;
    const std::vector<std::string> lines = face_lines(f);
    const int line_height = static_cast<int>(std::lround(30 * scale)) + 2;
    if (y + line_height * static_cast<int>(lines.size()) > m.rows) y = std::max(0, p0.y + thickness);
    const int x = std::clamp(p0.x, 0, std::max(0, m.cols - 1));
    for (const std::string& line : lines) y += label(m, line, cv::Point(x, y), scale, colour, kWhite);
  }
  return from_mat(m);
}

Image contact_sheet(const std::vector<ContactSheetEntry>& entries, int tile) {
  FERGUARD_CHECK(tile >= 32 && tile <= 1024, "contact_sheet: tile {} outside 32..1024", tile);
  std::vector<cv::Mat> rows;
  for (const ContactSheetEntry& e : entries) {
    FERGUARD_CHECK(e.original && e.result && e.original->channels() == 3 &&
                       e.original->width() == e.result->private_image.width() &&
                       e.original->height() == e.result->private_image.height(),
                   "contact_sheet: an entry's original and result differ in size");
    const cv::Mat orig = to_mat(*e.original), priv = to_mat(e.result->private_image);
    for (const FaceResult& f : e.result->faces) {
      // A square around the face, a little larger than its box, from both images.
      const FaceBox& b = f.face.box;
      const float side = 1.5f * std::max(b.width, b.height);
      const cv::Rect r(int(std::lround(b.x + 0.5f * b.width - 0.5f * side)),
                       int(std::lround(b.y + 0.5f * b.height - 0.5f * side)), std::max(1, int(std::lround(side))),
                       std::max(1, int(std::lround(side))));
      cv::Mat row(tile, 2 * tile + 4, CV_8UC3, kWhite);
      int x = 0;
      for (const cv::Mat* m : {&orig, &priv}) {
        cv::Mat square(r.height, r.width, CV_8UC3, kBlack);
        const cv::Rect in = r & cv::Rect(0, 0, m->cols, m->rows);
        if (in.area() > 0) (*m)(in).copyTo(square(cv::Rect(in.x - r.x, in.y - r.y, in.width, in.height)));
        cv::Mat small;
        cv::resize(square, small, cv::Size(tile, tile), 0, 0, r.width > tile ? cv::INTER_AREA : cv::INTER_LINEAR);
        small.copyTo(row(cv::Rect(x, 0, tile, tile)));
        x += tile + 4;
      }
      const double scale = tile / 400.0;
      if (f.status == FaceStatus::masked) label(row, "masked", {tile + 4, 0}, scale, kRed, kWhite);
      rows.push_back(row);
    }
  }
  FERGUARD_CHECK(!rows.empty(), "contact_sheet: no face to show");
  // Rows of faces in columns of at most 8.
  const int per_column = 8, columns = int((rows.size() + per_column - 1) / per_column);
  cv::Mat sheet(std::min<int>(int(rows.size()), per_column) * (tile + 4), columns * (2 * tile + 16), CV_8UC3, kWhite);
  for (std::size_t i = 0; i < rows.size(); ++i)
    rows[i].copyTo(sheet(cv::Rect(int(i / per_column) * (2 * tile + 16), int(i % per_column) * (tile + 4),
                                  rows[i].cols, rows[i].rows)));
  return from_mat(sheet);
}

Image plot_sweep(const std::vector<SweepPoint>& points, const std::string& auditor, bool independent) {
  const int width = 800, height = 600, left = 80, right = 200, top = 50, bottom = 70;
  const int pw = width - left - right, ph = height - top - bottom;
  auto px = [&](double x) { return left + static_cast<int>(std::lround(std::clamp(x, 0.0, 1.0) * pw)); };
  auto py = [&](double y) { return top + ph - static_cast<int>(std::lround(std::clamp(y, 0.0, 1.0) * ph)); };

  // Methods in order of first appearance, each with its points in the given order.
  std::vector<std::string> methods;
  std::map<std::string, std::vector<std::pair<cv::Point, float>>> series;
  bool face_protocol = false;
  for (const SweepPoint& p : points) {
    for (const AuditorSummary& a : p.summary.auditors) {
      if (a.auditor != auditor) continue;
      if (series.find(p.method) == series.end()) methods.push_back(p.method);
      // y: the face protocol's worst crop when the protocol audit ran, else the same-photo rank-1.
      double y = a.rank1_private;
      for (const ProtocolAuditorSummary& r : p.summary.protocols.results)
        if (r.auditor == auditor && r.protocol == AuditProtocol::face) y = r.worst_rank1.value, face_protocol = true;
      const double x = independent ? std::max(0.0, p.summary.second_agreement) : p.summary.agreement;
      series[p.method].push_back({cv::Point(px(x), py(y)), p.strength});
    }
  }
  FERGUARD_CHECK(!methods.empty(), "plot_sweep: no sweep point has auditor '{}' ({} point(s))", auditor,
                 points.size());

  cv::Mat m(height, width, CV_8UC3, kWhite);
  // Target region: agreement >= 85 % (65 % for the independent model), rank-1 <= 15 %.
  const double min_x = independent ? kTargetMinSecondAgreement : kTargetMinAgreement;
  cv::rectangle(m, cv::Point(px(min_x), py(kTargetMaxRank1)), cv::Point(px(1.0), py(0.0)),
                cv::Scalar(210, 245, 210), cv::FILLED);
  // Grid, ticks and tick labels.
  for (int i = 0; i <= 10; ++i) {
    const double v = i / 10.0;
    cv::line(m, cv::Point(px(v), top), cv::Point(px(v), top + ph), cv::Scalar(230, 230, 230), 1);
    cv::line(m, cv::Point(left, py(v)), cv::Point(left + pw, py(v)), cv::Scalar(230, 230, 230), 1);
    cv::line(m, cv::Point(px(v), top + ph), cv::Point(px(v), top + ph + 6), kBlack, 1);
    cv::line(m, cv::Point(left - 6, py(v)), cv::Point(left, py(v)), kBlack, 1);
    if (i % 2 == 0) {
      const std::string t = fmt::format("{:.1f}", v);
      cv::putText(m, t, cv::Point(px(v) - 12, top + ph + 22), cv::FONT_HERSHEY_SIMPLEX, 0.45, kBlack, 1, cv::LINE_AA);
      cv::putText(m, t, cv::Point(left - 40, py(v) + 5), cv::FONT_HERSHEY_SIMPLEX, 0.45, kBlack, 1, cv::LINE_AA);
    }
  }
  cv::rectangle(m, cv::Point(left, top), cv::Point(left + pw, top + ph), kBlack, 1);
  cv::putText(m, independent ? "expression agreement (independent model)" : "expression agreement (ferguard's model)",
              cv::Point(left + pw / 2 - 150, height - 20),
              cv::FONT_HERSHEY_SIMPLEX, 0.55, kBlack, 1, cv::LINE_AA);
  // The y label, written horizontally and rotated into place.
  const std::string ylabel = face_protocol ? fmt::format("rank-1, face protocol, worst crop ({})", auditor)
                                           : fmt::format("rank-1 re-identification ({})", auditor);
  cv::Mat text(30, ph, CV_8UC3, kWhite);
  int baseline = 0;
  const int text_width = cv::getTextSize(ylabel, cv::FONT_HERSHEY_SIMPLEX, 0.55, 1, &baseline).width;
  cv::putText(text, ylabel, cv::Point(std::max(0, (ph - text_width) / 2), 20), cv::FONT_HERSHEY_SIMPLEX, 0.55, kBlack,
              1, cv::LINE_AA);
  cv::Mat rotated;
  cv::rotate(text, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
  rotated.copyTo(m(cv::Rect(8, top, rotated.cols, rotated.rows)));
  cv::putText(m, fmt::format("privacy / utility sweep: auditor {}", auditor), cv::Point(left, 30),
              cv::FONT_HERSHEY_SIMPLEX, 0.65, kBlack, 1, cv::LINE_AA);
  cv::putText(m, "target", cv::Point(px(min_x) + 4, py(kTargetMaxRank1) + 16), cv::FONT_HERSHEY_SIMPLEX,
              0.4, cv::Scalar(40, 120, 40), 1, cv::LINE_AA);

  const cv::Scalar palette[] = {cv::Scalar(31, 119, 180), cv::Scalar(255, 127, 14), cv::Scalar(44, 160, 44),
                                cv::Scalar(214, 39, 40),  cv::Scalar(148, 103, 189), cv::Scalar(140, 86, 75), cv::Scalar(120, 120, 120)};
  for (std::size_t k = 0; k < methods.size(); ++k) {
    const cv::Scalar colour = palette[k % 7];
    const auto& pts = series[methods[k]];
    for (std::size_t i = 1; i < pts.size(); ++i) cv::line(m, pts[i - 1].first, pts[i].first, colour, 2, cv::LINE_AA);
    for (const auto& [p, strength] : pts) {
      cv::circle(m, p, 5, colour, cv::FILLED, cv::LINE_AA);
      cv::putText(m, fmt::format("{:g}", strength), p + cv::Point(6, -6), cv::FONT_HERSHEY_SIMPLEX, 0.35, colour, 1,
                  cv::LINE_AA);
    }
    const int ly = top + 20 + static_cast<int>(k) * 24;
    cv::line(m, cv::Point(left + pw + 20, ly), cv::Point(left + pw + 50, ly), colour, 2, cv::LINE_AA);
    cv::circle(m, cv::Point(left + pw + 35, ly), 5, colour, cv::FILLED, cv::LINE_AA);
    cv::putText(m, methods[k], cv::Point(left + pw + 58, ly + 5), cv::FONT_HERSHEY_SIMPLEX, 0.5, kBlack, 1,
                cv::LINE_AA);
  }
  cv::putText(m, "labels: strength", cv::Point(left + pw + 20, top + 20 + static_cast<int>(methods.size()) * 24 + 10),
              cv::FONT_HERSHEY_SIMPLEX, 0.4, kGrey, 1, cv::LINE_AA);
  return from_mat(m);
}

}  // namespace ferguard
