// Split a face image into its low- and high-frequency streams and save both.
#include <ferguard/ferguard.h>

#include <iostream>

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::cerr << "usage: example_split IMAGE\n";
    return 2;
  }
  ferguard::SplitOptions options;
  options.cutoff = 0.1;                           // fraction of the Nyquist radius
  options.filter = ferguard::FilterKind::gaussian;
  ferguard::FrequencySplitter splitter(options);
  ferguard::Tensor4 face = ferguard::to_tensor(ferguard::read_image(argv[1]));  // 1x3xHxW in [0,1]
  ferguard::SplitResult streams = splitter.split(face);                        // low + high == face
  ferguard::write_image("low.png", ferguard::to_image(streams.low));
  std::cout << "wrote low.png with " << splitter.name() << "\n";
  return 0;
} catch (const ferguard::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
