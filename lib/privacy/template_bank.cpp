// The template bank: donors, k-anonymous selection, and the versioned binary file (docs/template_bank.md).
#include "ferguard/privacy/template_bank.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "detail/atomic_file.h"
#include "detail/check.h"
#include "detail/data_dirs.h"
#include "ferguard/face/face_geometry.h"

namespace ferguard {

namespace {

constexpr char kMagic[8] = {'F', 'G', 'T', 'B', 'A', 'N', 'K', '\0'};
constexpr std::uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;
constexpr std::uint32_t kMaxDonors = 1'000'000, kMaxIdentity = 1024;

std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n, std::uint64_t h = kFnvOffset) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= kFnvPrime;
  }
  return h;
}

void check_shape(const std::vector<Point2f>& s, const std::string& what) {
  FERGUARD_CHECK(s.size() == std::size_t(kNumFaceLandmarks), "{}: expected {} points, got {}", what,
                 kNumFaceLandmarks, s.size());
  for (const Point2f& p : s) FERGUARD_CHECK(std::isfinite(p.x) && std::isfinite(p.y), "{}: non-finite point", what);
}

std::string person(const TemplateDonor& d) {
  return d.identity.empty() ? fmt::format("photo:{:016x}", d.photo) : d.identity;
}

// Little-endian writer/reader of the bank file.
struct Writer {
  std::vector<std::uint8_t> bytes;
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
  template <class T>
  void put(T v) {
    raw(&v, sizeof v);
  }
  void shape(const std::vector<Point2f>& s) {
    for (const Point2f& p : s) put(p.x), put(p.y);
  }
};

struct Reader {
  const std::vector<std::uint8_t>& bytes;
  std::size_t pos = 0;
  const std::string& path;
  void raw(void* p, std::size_t n) {
    FERGUARD_CHECK_AS(n <= bytes.size() - pos, ModelError, "template bank '{}': truncated at byte {}", path, pos);
    std::memcpy(p, bytes.data() + pos, n);
    pos += n;
  }
  template <class T>
  T get() {
    T v;
    raw(&v, sizeof v);
    return v;
  }
  std::vector<Point2f> shape() {
    std::vector<Point2f> s(kNumFaceLandmarks);
    for (Point2f& p : s) {
      p.x = get<float>();
      p.y = get<float>();
      FERGUARD_CHECK_AS(std::isfinite(p.x) && std::isfinite(p.y), ModelError,
                        "template bank '{}': non-finite landmark at byte {}", path, pos);
    }
    return s;
  }
};

}  // namespace

#ifndef FERGUARD_DEFAULT_TEMPLATE_BANK
#define FERGUARD_DEFAULT_TEMPLATE_BANK ""
#endif

std::string resolve_template_bank(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("FERGUARD_TEMPLATES"); env != nullptr && *env != '\0') return env;
  // The sample-photo bank is the build tree's only: an installed library has no default bank.
  return detail::running_from_build_tree() ? FERGUARD_DEFAULT_TEMPLATE_BANK : "";
}

std::uint64_t photo_hash(const Image& image) {
  const std::uint32_t dims[3] = {std::uint32_t(image.height()), std::uint32_t(image.width()),
                                 std::uint32_t(image.channels())};
  const std::uint64_t h = fnv1a(reinterpret_cast<const std::uint8_t*>(dims), sizeof dims);
  return fnv1a(image.data(), image.pixels().size(), h);
}

TemplateBank::TemplateBank(int side, int k, std::vector<Point2f> reference_shape)
    : side_(side), k_(k), reference_(std::move(reference_shape)) {
  FERGUARD_CHECK(side >= 32 && side <= 1024, "TemplateBank side: expected 32..1024, got {}", side);
  FERGUARD_CHECK(k >= 1, "TemplateBank k: expected >= 1, got {}", k);
  check_shape(reference_, "TemplateBank reference shape");
}

