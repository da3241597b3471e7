#include "analyze_inputs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "detail/temp_files.h"
#include "ferguard/error.h"
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

bool is_own_output_name(const std::string& name) {
  const fs::path p(name);
  const std::string stem_ext = p.stem().extension().string();  // ".private" of "a.private.png"
  if (stem_ext == ".private" || stem_ext == ".annotated") return true;
  if (name == "contact_sheet.png") return true;
  return name.rfind("sweep_", 0) == 0 && p.extension() == ".png";
}

void prepare_output_folder(const std::string& out, bool quiet) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out, ec))
    throw IoError(fmt::format("--out '{}': cannot create the output folder ({})", out,
                              ec ? ec.message() : "a file of that name exists"));
  std::string probe = (fs::path(out) / ".ferguard-write-test.XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    throw IoError(fmt::format("--out '{}': cannot write in the output folder ({})", out, std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
  const int swept = detail::sweep_stale_temp_files(out);
  if (swept > 0 && !quiet)
    std::cerr << fmt::format("ferguard: note: removed {} temporary file(s) left in '{}' by an interrupted run\n",
                             swept, out);
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
        if (!is_image_path(name) && !is_video_path(name)) continue;
        if (is_own_output_name(name)) {
          ++out.skipped_own;
          continue;
        }
        names.push_back(name);
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
