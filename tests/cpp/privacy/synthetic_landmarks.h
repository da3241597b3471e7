#pragma once
// A plausible 68-point layout (iBUG order) for a face filling the box (x, y, size, size).
#include <cmath>
#include <vector>

#include "ferguard/face/face_types.h"

namespace ferguard::test {

inline std::vector<Point2f> synthetic_landmarks(float x, float y, float size) {
  std::vector<Point2f> p;
  auto at = [&](double u, double v) { p.push_back({float(x + u * size), float(y + v * size)}); };
  for (int i = 0; i < 17; ++i) {  // jaw: lower half ellipse, ear to ear
    const double a = M_PI * i / 16.0;
    at(0.5 - 0.5 * std::cos(a), 0.35 + 0.65 * std::sin(a));
  }
  for (int i = 0; i < 5; ++i) at(0.15 + 0.06 * i, 0.25);  // left brow
  for (int i = 0; i < 5; ++i) at(0.61 + 0.06 * i, 0.25);  // right brow
  for (int i = 0; i < 4; ++i) at(0.5, 0.35 + 0.08 * i);   // nose bridge
  for (int i = 0; i < 5; ++i) at(0.42 + 0.04 * i, 0.66);  // nostrils
  for (int e = 0; e < 2; ++e)                              // eyes
    for (int i = 0; i < 6; ++i) {
      const double a = 2 * M_PI * i / 6.0;
      at((e ? 0.67 : 0.33) + 0.08 * std::cos(a), 0.38 + 0.03 * std::sin(a));
    }
  for (int i = 0; i < 12; ++i) {  // outer lip
    const double a = 2 * M_PI * i / 12.0;
    at(0.5 - 0.16 * std::cos(a), 0.8 + 0.06 * std::sin(a));
  }
  for (int i = 0; i < 8; ++i) {  // inner lip
    const double a = 2 * M_PI * i / 8.0;
    at(0.5 - 0.1 * std::cos(a), 0.8 + 0.02 * std::sin(a));
  }
  return p;
}

}  // namespace ferguard::test
