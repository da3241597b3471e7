#pragma once
/// ferguard's one expression label order (face-api's): every model output is mapped to it.
#include <array>
#include <string>

namespace ferguard {

/// The seven basic expressions, in ferguard's order.
enum class Expression : int { neutral = 0, happy, sad, angry, fearful, disgusted, surprised };

constexpr int kNumExpressions = 7;

/// Label names in ferguard's order: neutral, happy, sad, angry, fearful, disgusted, surprised.
inline const std::array<std::string, kNumExpressions>& expression_names() {
  static const std::array<std::string, kNumExpressions> names = {"neutral", "happy",     "sad",      "angry",
                                                                 "fearful", "disgusted", "surprised"};
  return names;
}

/// Index of a label name (also accepts common aliases such as "anger", "fear", "disgust", "surprise",
/// CREMA-D's ANG/DIS/FEA/HAP/NEU/SAD); throws InvalidArgument naming the unknown label.
Expression parse_expression(const std::string& name);

}  // namespace ferguard
