#include "analyze_inputs.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "ferguard/io/video_io.h"

namespace ferguard::cli {
namespace fs = std::filesystem;

bool is_image_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
    if (ext == e) return true;
  return false;
}

ExpandedInputs expand_inputs(const std::vector<std::string>& args) {
  ExpandedInputs out;
  std::set<std::string> seen;  // lexically normal absolute paths
  auto add = [&](const std::string& path) {
    std::error_code ec;
    const std::string key = fs::absolute(path, ec).lexically_normal().string();
    if (!seen.insert(key).second) return;
    out.inputs.push_back({path, is_video_path(path), ""});
  };
  for (const std::string& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> names;
      fs::directory_iterator it(arg, ec), end;
      if (ec) {
        out.errors.push_back({arg, "cannot list folder (" + ec.message() + ")"});
        continue;
      }
      for (; it != end; it.increment(ec)) {
        if (ec) break;
        const fs::path p = it->path();
        std::error_code fec;
        if (!fs::is_regular_file(p, fec)) continue;
        const std::string name = p.filename().string();
        if (!name.empty() && name[0] == '.') continue;  // hidden files (and other runs' temporaries)
        if (is_image_path(name) || is_video_path(name)) names.push_back(name);
      }
      if (ec) out.errors.push_back({arg, "cannot list folder (" + ec.message() + ")"});
      std::sort(names.begin(), names.end());
      for (const std::string& n : names) add((fs::path(arg) / n).string());
    } else if (fs::exists(arg, ec)) {
      add(arg);
    } else {
      out.errors.push_back({arg, "no such file or folder"});
    }
  }
  // Stems: the file name without extension, unless it collides.
  std::map<std::string, int> by_stem;
  for (const AnalyzeInput& in : out.inputs) ++by_stem[fs::path(in.path).stem().string()];
  std::map<std::string, int> used;
  for (AnalyzeInput& in : out.inputs) {
    const fs::path p(in.path);
    std::string stem = p.stem().string();
    if (by_stem[stem] > 1) stem = p.filename().string();
    const int n = ++used[stem];
    in.stem = n == 1 ? stem : stem + "-" + std::to_string(n);
  }
  return out;
}

}  // namespace ferguard::cli
