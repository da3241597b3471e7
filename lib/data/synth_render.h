#pragma once
// The synthetic face model behind SyntheticFaces: identity parameters (drawn once per person), action-unit
// expression parameters and nuisance (drawn per sample), and a renderer that draws them with OpenCV.
// Units: a face is drawn in "design units", 1/112 of the image side, centred on the face.
#include <array>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "ferguard/data/synth.h"

namespace ferguard::detail {

/// An RGB colour with float channels in [0, 255].
struct Rgb {
  double r = 0, g = 0, b = 0;
};

/// Everything that makes one synthetic person.
struct FaceIdentity {
  // Coarse: head and jaw shape, skin, hair.
  double half_width = 33, top = 44, bottom = 42;   // head half-width, crown above and chin below the centre
  double jaw = 0.9, jaw_depth = 0.6, chin = 0.45;  // Bezier controls of the lower outline
  Rgb skin, hair, brow, lip, iris;
  int hair_style = 0;                              // 0 short, 1 long, 2 bald, 3 fringe, 4 side part, 5 volume
  double hairline = 10, hairline_round = 0.7, part = 0;
  double ear = 6;
  // Fine: eyes, brows, nose, lips, marks, texture.
  double eye_y = -8, eye_spacing = 14, eye_w = 6, eye_h = 2.6, eye_tilt = 0, iris_ratio = 0.6, lash = 1;
  double brow_gap = 8, brow_thick = 2, brow_arch = 1.5, brow_len = 1.2;
  double nose_y = 12, nose_w = 6, nostril = 1.5;
  double mouth_y = 25, mouth_w = 11, upper_lip = 2.5, lower_lip = 3.2, bow = 0.3;
  double texture_fine = 0.04, texture_mid = 0.03, age = 0.1, stubble = 0;
  std::uint64_t texture_key = 0;
  std::vector<cv::Vec3d> moles;     // x, y, radius
  std::vector<cv::Vec3d> freckles;  // x, y, radius
};

/// Action units (FACS numbers) that the renderer understands.
enum Au : int { kAu1, kAu2, kAu4, kAu5, kAu6, kAu7, kAu9, kAu10, kAu12, kAu15, kAu17, kAu20, kAu23, kAu25, kAu26,
                kAu27, kNumAu };

/// One sample's expression: action-unit intensities in [0, ~1.2].
struct ExpressionState {
  std::array<double, kNumAu> au{};
};

/// One sample's nuisance.
struct Nuisance {
  double roll_deg = 0, yaw = 0, scale = 1, shift_x = 0, shift_y = 0;  // shift in design units
  double light_angle = 0, light_strength = 0, brightness = 1, noise = 0;
  int jpeg_quality = 0;
  Rgb background_top{128, 128, 128}, background_bottom{110, 110, 110};
  std::uint64_t noise_key = 0;
};

FaceIdentity make_identity(std::uint64_t seed, int identity);
ExpressionState make_expression(const SynthOptions& options, int identity, int expression, int k);
Nuisance make_nuisance(const SynthOptions& options, int identity, int expression, int k);

/// Draws the face into `out`, which becomes a size x size CV_8UC3 RGB image.
void render_face(const FaceIdentity& face, const ExpressionState& expression, const Nuisance& nuisance, int size,
                 cv::Mat& out);

}  // namespace ferguard::detail
