#pragma once
/// Opening datasets by a spec string: the synthetic faces or users' data (CSV manifest, a folder per
/// expression, CREMA-D videos, RAF-DB basic).
#include <cstdint>
#include <memory>
#include <string>

#include "ferguard/data/dataset.h"

namespace ferguard {

/// What a loader does with a malformed row, a missing or unreadable file or an unknown label.
enum class OnError {
  skip,  ///< leave the sample out and record a DatasetIssue (FaceDataset::issues())
  fail,  ///< throw at once: InvalidArgument (rows, labels) or IoError (files), naming path and line
};

/// "skip" or "fail"; throws InvalidArgument otherwise.
OnError parse_on_error(const std::string& name);

/// Options shared by the loaders.
struct DatasetOptions {
  /// Where CREMA-D face crops are cached (PNG). Empty: $XDG_CACHE_HOME/ferguard, else ~/.cache/ferguard,
  /// else the system's temporary folder.
  std::string cache_dir;
  /// Frames sampled evenly from each CREMA-D clip (the paper uses 16), >= 1.
  int frames_per_clip = 16;
  /// Side of the square faces returned, in pixels: images are centre-cropped to a square and resized.
  /// 0 keeps files' images as they are (CSV, folder, RAF-DB; CREMA-D crops then use 112). For synth it
  /// is the default size (a spec's size= wins).
  int face_size = 112;
  OnError on_error = OnError::skip;
  /// Decode every image once when opening (CSV, folder, RAF-DB), so that an unreadable file is reported
  /// at open time rather than by get().
  bool verify_images = true;
  /// Fractions for splits that a dataset does not give (hashed from the file name, or from the clip for
  /// CREMA-D, so that the frames of one clip share a split). RAF-DB's val comes out of its train list.
  float val_fraction = 0.15f;
  float test_fraction = 0.15f;
  std::uint64_t split_seed = 0;
  /// OpenCV Haar cascade used to find faces in CREMA-D frames.
  std::string face_detector = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
  /// Threads for verification and CREMA-D decoding; 0 means one per hardware core.
  int threads = 0;

  /// Throws InvalidArgument naming the offending field.
  void validate() const;
};

/// Opens a dataset from a spec:
///  - `synth` or `synth:identities=20,samples=4,size=64,seed=7` (also intensity_min, intensity_max,
///    roll, yaw, scale, shift, lighting, noise, jpeg_min, jpeg_max, nuisance=0): SyntheticFaces;
///  - `csv:PATH`: a manifest with rows `path,identity,expression[,split]` (an optional header row starting
///    with `path`; paths relative to the manifest's folder; identity any name, mapped to 0..N-1 in sorted
///    order, empty or -1 for unknown; expression a name or alias from labels.h or 0..6; split train, val
///    or test, else hashed);
///  - `folder:PATH`: PATH/<expression>/*.{png,jpg,jpeg,bmp}, or PATH/{train,val,test}/<expression>/...;
///    no identities;
///  - `cremad:PATH`: CREMA-D clips `ActorID_SentenceID_Emotion_Level.flv` in PATH or PATH/VideoFlash
///    (.mp4 and .avi are accepted too); identity = actor, frames_per_clip frames per clip, faces found
///    with a Haar cascade (centre crop when none is found, recorded as an issue) and cached under cache_dir;
///  - `rafdb:PATH`: RAF-DB basic, PATH/EmoLabel/list_patition_label.txt (or PATH/list_patition_label.txt)
///    and PATH/Image/aligned/<name>_aligned.jpg; expression only.
/// Throws InvalidArgument for an unknown spec or parameter, IoError for a missing manifest or folder, and,
/// with OnError::fail, for the first bad row or file (naming path and line).
std::unique_ptr<FaceDataset> open_dataset(const std::string& spec, const DatasetOptions& options = {});

}  // namespace ferguard
