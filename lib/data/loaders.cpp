#include "ferguard/data/loaders.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "data/file_dataset.h"
#include "detail/check.h"
#include "detail/csv.h"
#include "ferguard/data/synth.h"

namespace ferguard {
namespace fs = std::filesystem;

OnError parse_on_error(const std::string& name) {
  if (name == "skip") return OnError::skip;
  if (name == "fail") return OnError::fail;
  throw InvalidArgument(fmt::format("on_error '{}': expected skip or fail", name));
}

void DatasetOptions::validate() const {
  FERGUARD_CHECK(frames_per_clip >= 1 && frames_per_clip <= 1000,
                 "DatasetOptions.frames_per_clip: expected 1..1000, got {}", frames_per_clip);
  FERGUARD_CHECK(face_size >= 0 && face_size <= 4096, "DatasetOptions.face_size: expected 0..4096, got {}",
                 face_size);
  FERGUARD_CHECK(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1,
                 "DatasetOptions.val_fraction/test_fraction: expected >= 0 with a sum below 1, got {} and {}",
                 val_fraction, test_fraction);
  detail::check_threads(threads, "DatasetOptions.threads");
}

namespace detail {
namespace {

std::string trim(const std::string& s) { return trim_space(s); }
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
bool is_integer(const std::string& s) {
  return !s.empty() && std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(), [](unsigned char c) {
    return std::isdigit(c);
  }) && s != "-";
}


// An expression given as a name/alias or as an index 0..6 in ferguard's order; throws InvalidArgument.
int expression_from_field(const std::string& field) {
  if (is_integer(field)) {
    long v = -1;
    try {
      v = std::stol(field);
    } catch (const std::out_of_range&) {  // a digit string beyond long is not 0..6 either
    }
    FERGUARD_CHECK(v >= 0 && v < kNumExpressions, "expression label '{}': expected 0..6 or a name", field);
    return static_cast<int>(v);
  }
  return static_cast<int>(parse_expression(field));
}

// An integer that std::stoll can hold (a longer digit string would make it throw std::out_of_range).
bool is_int64(const std::string& s) {
  if (!is_integer(s)) return false;
  try {
    (void)std::stoll(s);
    return true;
  } catch (const std::out_of_range&) {
    return false;
  }
}

// Maps identity names to 0..N-1: numerically when all names are 64-bit integers, else in string order.
std::map<std::string, int> index_names(const std::set<std::string>& names) {
  std::vector<std::string> sorted(names.begin(), names.end());
  if (std::all_of(sorted.begin(), sorted.end(), is_int64))
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return std::stoll(a) < std::stoll(b); });
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < sorted.size(); ++i) index[sorted[i]] = static_cast<int>(i);
  return index;
}

bool is_image_file(const fs::path& p) {
  const std::string ext = lower(p.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

void require_dir(const std::string& path, const char* what) {
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_directory(path, ec), IoError, "{} '{}': no such folder", what, path);
}

std::unique_ptr<FaceDataset> finish(const std::string& name, std::vector<FileEntry> entries, int identities,
                                    const DatasetOptions& options, IssueLog& log) {
  if (options.verify_images) verify_entries(entries, options, log);
  return std::make_unique<FileDataset>(name, std::move(entries), identities, options.face_size, log.take());
}

}  // namespace

std::unique_ptr<FaceDataset> open_csv(const std::string& path, const DatasetOptions& options) {
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_regular_file(path, ec), IoError, "manifest '{}': no such file", path);
  std::ifstream in(path);
  FERGUARD_CHECK_AS(in.good(), IoError, "manifest '{}': cannot open for reading", path);
  const fs::path base = fs::path(path).parent_path();
  IssueLog log(options.on_error);
  struct Row {
    FileEntry entry;
    std::string identity;
  };
  std::vector<Row> rows;
  std::set<std::string> identities;
  std::string line;
  std::vector<std::string> f;
  bool first = true;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (!split_csv(t, f)) {
      log.report(path, number, "malformed row: unterminated quote");
      continue;
    }
    if (first && lower(f[0]) == "path") {  // header
      first = false;
      continue;
    }
    first = false;
    if ((f.size() != 3 && f.size() != 4) || f[0].empty()) {
      log.report(path, number,
                 fmt::format("malformed row: expected path,identity,expression[,split] (3 or 4 fields, a non-empty "
                             "path), got {} field(s)",
                             f.size()));
      continue;
    }
    Row row;
    FileEntry& e = row.entry;
    e.path = fs::path(f[0]).is_absolute() ? f[0] : (base / f[0]).string();
    e.source = e.path;
    e.origin = path;
    e.line = number;
    try {
      e.expression = expression_from_field(f[2]);
      if (f.size() == 4 && !f[3].empty()) {
        e.split = parse_split(f[3]);
      } else {
        e.split = hashed_split(f[0], options);
      }
    } catch (const InvalidArgument& err) {
      log.report(path, number, err.what());
      continue;
    }
    if (!fs::is_regular_file(e.path, ec)) {
      log.report(path, number, fmt::format("image '{}': no such file", e.path), true);
      continue;
    }
    if (!f[1].empty() && f[1] != "-1") {
      row.identity = f[1];
      identities.insert(f[1]);
    }
    rows.push_back(std::move(row));
  }
  const auto index = index_names(identities);
  std::vector<FileEntry> entries;
  for (auto& r : rows) {
    if (!r.identity.empty()) r.entry.identity = index.at(r.identity);
    entries.push_back(std::move(r.entry));
  }
  return finish(fmt::format("csv({})", path), std::move(entries), static_cast<int>(identities.size()), options, log);
}

