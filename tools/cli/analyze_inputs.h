#pragma once
// Inputs of `ferguard analyze`: files and folders expanded into a list of images and videos, each with the stem of
// its output files, plus the paths that could not be used.
#include <string>
#include <vector>

namespace ferguard::cli {

struct AnalyzeInput {
  std::string path;   ///< as given, or folder/name for a folder's entry
  bool video = false;
  std::string stem;   ///< output files are <out>/<stem>.private.png, <stem>.annotated.png, <stem>.json
};

struct InputError {
  std::string path;
  std::string message;
};

struct ExpandedInputs {
  std::vector<AnalyzeInput> inputs;
  std::vector<InputError> errors;  ///< missing paths, unreadable folders
  int skipped_own = 0;             ///< files in folders that are ferguard's own outputs, left out
};

/// Whether a file name is one ferguard writes (NAME.private.EXT, NAME.annotated.EXT, contact_sheet.png,
/// sweep_*.png): folders are often both input and output, and a second run must not privatize its own outputs.
bool is_own_output_name(const std::string& name);

/// Creates the output folder if needed, proves it writable by creating and removing a file in it, and removes
/// ferguard temporaries left there by runs that were killed. Throws IoError naming the folder; runs before any work.
void prepare_output_folder(const std::string& out, bool quiet);

/// Whether `path` has an image extension ferguard reads in folders (.png .jpg .jpeg .bmp .tif .tiff .webp).
bool is_image_path(const std::string& path);

/// Expands each argument: a folder gives its image and video files (not recursive, sorted by name, hidden files and
/// ferguard's own outputs left out); a file is taken
/// as is (a video by extension, otherwise an image). The same file named twice is kept once. Stems are file names
/// without extension; when two inputs share one, each of them keeps its extension ("a.jpg", "a.png"), and any still
/// equal get "-2", "-3", ... in input order.
ExpandedInputs expand_inputs(const std::vector<std::string>& args);

}  // namespace ferguard::cli
