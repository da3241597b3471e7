#include <filesystem>
#include <iostream>

#include "commands.h"
#include "ferguard/ferguard.h"
#include "split_output.h"

namespace ferguard::cli {

void add_split_command(CLI::App& app) {
  struct Args {
    std::string image, out = ".", filter = "gaussian";
    double cutoff = 0.1;
    int order = 2, threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("split", "Split an image into low- and high-frequency streams (FFTW)");
  cmd->add_option("image", args->image, "Input image (PNG, JPEG, ...)")->required();
  cmd->add_option("--cutoff", args->cutoff, "Cut-off as a fraction of the Nyquist radius")->capture_default_str();
  cmd->add_option("--filter", args->filter, "ideal | gaussian | butterworth")->capture_default_str();
  cmd->add_option("--order", args->order, "Butterworth order")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--out", args->out, "Output folder for low.png and high.png")->capture_default_str();
  cmd->callback([args] {
    SplitOptions o;
    o.cutoff = args->cutoff;
    o.filter = parse_filter_kind(args->filter);
    o.order = args->order;
    o.threads = args->threads;
    const Image image = read_image(args->image);
    write_split(FrequencySplitter(o), image, args->out);
  });
}

}  // namespace ferguard::cli
