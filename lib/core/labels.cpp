#include "ferguard/labels.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "detail/check.h"

namespace ferguard {

Expression parse_expression(const std::string& name) {
  static const std::map<std::string, Expression> kAliases = {
      {"neutral", Expression::neutral},     {"neu", Expression::neutral},     {"calm", Expression::neutral},
      {"happy", Expression::happy},         {"hap", Expression::happy},       {"happiness", Expression::happy},
      {"sad", Expression::sad},             {"sadness", Expression::sad},     {"angry", Expression::angry},
      {"ang", Expression::angry},           {"anger", Expression::angry},     {"fearful", Expression::fearful},
      {"fea", Expression::fearful},         {"fear", Expression::fearful},    {"disgusted", Expression::disgusted},
      {"dis", Expression::disgusted},       {"disgust", Expression::disgusted}, {"surprised", Expression::surprised},
      {"sur", Expression::surprised},       {"surprise", Expression::surprised}};
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  auto it = kAliases.find(key);
  FERGUARD_CHECK(it != kAliases.end(),
                 "expression label '{}': expected one of neutral, happy, sad, angry, fearful, disgusted, surprised "
                 "(or an alias such as anger, fear, disgust, surprise, ANG, DIS, FEA, HAP, NEU, SAD)",
                 name);
  return it->second;
}

}  // namespace ferguard
