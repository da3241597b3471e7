#pragma once
// One CSV line split into fields, shared by the dataset loaders and the command line's CSV inputs.
#include <string>
#include <vector>

namespace ferguard::detail {

/// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string trim_space(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// Splits one CSV line into trimmed fields; double quotes protect commas, "" is a literal quote. Returns false for
/// an unterminated quote.
inline bool split_csv(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, "");
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  for (auto& f : fields) f = trim_space(f);
  return !quoted;
}

}  // namespace ferguard::detail
