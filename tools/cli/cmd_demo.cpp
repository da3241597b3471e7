// `ferguard demo`: the main job on the built-in default. For now: draw a face-like test image and split it.
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iostream>

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

// face-api's pipeline and the independent judges on the sample photos that set-up fetched: a table per face of
// face-api's expression, the emotion net's, and whether each recogniser matches the face with its mirror image.
void demo_sample_photos(const std::string& samples_dir) {
  if (!std::filesystem::is_directory(samples_dir)) {
    std::cout << "\n(no sample photos in " << samples_dir << ": run scripts/fetch_models.sh for the face demo)\n";
    return;
  }
  std::vector<std::string> photos;
  for (const auto& e : std::filesystem::directory_iterator(samples_dir))
    if (e.path().extension() == ".jpg") photos.push_back(e.path().string());
  std::sort(photos.begin(), photos.end());
  FaceAnalyzerOptions o;
  const FaceAnalyzer analyzer(o);
  ModelOptions mo;
  const auto judge = make_expression_model("emotion", mo);
  std::vector<std::unique_ptr<Recognizer>> recognizers;
  for (const auto& name : recognizer_names()) recognizers.push_back(make_recognizer(name, mo));
  std::cout << "\nface-api's pipeline and the independent judges on " << photos.size() << " sample photos\n"
            << fmt::format("{:<12} {:>4}  {:<10} {:<10}", "photo", "face", "faceapi", "emotion");
  for (const auto& r : recognizers) std::cout << fmt::format("  {:>18}", r->name() + " d(mirror)");
  std::cout << "\n";
  int total = 0, agree = 0;
  for (const auto& path : photos) {
    const Image image = read_image(path);
    const std::vector<Face> faces = analyzer.detect(image);
    const auto probs = analyzer.expressions(image, faces);
    const auto other = judge->predict_faces(image, faces);
    std::vector<std::vector<std::vector<float>>> dist(recognizers.size());
    for (std::size_t r = 0; r < recognizers.size(); ++r) {
      std::vector<Image> crops, mirrored;
      for (const Face& f : faces) {
        crops.push_back(crop_with_padding(image, recognizers[r]->crop_rect(f, image.width(), image.height())));
        Image m = crops.back();
        for (int y = 0; y < m.height(); ++y)
          for (int x = 0; x < m.width() / 2; ++x)
            for (int c = 0; c < 3; ++c) std::swap(m.at(y, x, c), m.at(y, m.width() - 1 - x, c));
        mirrored.push_back(std::move(m));
      }
      if (!faces.empty()) {
        dist[r].push_back({});
        const auto a = recognizers[r]->embed(crops), b = recognizers[r]->embed(mirrored);
        for (std::size_t i = 0; i < faces.size(); ++i) dist[r][0].push_back(recognizers[r]->distance(a[i], b[i]));
      }
    }
    for (std::size_t i = 0; i < faces.size(); ++i) {
      const auto e1 = probs[i].label(), e2 = other[i].label();
      ++total;
      agree += e1 == e2;
      std::cout << fmt::format("{:<12} {:>4}  {:<10} {:<10}", std::filesystem::path(path).filename().string(), i,
                               expression_names()[static_cast<int>(e1)], expression_names()[static_cast<int>(e2)]);
      for (std::size_t r = 0; r < recognizers.size(); ++r) {
        const float d = dist[r][0][i];
        std::cout << fmt::format("  {:>10.3f} {:<7}", d, d <= recognizers[r]->threshold() ? "(match)" : "(no)");
      }
      std::cout << "\n";
    }
  }
  std::cout << fmt::format("{} faces; the two expression models agree on {}. A recogniser that matches a face with "
                           "its mirror image re-identifies it: this is the identity that privatisation must remove.\n",
                           total, agree);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto out = std::make_shared<std::string>("demo_out");
  auto samples = std::make_shared<std::string>(FERGUARD_DEFAULT_SAMPLES_DIR);
  CLI::App* cmd = app.add_subcommand("demo", "Run the main job on the built-in default input");
  cmd->add_option("--out", *out, "Output folder")->capture_default_str();
  cmd->add_option("--samples", *samples, "Folder of sample photos (*.jpg) for the face demo")->capture_default_str();
  cmd->callback([out, samples] {
    std::error_code ec;
    std::filesystem::create_directories(*out, ec);
    if (ec) throw IoError("output folder '" + *out + "': cannot create (" + ec.message() + ")");
    const Image face = face_like_image(224);
    write_image((std::filesystem::path(*out) / "input.png").string(), face);
    write_split(FrequencySplitter(SplitOptions{}), face, *out);
    demo_sample_photos(*samples);
  });
}

}  // namespace ferguard::cli
