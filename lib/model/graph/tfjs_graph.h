#pragma once
// Executes TF.js graph models (model.json with a `modelTopology` of TensorFlow nodes plus weight shards) in
// LibTorch, with TensorFlow semantics. Private to the library.
//
// Layout: the graph is written for NHWC. Inside the executor 4-D activations are kept as NCHW tensors (the
// layout LibTorch's convolutions want) with a flag that says so; ops that care about axes (reductions,
// padding, reshapes, softmax, broadcasting against constants) translate logical NHWC axes to the physical
// ones, and outputs are returned in NHWC. Every op is built from differentiable ATen calls, so gradients
// flow from any output back to the inputs.
#include <ATen/core/Tensor.h>

#include <functional>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ferguard::detail {

/// One node of the graph, with its attributes parsed into plain values.
struct GraphNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  ///< node names (":0" suffixes and control inputs "^x" removed)
  std::map<std::string, std::vector<std::int64_t>> int_lists;  ///< strides, dilations, ksize, explicit_paddings, squeeze_dims
  std::map<std::string, std::string> strings;                  ///< padding, data_format
  std::map<std::string, double> numbers;                       ///< epsilon, leakyrelu_alpha, num_args
  std::map<std::string, bool> flags;                           ///< keep_dims, transpose_a, transpose_b
  std::vector<std::string> fused_ops;                          ///< e.g. {"BiasAdd", "Relu"}
};

/// A value flowing through the graph: a tensor and whether a 4-D tensor is stored NCHW (logically NHWC).
struct GraphValue {
  at::Tensor tensor;
  bool nchw = false;
};

class TfjsGraph {
 public:
  /// Loads `model_json` (TF.js graph-model format) and its weight shards (paths relative to its folder).
  /// Throws ModelError naming the file, node or tensor on any inconsistency, and naming the node and op
  /// for an op or attribute ferguard does not implement.
  static TfjsGraph load(const std::string& model_json);
  /// Builds from parsed parts (for tests): nodes in any order, constants by node name.
  static TfjsGraph from_nodes(std::vector<GraphNode> nodes, std::map<std::string, at::Tensor> constants,
                              const std::string& source);

  /// Runs the graph. `feeds` maps placeholder names to NHWC (or any-rank) float tensors; returns the
  /// requested node outputs in the graph's logical layout (NHWC for 4-D). Throws InvalidArgument for an
  /// unknown output or a missing feed, ModelError when an op fails (naming the node).
  std::vector<at::Tensor> run(const std::map<std::string, at::Tensor>& feeds,
                              const std::vector<std::string>& outputs) const;

  const std::vector<std::string>& placeholders() const { return placeholders_; }
  /// Output nodes the model.json declares (`signature.outputs`, or `userDefinedMetadata.signature.outputs`), ":0"
  /// suffixes removed, sorted by name; empty when it declares none.
  const std::vector<std::string>& declared_outputs() const { return declared_outputs_; }
  /// Nodes no other node reads (Const and Placeholder nodes excepted), in topological order.
  std::vector<std::string> sinks() const;
  bool has_node(const std::string& name) const { return index_.count(name) != 0; }
  /// How many spatial Means are computed from their convolution's input (for tests).
  std::size_t fused_spatial_means() const {
    return std::size_t(std::count_if(mean_of_conv_.begin(), mean_of_conv_.end(),
                                     [](std::size_t c) { return c != std::size_t(-1); }));
  }
  const std::string& source() const { return source_; }
  std::size_t size() const { return nodes_.size(); }
  /// Whether every file it was loaded from matched a bundled model's pinned sha256 (see model_files.h).
  bool pinned() const { return pinned_; }

 private:
  void prepare();  // topological order, op checks, pre-converted convolution filters

  std::string source_;
  std::vector<GraphNode> nodes_;                 // topologically sorted
  std::map<std::string, std::size_t> index_;     // node name -> position in nodes_
  std::map<std::string, at::Tensor> constants_;  // Const node name -> value (TF layout)
  std::map<std::string, at::Tensor> prepared_;   // conv node name -> filter in torch layout
  std::vector<std::vector<std::size_t>> inputs_;  // per node: positions of its inputs in nodes_
  std::vector<at::Tensor> filters_;               // per node: prepared_ entry or undefined
  std::vector<std::size_t> mean_of_conv_;         // per node: for a spatial Mean of a convolution only it reads, that
                                                  // convolution (the Mean then takes its inputs); else npos
  std::vector<std::string> placeholders_;
  std::vector<std::string> declared_outputs_;
  bool pinned_ = false;
};

/// Names of the ops the executor implements (for messages and tests).
const std::vector<std::string>& supported_graph_ops();

}  // namespace ferguard::detail
