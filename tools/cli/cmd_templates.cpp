// `ferguard templates DIR... --out BANK [--identities CSV] [--k K]`: builds a k-anonymous template bank from a
// user's own consented donor photos (the template method's source of identity texture).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "analyze_inputs.h"
#include "commands.h"
#include "ferguard/error.h"
#include "ferguard/io/image_io.h"
#include "ferguard/labels.h"
#include "ferguard/privacy/template_bank.h"

namespace ferguard::cli {
namespace {
namespace fs = std::filesystem;

struct TemplatesArgs {
  std::vector<std::string> paths;
  std::string out, identities;
  int k = TemplateBuildOptions{}.k;
  int side = TemplateBuildOptions{}.side;
  int min_face = TemplateBuildOptions{}.min_face;
  int threads = 1;
};

// `path,identity` lines; a header line "path,identity" is skipped. Paths are matched by their file name too.
std::map<std::string, std::string> read_identities(const std::string& csv) {
  std::ifstream in(csv);
  if (!in) throw IoError(fmt::format("--identities '{}': cannot open", csv));
  std::map<std::string, std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (n == 1 && line == "path,identity")) continue;
    const auto comma = line.rfind(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == line.size())
      throw InvalidArgument(fmt::format("--identities '{}' line {}: expected 'path,identity', got '{}'", csv, n, line));
    out[line.substr(0, comma)] = line.substr(comma + 1);
  }
  return out;
}

void run(const TemplatesArgs& a) {
  TemplateBuildOptions o;
  o.k = a.k;
  o.side = a.side;
  o.min_face = a.min_face;
  o.models.threads = a.threads;
  o.validate();
  const std::map<std::string, std::string> ids = a.identities.empty() ? std::map<std::string, std::string>{}
                                                                      : read_identities(a.identities);
  const ExpandedInputs expanded = expand_inputs(a.paths);
  for (const InputError& e : expanded.errors) std::cerr << "ferguard: error: '" << e.path << "': " << e.message << "\n";
  std::vector<TemplateSource> sources;
  for (const AnalyzeInput& in : expanded.inputs) {
    if (in.video) {
      std::cerr << "ferguard: note: templates skips videos: " << in.path << "\n";
      continue;
    }
    TemplateSource s;
    s.name = in.path;
    s.image = read_image(in.path);
    if (!ids.empty()) {
      auto it = ids.find(in.path);
      if (it == ids.end()) it = ids.find(fs::path(in.path).filename().string());
      if (it == ids.end())
        throw InvalidArgument(fmt::format("--identities: no identity for '{}' (every donor photo needs one)", in.path));
      s.identity = it->second;
    }
    sources.push_back(std::move(s));
  }
  TemplateBuildReport rep;
  const TemplateBank bank = build_template_bank(sources, o, &rep);
  bank.save(a.out);
  std::cout << fmt::format("{} donor face(s) of {} people from {} photo(s) ({} skipped), k = {}\n", rep.faces,
                           bank.people(), rep.photos, rep.skipped, bank.k());
  // A class of fewer than k people gives every face of it the all-donor template; one of exactly k people may give
  // it to a face in one of its donors' photos (leave-one-photo-out leaves k - 1 when that photo was a person's only).
  for (int e = 0; e < kNumExpressions; ++e) {
    const int people = bank.people(static_cast<Expression>(e));
    std::cout << fmt::format(
        "  {:<10} {:>3} donor(s) of {:>2} people{}\n", expression_names()[e], rep.per_expression[e], people,
        rep.per_expression[e] == 0 ? ""
        : people < a.k             ? "  (fewer than k: faces of this class get the all-donor template)"
        : people == a.k            ? "  (exactly k: a face in one of these photos may get the all-donor template)"
                                   : "");
  }
  std::cout << "wrote " << a.out << "\n";
  if (!expanded.errors.empty())
    throw Error(fmt::format("{} input(s) could not be read; the bank was built from the others", expanded.errors.size()));
}

}  // namespace

void add_templates_command(CLI::App& app) {
  auto a = std::make_shared<TemplatesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "templates", "Build a k-anonymous template bank from your own consented donor photos (for --method template)");
  cmd->add_option("paths", a->paths, "Donor images or folders of them")->required();
  cmd->add_option("--out", a->out, "The bank file to write")->required();
  cmd->add_option("--identities", a->identities,
                  "CSV of path,identity: k then counts people (several photos of one person count once); without "
                  "it every photo counts as its own person");
  cmd->add_option("--k", a->k, "Fewest people a template may average")->capture_default_str();
  cmd->add_option("--side", a->side, "Template texture side, pixels")->capture_default_str();
  cmd->add_option("--min-face", a->min_face, "Skip donor faces smaller than this (pixels)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "LibTorch threads (0 = one per core)")->capture_default_str();
  cmd->callback([a] { run(*a); });
}

}  // namespace ferguard::cli
