#include "ferguard/learn/training_data.h"

#include <algorithm>

#include "ferguard/data/loaders.h"

namespace ferguard {

std::unique_ptr<FaceDataset> open_training_dataset(const std::string& spec, int image_size) {
  DatasetOptions d;
  d.face_size = std::max(32, image_size);  // the synthetic faces start at 32 px; the trainer resizes to image_size
  return open_dataset(spec, d);
}

}  // namespace ferguard