std::unique_ptr<FaceDataset> open_folder(const std::string& path, const DatasetOptions& options) {
  require_dir(path, "dataset folder");
  IssueLog log(options.on_error);
  std::error_code ec;
  // With train/val/test subfolders they give the split; otherwise the split is hashed.
  std::vector<std::pair<fs::path, int>> roots;  // root, split (-1 = hashed)
  for (const char* s : {"train", "val", "test"})
    if (fs::is_directory(fs::path(path) / s, ec)) roots.emplace_back(fs::path(path) / s, static_cast<int>(parse_split(s)));
  if (roots.empty()) roots.emplace_back(fs::path(path), -1);
  std::vector<FileEntry> entries;
  for (const auto& [root, split] : roots) {
    std::vector<fs::path> dirs;
    for (const auto& d : fs::directory_iterator(root, ec))
      if (d.is_directory()) dirs.push_back(d.path());
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& dir : dirs) {
      int expression;
      try {
        expression = static_cast<int>(parse_expression(dir.filename().string()));
      } catch (const InvalidArgument& err) {
        log.report(dir.string(), 0, fmt::format("folder name is not an expression: {}", err.what()));
        continue;
      }
      std::vector<fs::path> files;
      for (const auto& f : fs::directory_iterator(dir, ec))
        if (f.is_regular_file() && is_image_file(f.path())) files.push_back(f.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        FileEntry e;
        e.path = e.source = file.string();
        e.expression = expression;
        const std::string key = fs::relative(file, path, ec).string();
        e.split = split >= 0 ? static_cast<Split>(split) : hashed_split(key, options);
        entries.push_back(std::move(e));
      }
    }
  }
  return finish(fmt::format("folder({})", path), std::move(entries), 0, options, log);
}

std::unique_ptr<FaceDataset> open_rafdb(const std::string& path, const DatasetOptions& options) {
  require_dir(path, "RAF-DB folder");
  std::error_code ec;
  fs::path list = fs::path(path) / "EmoLabel" / "list_patition_label.txt";
  if (!fs::is_regular_file(list, ec)) list = fs::path(path) / "list_patition_label.txt";
  FERGUARD_CHECK_AS(fs::is_regular_file(list, ec), IoError,
                    "RAF-DB '{}': no EmoLabel/list_patition_label.txt or list_patition_label.txt", path);
  std::ifstream in(list);
  FERGUARD_CHECK_AS(in.good(), IoError, "RAF-DB list '{}': cannot open for reading", list.string());
  // RAF-DB's labels 1..7: Surprise, Fear, Disgust, Happiness, Sadness, Anger, Neutral.
  static const Expression kRaf[7] = {Expression::surprised, Expression::fearful, Expression::disgusted,
                                     Expression::happy,     Expression::sad,     Expression::angry,
                                     Expression::neutral};
  IssueLog log(options.on_error);
  std::vector<FileEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    std::istringstream ss(line);
    std::string name, label, extra;
    ss >> name >> label;
    if (name.empty() || label.empty() || (ss >> extra)) {
      log.report(list.string(), number, "malformed row: expected '<name>.jpg <label 1..7>'");
      continue;
    }
    if (label.size() != 1 || label[0] < '1' || label[0] > '7') {
      log.report(list.string(), number, fmt::format("label '{}': expected 1..7", label));
      continue;
    }
    const bool train = name.rfind("train", 0) == 0, test = name.rfind("test", 0) == 0;
    if (!train && !test) {
      log.report(list.string(), number, fmt::format("image name '{}': expected train_* or test_*", name));
      continue;
    }
    FileEntry e;
    const std::string stem = fs::path(name).stem().string();
    e.path = e.source = (fs::path(path) / "Image" / "aligned" / (stem + "_aligned.jpg")).string();
    e.expression = static_cast<int>(kRaf[label[0] - '1']);
    e.origin = list.string();
    e.line = number;
    if (test) {
      e.split = Split::test;
    } else {  // RAF-DB has no val split: a hashed val_fraction of its train list
      DatasetOptions o = options;
      o.test_fraction = 0;
      e.split = hashed_split(stem, o);
    }
    if (!fs::is_regular_file(e.path, ec)) {
      log.report(list.string(), number, fmt::format("image '{}': no such file", e.path), true);
      continue;
    }
    entries.push_back(std::move(e));
  }
  return finish(fmt::format("rafdb({})", path), std::move(entries), 0, options, log);
}

