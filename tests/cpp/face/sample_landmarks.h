#pragma once
// The 68 landmarks face-api found on the 22 faces of its six sample photos (golden files: no model needed).
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"

namespace ferguard::testing {

inline std::vector<std::vector<Point2f>> sample_landmarks() {
  std::vector<std::vector<Point2f>> out;
  for (int s = 1; s <= 6; ++s) {
    std::ifstream in(std::string(FERGUARD_TEST_DATA_DIR) + "/golden/faceapi/pipeline/sample" + std::to_string(s) +
                     ".json");
    const nlohmann::json g = nlohmann::json::parse(in);
    for (const auto& f : g["faces"]) {
      std::vector<Point2f> lm;
      for (const auto& p : f["landmarks"]) lm.push_back({p[0].get<float>(), p[1].get<float>()});
      out.push_back(lm);
    }
  }
  return out;
}

}  // namespace ferguard::testing
