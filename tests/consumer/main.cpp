// Links against the installed libferguard using only its public headers; exits 0 if a split reconstructs.
#include <ferguard/ferguard.h>

#include <cmath>
#include <cstdio>

int main() {
  ferguard::Tensor4 x({1, 1, 8, 8});
  for (int i = 0; i < 64; ++i) x.vector()[i] = float(i % 7) / 7.0f;
  const ferguard::SplitResult s = ferguard::FrequencySplitter().split(x);
  float err = 0;
  for (int i = 0; i < 64; ++i) err = std::fmax(err, std::fabs(s.low.vector()[i] + s.high.vector()[i] - x.vector()[i]));
  std::printf("ferguard %s consumer: max reconstruction error %g\n", FERGUARD_VERSION_STRING, err);
  try {
    ferguard::read_image("/nonexistent/consumer.png");
  } catch (const ferguard::IoError&) {
    return err < 1e-5f ? 0 : 1;  // the exception type crossed the shared-library boundary
  }
  return 1;
}
