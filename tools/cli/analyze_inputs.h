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
};

/// Whether `path` has an image extension ferguard reads in folders (.png .jpg .jpeg .bmp .tif .tiff .webp).
bool is_image_path(const std::string& path);

/// Expands each argument: a folder gives its image and video files (not recursive, sorted by name); a file is taken
/// as is (a video by extension, otherwise an image). The same file named twice is kept once. Stems are file names
/// without extension; when two inputs share one, each of them keeps its extension ("a.jpg", "a.png"), and any still
/// equal get "-2", "-3", ... in input order.
ExpandedInputs expand_inputs(const std::vector<std::string>& args);

}  // namespace ferguard::cli