void TemplateBank::add(TemplateDonor donor) {
  check_shape(donor.shape, "template donor shape");
  FERGUARD_CHECK(donor.texture.size() == std::size_t(side_) * side_ * 3,
                 "template donor texture: expected {}x{}x3 bytes, got {}", side_, side_, donor.texture.size());
  FERGUARD_CHECK(donor.identity.size() <= kMaxIdentity, "template donor identity: longer than {} bytes",
                 kMaxIdentity);
  const int e = static_cast<int>(donor.expression);
  FERGUARD_CHECK(e >= 0 && e < kNumExpressions, "template donor expression: {} is not a class", e);
  donors_.push_back(std::move(donor));
}

int TemplateBank::people() const {
  std::set<std::string> p;
  for (const TemplateDonor& d : donors_) p.insert(person(d));
  return int(p.size());
}

int TemplateBank::people(Expression expression) const {
  std::set<std::string> p;
  for (const TemplateDonor& d : donors_)
    if (d.expression == expression) p.insert(person(d));
  return int(p.size());
}

FaceTemplate TemplateBank::select(Expression expression, std::uint64_t exclude_photo, std::optional<float> yaw) const {
  auto pick = [&](bool by_expression) {
    std::vector<const TemplateDonor*> chosen;
    std::set<std::string> people;
    for (const TemplateDonor& d : donors_) {
      if (exclude_photo != 0 && d.photo == exclude_photo) continue;
      if (by_expression && d.expression != expression) continue;
      chosen.push_back(&d);
      people.insert(person(d));
    }
    return std::pair{chosen, int(people.size())};
  };
  auto [chosen, people] = pick(true);
  bool by_expression = true;
  if (people < k_) {
    std::tie(chosen, people) = pick(false);
    by_expression = false;
  }
  FERGUARD_CHECK(people >= k_,
                 "template bank: {} people left after leaving out this photo's donors, fewer than k = {}", people, k_);
  if (yaw) {
    FERGUARD_CHECK(std::isfinite(*yaw), "template bank: the requested yaw is not finite");
    // Nearest head turn first (stable: ties keep the bank's order), then the nearer half, grown to k people.
    std::vector<std::pair<float, const TemplateDonor*>> by_turn;
    for (const TemplateDonor* d : chosen) by_turn.push_back({std::abs(yaw_proxy(d->shape) - *yaw), d});
    std::stable_sort(by_turn.begin(), by_turn.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const TemplateDonor*> near;
    std::set<std::string> near_people;
    const std::size_t half = (chosen.size() + 1) / 2;
    for (const auto& [distance, d] : by_turn) {
      if (near.size() >= half && int(near_people.size()) >= k_) break;
      near.push_back(d);
      near_people.insert(person(*d));
    }
    chosen = std::move(near);
    people = int(near_people.size());
  }
  FaceTemplate t;
  t.by_pose = yaw.has_value();
  t.donors = int(chosen.size());
  t.people = people;
  t.by_expression = by_expression;
  t.expression = expression;
  t.texture = Tensor4(Shape4{1, 3, side_, side_});
  std::vector<double> acc(std::size_t(side_) * side_ * 3, 0.0);
  std::vector<double> shape(2 * kNumFaceLandmarks, 0.0);
  for (const TemplateDonor* d : chosen) {
    for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += d->texture[i];
    for (int k = 0; k < kNumFaceLandmarks; ++k) {
      shape[2 * k] += d->shape[k].x;
      shape[2 * k + 1] += d->shape[k].y;
    }
  }
  const double n = double(chosen.size());
  for (int y = 0; y < side_; ++y)
    for (int x = 0; x < side_; ++x)
      for (int c = 0; c < 3; ++c)
        t.texture.at(0, c, y, x) = float(acc[(std::size_t(y) * side_ + x) * 3 + c] / (255.0 * n));
  for (int k = 0; k < kNumFaceLandmarks; ++k) t.shape.push_back({float(shape[2 * k] / n), float(shape[2 * k + 1] / n)});
  return t;
}

void TemplateBank::save(const std::string& path) const {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.put<std::uint32_t>(kTemplateBankVersion);
  w.put<std::uint32_t>(std::uint32_t(side_));
  w.put<std::uint32_t>(std::uint32_t(k_));
  w.put<std::uint32_t>(std::uint32_t(donors_.size()));
  w.shape(reference_);
  for (const TemplateDonor& d : donors_) {
    w.put<std::uint64_t>(d.photo);
    w.put<std::uint32_t>(std::uint32_t(d.identity.size()));
    w.raw(d.identity.data(), d.identity.size());
    w.put<std::uint32_t>(std::uint32_t(static_cast<int>(d.expression)));
    w.shape(d.shape);
    w.raw(d.texture.data(), d.texture.size());
  }
  w.put<std::uint64_t>(fnv1a(w.bytes.data(), w.bytes.size()));
  detail::write_file_atomically(path, w.bytes);
}

TemplateBank TemplateBank::load(const std::string& path) {
  std::error_code ec;
  FERGUARD_CHECK_AS(std::filesystem::is_regular_file(path, ec), IoError, "template bank '{}': not a regular file",
                    path);
  const auto size = std::filesystem::file_size(path, ec);
  FERGUARD_CHECK_AS(!ec && size <= (std::uintmax_t(4) << 30), IoError, "template bank '{}': cannot read its size",
                    path);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  FERGUARD_CHECK_AS(in.good() || bytes.empty(), IoError, "template bank '{}': read failed", path);
  FERGUARD_CHECK_AS(bytes.size() >= sizeof kMagic + 16 + 8 && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0,
                    ModelError, "template bank '{}': not a ferguard template bank (bad magic)", path);
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  FERGUARD_CHECK_AS(stored == fnv1a(bytes.data(), bytes.size() - 8), ModelError,
                    "template bank '{}': checksum mismatch (the file is corrupt or truncated)", path);
  Reader r{bytes, sizeof kMagic, path};
  const auto version = r.get<std::uint32_t>();
  FERGUARD_CHECK_AS(version == kTemplateBankVersion, ModelError, "template bank '{}': version {}, expected {}", path,
                    version, kTemplateBankVersion);
  const auto side = r.get<std::uint32_t>(), k = r.get<std::uint32_t>(), n = r.get<std::uint32_t>();
  FERGUARD_CHECK_AS(side >= 32 && side <= 1024 && k >= 1 && k <= kMaxDonors && n <= kMaxDonors, ModelError,
                    "template bank '{}': implausible header (side {}, k {}, {} donors)", path, side, k, n);
  TemplateBank bank(int(side), int(k), r.shape());
  for (std::uint32_t i = 0; i < n; ++i) {
    TemplateDonor d;
    d.photo = r.get<std::uint64_t>();
    const auto len = r.get<std::uint32_t>();
    FERGUARD_CHECK_AS(len <= kMaxIdentity, ModelError, "template bank '{}': donor {} identity of {} bytes", path, i,
                      len);
    d.identity.resize(len);
    r.raw(d.identity.data(), len);
    const auto e = r.get<std::uint32_t>();
    FERGUARD_CHECK_AS(e < std::uint32_t(kNumExpressions), ModelError, "template bank '{}': donor {} expression {}",
                      path, i, e);
    d.expression = static_cast<Expression>(e);
    d.shape = r.shape();
    d.texture.resize(std::size_t(side) * side * 3);
    r.raw(d.texture.data(), d.texture.size());
    bank.donors_.push_back(std::move(d));
  }
  FERGUARD_CHECK_AS(r.pos + 8 == bytes.size(), ModelError, "template bank '{}': {} unexpected trailing bytes", path,
                    bytes.size() - 8 - r.pos);
  return bank;
}

}  // namespace ferguard
