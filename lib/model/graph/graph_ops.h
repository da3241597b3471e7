#pragma once
// The TensorFlow ops of the graph executor, with TF semantics on (possibly NCHW-stored) NHWC values.
#include <string>
#include <vector>

#include "model/graph/tfjs_graph.h"

namespace ferguard::detail {

/// Conv2D, _FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2dNative.
bool is_convolution(const std::string& op);
/// A constant TF filter ([kh,kw,in,out] or depthwise [kh,kw,C,M]) in torch's layout for node n.
at::Tensor torch_filter(const GraphNode& n, const at::Tensor& tf_filter, const std::string& source);
/// Load-time checks of a node's inputs and attributes; throws ModelError naming the node.
void check_node(const GraphNode& n, const std::string& source);
/// Computes node n. `filter` is the prepared torch filter for convolutions (undefined otherwise).
GraphValue run_op(const GraphNode& n, const std::vector<const GraphValue*>& args, const at::Tensor& filter);
/// Whether `mean` (a Mean over the two spatial axes, dims not kept) of `conv` (a stride-1, undilated Conv2D or
/// _FusedConv2D with at most a BiasAdd fused) can be computed without the convolution's output.
bool spatial_mean_of_convolution_fits(const GraphNode& conv, const GraphNode& mean, const at::Tensor& axes);
/// That mean, from the convolution's arguments (any after them are ignored): the mean of a linear map is the map of
/// window sums. Each kernel tap sees the input through one rectangle (the output's extent shifted by the tap, cut by
/// the padding), so the result is bias + sum over taps of filter_tap . (sum of that rectangle) / (output height x
/// width). A logical [N, out].
GraphValue spatial_mean_of_convolution(const GraphNode& conv, const std::vector<const GraphValue*>& args,
                                       const at::Tensor& filter);
/// The value in the graph's logical layout (NHWC for 4-D).
at::Tensor to_logical(const GraphValue& v);

}  // namespace ferguard::detail
