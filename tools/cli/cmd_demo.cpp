// `ferguard demo`: the main job on the built-in default. For now: draw a face-like test image and split it.
#include <opencv2/imgproc.hpp>

#include "commands.h"
#include "ferguard/ferguard.h"
#include "split_output.h"

namespace ferguard::cli {
namespace {

// A 112x112 face-like drawing (skin-toned oval, brows, eyes, nose, mouth) with a lighting gradient.
Image face_like_image(int size) {
  cv::Mat m(size, size, CV_8UC3, cv::Scalar(70, 90, 120));
  const double s = size / 112.0;
  auto P = [s](double x, double y) { return cv::Point(static_cast<int>(x * s), static_cast<int>(y * s)); };
  auto S = [s](double w, double h) { return cv::Size(static_cast<int>(w * s), static_cast<int>(h * s)); };
  cv::ellipse(m, P(56, 60), S(38, 48), 0, 0, 360, cv::Scalar(225, 185, 160), cv::FILLED, cv::LINE_AA);
  for (int side : {-1, 1}) {
    cv::ellipse(m, P(56 + side * 16, 44), S(10, 3), side * 8, 180, 360, cv::Scalar(60, 40, 30), 2, cv::LINE_AA);
    cv::ellipse(m, P(56 + side * 16, 52), S(7, 4), 0, 0, 360, cv::Scalar(250, 250, 250), cv::FILLED, cv::LINE_AA);
    cv::circle(m, P(56 + side * 16, 52), static_cast<int>(3 * s), cv::Scalar(70, 50, 40), cv::FILLED, cv::LINE_AA);
  }
  cv::line(m, P(56, 55), P(53, 72), cv::Scalar(180, 130, 110), 2, cv::LINE_AA);
  cv::ellipse(m, P(56, 86), S(14, 6), 0, 0, 180, cv::Scalar(150, 60, 60), 3, cv::LINE_AA);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      cv::Vec3b& p = m.at<cv::Vec3b>(y, x);
      const double g = 0.85 + 0.3 * x / size;
      for (int c = 0; c < 3; ++c) p[c] = cv::saturate_cast<uchar>(p[c] * g);
    }
  return Image(size, size, 3, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3));
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto out = std::make_shared<std::string>("demo_out");
  CLI::App* cmd = app.add_subcommand("demo", "Run the main job on the built-in default input");
  cmd->add_option("--out", *out, "Output folder")->capture_default_str();
  cmd->callback([out] {
    std::error_code ec;
    std::filesystem::create_directories(*out, ec);
    if (ec) throw IoError("output folder '" + *out + "': cannot create (" + ec.message() + ")");
    const Image face = face_like_image(224);
    write_image((std::filesystem::path(*out) / "input.png").string(), face);
    write_split(FrequencySplitter(SplitOptions{}), face, *out);
  });
}

}  // namespace ferguard::cli
