#pragma once
/// Opening a dataset for the learned pipeline, shared by `ferguard train/eval` and the Python binding.
#include <memory>
#include <string>

#include "ferguard/data/dataset.h"

namespace ferguard {

/// open_dataset(spec) with faces of at least 32 px (the synthetic faces' smallest size); the trainer resizes them
/// to `image_size`. Throws as open_dataset does.
std::unique_ptr<FaceDataset> open_training_dataset(const std::string& spec, int image_size);

}  // namespace ferguard