namespace {

SynthOptions synth_from_spec(const std::string& params, const DatasetOptions& options) {
  SynthOptions o;
  if (options.face_size > 0) o.size = options.face_size;
  std::map<std::string, std::string> kv;
  std::stringstream ss(params);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    FERGUARD_CHECK(eq != std::string::npos && eq > 0, "dataset spec 'synth:{}': expected key=value, got '{}'", params,
                   item);
    kv[trim(item.substr(0, eq))] = trim(item.substr(eq + 1));
  }
  if (auto it = kv.find("nuisance"); it != kv.end()) {
    FERGUARD_CHECK(it->second == "0" || it->second == "1", "dataset spec synth: nuisance={}: expected 0 or 1",
                   it->second);
    if (it->second == "0") o = o.without_nuisance();
    kv.erase(it);
  }
  for (const auto& entry : kv) {
    // Plain references: C++17 lambdas cannot capture structured bindings (clang rejects it).
    const std::string &key = entry.first, &value = entry.second;
    auto number = [&](double lo, double hi) {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      FERGUARD_CHECK(used == value.size() && used > 0 && v >= lo && v <= hi,
                     "dataset spec synth: {}={}: expected a number in [{}, {}]", key, value, lo, hi);
      return v;
    };
    if (key == "identities") o.identities = static_cast<int>(number(1, 1e6));
    else if (key == "samples") o.samples_per_expression = static_cast<int>(number(1, 1e6));
    else if (key == "size") o.size = static_cast<int>(number(32, 1024));
    else if (key == "seed") {
      FERGUARD_CHECK(is_integer(value) && value[0] != '-' && (value.size() < 20 || value <= "18446744073709551615"),
                     "dataset spec synth: seed={}: expected an integer in 0..2^64-1", value);
      o.seed = std::stoull(value);
    } else if (key == "intensity_min") o.intensity_min = static_cast<float>(number(0, 1.5));
    else if (key == "intensity_max") o.intensity_max = static_cast<float>(number(0, 1.5));
    else if (key == "roll") o.roll_degrees = static_cast<float>(number(0, 45));
    else if (key == "yaw") o.yaw = static_cast<float>(number(0, 1));
    else if (key == "scale") o.scale_jitter = static_cast<float>(number(0, 0.3));
    else if (key == "shift") o.shift = static_cast<float>(number(0, 0.2));
    else if (key == "lighting") o.lighting = static_cast<float>(number(0, 1));
    else if (key == "noise") o.noise = static_cast<float>(number(0, 0.5));
    else if (key == "jpeg_min") o.jpeg_quality_min = static_cast<int>(number(0, 100));
    else if (key == "jpeg_max") o.jpeg_quality_max = static_cast<int>(number(0, 100));
    else
      throw InvalidArgument(fmt::format(
          "dataset spec synth: unknown parameter '{}' (expected identities, samples, size, seed, intensity_min, "
          "intensity_max, roll, yaw, scale, shift, lighting, noise, jpeg_min, jpeg_max, nuisance)",
          key));
  }
  o.val_fraction = options.val_fraction;
  o.test_fraction = options.test_fraction;
  return o;
}

}  // namespace
}  // namespace detail

std::unique_ptr<FaceDataset> open_dataset(const std::string& spec, const DatasetOptions& options) {
  options.validate();
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "synth") return std::make_unique<SyntheticFaces>(detail::synth_from_spec(rest, options));
  const bool known = kind == "csv" || kind == "folder" || kind == "cremad" || kind == "rafdb";
  FERGUARD_CHECK(known, "dataset spec '{}': expected synth[:k=v,...], csv:PATH, folder:PATH, cremad:PATH or rafdb:PATH",
                 spec);
  FERGUARD_CHECK(!rest.empty(), "dataset spec '{}': expected a path after '{}:'", spec, kind);
  if (kind == "csv") return detail::open_csv(rest, options);
  if (kind == "folder") return detail::open_folder(rest, options);
  if (kind == "rafdb") return detail::open_rafdb(rest, options);
  return detail::open_cremad(rest, options);
}

}  // namespace ferguard
