// Privatize every face of a photo, predict its expression and print the leakage beside each prediction.
//   build/bin/example_analyze photo.jpg out.png
#include <ferguard/ferguard.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IMAGE OUT.png\n", argv[0]);
    return 2;
  }
  try {
    ferguard::PipelineOptions options;  // the template method: k-anonymous face replacement, strengths 1
    options.strength_shape = 1.0f;      // jaw, nose and eye spacing fully moved to the template (the default)
    options.auditors = {"faceres"};     // recognisers that steered nothing
    const ferguard::Pipeline pipeline(options);
    const ferguard::AnalysisResult r = pipeline.analyze(ferguard::read_image(argv[1]));
    ferguard::write_image(argv[2], r.private_image);  // same size, every face privatized in place
    for (const ferguard::FaceResult& f : r.faces) {
      if (f.status == ferguard::FaceStatus::masked) {
        std::printf("face masked: %s\n", f.reason.c_str());
        continue;
      }
      const ferguard::Expression e = f.expression.label();
      std::printf("%-9s %.2f  leakage %.2f", ferguard::expression_names()[int(e)].c_str(), f.expression[e], f.leakage);
      for (const ferguard::AuditResult& a : f.audits)
        std::printf("  %s %.2f/%.2f %s", a.auditor.c_str(), a.distance, a.threshold, a.match ? "MATCH" : "no match");
      std::printf("\n");
    }
  } catch (const ferguard::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
