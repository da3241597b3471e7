// Loading and scheduling of TF.js graph models; the ops themselves are in graph_ops.cpp.
#include "model/graph/tfjs_graph.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <stdexcept>

#include "detail/check.h"
#include "model/model_files.h"
#include "model/torch_runtime.h"
#include "model/graph/graph_ops.h"
#include "model/tfjs_weights.h"

namespace ferguard::detail {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  // Unsigned: the accumulator shifts its old bits out of the top, which for an int overflows (undefined) from
  // the sixth character on; only the low `bits + 8` bits are ever read.
  std::uint32_t val = 0;
  int bits = -8;
  for (char c : in) {
    if (c == '=') break;
    const auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;
    val = (val << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

// Attributes that carry no information the executor needs (types, shapes, device hints).
const std::set<std::string>& ignored_attrs() {
  static const std::set<std::string> s = {"T", "dtype", "value", "shape", "use_cudnn_on_gpu", "Tidx", "Tpaddings",
                                          "Tshape", "_output_shapes", "TI", "Targmax", "is_training", "U",
                                          "_class", "exponential_avg_factor", "Tperm", "Index"};
  return s;
}

std::int64_t json_int(const json& v) { return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<std::int64_t>(); }

GraphNode parse_node(const json& j, const std::string& source) {
  GraphNode n;
  n.name = j.at("name").get<std::string>();
  n.op = j.at("op").get<std::string>();
  if (j.contains("input"))
    for (const auto& in : j.at("input")) {
      std::string s = in.get<std::string>();
      if (!s.empty() && s[0] == '^') continue;  // control dependency
      const auto colon = s.rfind(':');
      if (colon != std::string::npos) {
        FERGUARD_CHECK_AS(s.substr(colon + 1) == "0", ModelError,
                          "graph model '{}': node '{}' reads output '{}' of a multi-output op, which is not supported",
                          source, n.name, s);
        s = s.substr(0, colon);
      }
      n.inputs.push_back(s);
    }
  if (!j.contains("attr")) return n;
  for (const auto& [key, v] : j.at("attr").items()) {
    if (ignored_attrs().count(key)) continue;
    if (key == "strides" || key == "dilations" || key == "ksize" || key == "explicit_paddings" ||
        key == "squeeze_dims") {
      std::vector<std::int64_t> list;
      if (v.contains("list") && v["list"].contains("i"))
        for (const auto& i : v["list"]["i"]) list.push_back(json_int(i));
      n.int_lists[key] = list;
    } else if (key == "padding" || key == "data_format") {
      n.strings[key] = base64_decode(v.at("s").get<std::string>());
    } else if (key == "epsilon" || key == "leakyrelu_alpha") {
      n.numbers[key] = v.contains("f") ? v["f"].get<double>() : 0.0;
    } else if (key == "num_args") {
      n.numbers[key] = static_cast<double>(json_int(v.at("i")));
    } else if (key == "keep_dims" || key == "transpose_a" || key == "transpose_b") {
      n.flags[key] = v.contains("b") && v["b"].get<bool>();
    } else if (key == "fused_ops") {
      if (v.contains("list") && v["list"].contains("s"))
        for (const auto& s : v["list"]["s"]) n.fused_ops.push_back(base64_decode(s.get<std::string>()));
    } else {
      throw ModelError(fmt::format("graph model '{}': node '{}' ({}) has attribute '{}', which ferguard does not "
                                   "implement",
                                   source, n.name, n.op, key));
    }
  }
  return n;
}

ModelFile read_bytes(const fs::path& path, const std::string& source) {
  return read_model_file(path.string(), fmt::format("graph model '{}': weight file", source));
}

}  // namespace

TfjsGraph TfjsGraph::load(const std::string& model_json) {
  const ModelFile text = read_model_file(model_json, "graph model");
  json j;
  try {
    j = json::parse(text.bytes.begin(), text.bytes.end());
  } catch (const json::exception& e) {
    throw ModelError(fmt::format("graph model '{}': malformed JSON ({})", model_json, e.what()));
  }
  FERGUARD_CHECK_AS(j.contains("modelTopology") && j["modelTopology"].contains("node") && j.contains("weightsManifest"),
                    ModelError, "graph model '{}': expected 'modelTopology.node' and 'weightsManifest'", model_json);
  std::vector<GraphNode> nodes;
  try {
    for (const auto& n : j["modelTopology"]["node"]) nodes.push_back(parse_node(n, model_json));
  } catch (const json::exception& e) {
    throw ModelError(fmt::format("graph model '{}': malformed node ({})", model_json, e.what()));
  } catch (const std::logic_error& e) {  // std::stoll on an integer attribute given as a string
    throw ModelError(fmt::format("graph model '{}': malformed node (an integer attribute is not a number: {})",
                                 model_json, e.what()));
  }
  const fs::path dir = fs::path(model_json).parent_path();
  std::vector<std::vector<std::uint8_t>> shards;
  bool pinned = text.pinned;
  try {
    for (const auto& group : j["weightsManifest"]) {
      std::vector<std::uint8_t> bytes;
      for (const auto& p : group.at("paths")) {
        const ModelFile part = read_bytes(dir / p.get<std::string>(), model_json);
        pinned = pinned && part.pinned;
        bytes.insert(bytes.end(), part.bytes.begin(), part.bytes.end());
      }
      shards.push_back(std::move(bytes));
    }
  } catch (const json::exception& e) {
    throw ModelError(fmt::format("graph model '{}': malformed weightsManifest ({})", model_json, e.what()));
  }
  const TfjsWeights weights = TfjsWeights::decode(j["weightsManifest"].dump(), shards, model_json);
  std::map<std::string, at::Tensor> constants;
  for (const auto& name : weights.names()) constants[name] = weights.get(name);
  TfjsGraph g = from_nodes(std::move(nodes), std::move(constants), model_json);
  g.pinned_ = pinned;
  const json* signature = j.contains("signature") && j["signature"].is_object() ? &j["signature"] : nullptr;
  if (!signature && j.contains("userDefinedMetadata") && j["userDefinedMetadata"].is_object() &&
      j["userDefinedMetadata"].contains("signature") && j["userDefinedMetadata"]["signature"].is_object())
    signature = &j["userDefinedMetadata"]["signature"];
  if (signature && signature->contains("outputs") && (*signature)["outputs"].is_object())
    for (const auto& [key, v] : (*signature)["outputs"].items()) {
      std::string name = v.is_object() && v.contains("name") && v["name"].is_string() ? v["name"].get<std::string>() : key;
      const auto colon = name.rfind(':');
      if (colon != std::string::npos) name = name.substr(0, colon);
      g.declared_outputs_.push_back(name);
    }
  return g;
}

std::vector<std::string> TfjsGraph::sinks() const {
  std::vector<char> read(nodes_.size(), 0);
  for (const auto& in : inputs_)
    for (std::size_t i : in) read[i] = 1;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (!read[i] && nodes_[i].op != "Const" && nodes_[i].op != "Placeholder") out.push_back(nodes_[i].name);
  return out;
}

TfjsGraph TfjsGraph::from_nodes(std::vector<GraphNode> nodes, std::map<std::string, at::Tensor> constants,
                                const std::string& source) {
  TfjsGraph g;
  g.source_ = source;
  g.constants_ = std::move(constants);
  // Kahn's algorithm, keeping the file's order among ready nodes so that runs are reproducible.
  std::map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    FERGUARD_CHECK_AS(pos.emplace(nodes[i].name, i).second, ModelError, "graph model '{}': node '{}' is defined twice",
                      source, nodes[i].name);
  }
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<std::size_t>> users(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const auto& in : nodes[i].inputs) {
      auto it = pos.find(in);
      FERGUARD_CHECK_AS(it != pos.end(), ModelError, "graph model '{}': node '{}' reads unknown node '{}'", source,
                        nodes[i].name, in);
      users[it->second].push_back(i);
      ++pending[i];
    }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (std::size_t u : users[i])
      if (--pending[u] == 0) ready.push(u);
  }
  FERGUARD_CHECK_AS(order.size() == nodes.size(), ModelError, "graph model '{}': the graph has a cycle", source);
  for (std::size_t i : order) g.nodes_.push_back(std::move(nodes[i]));
  for (std::size_t i = 0; i < g.nodes_.size(); ++i) g.index_[g.nodes_[i].name] = i;
  g.prepare();
  return g;
}

void TfjsGraph::prepare() {
  const auto& ops = supported_graph_ops();
  for (const GraphNode& n : nodes_) {
    FERGUARD_CHECK_AS(std::find(ops.begin(), ops.end(), n.op) != ops.end(), ModelError,
                      "graph model '{}': node '{}' uses op '{}', which ferguard does not implement", source_, n.name,
                      n.op);
    if (n.op == "Placeholder") placeholders_.push_back(n.name);
    if (n.op == "Const")
      FERGUARD_CHECK_AS(constants_.count(n.name), ModelError, "graph model '{}': constant '{}' has no weights",
                        source_, n.name);
    auto it = n.strings.find("data_format");
    FERGUARD_CHECK_AS(it == n.strings.end() || it->second == "NHWC", ModelError,
                      "graph model '{}': node '{}' uses data_format '{}'; only NHWC is implemented", source_, n.name,
                      it == n.strings.end() ? "" : it->second);
    check_node(n, source_);
    // Convolution filters are constant: convert them to torch's layout once.
    if (is_convolution(n.op) && n.inputs.size() >= 2) {
      const auto& f = n.inputs[1];
      auto c = constants_.find(f);
      FERGUARD_CHECK_AS(c != constants_.end(), ModelError,
                        "graph model '{}': node '{}' takes a non-constant filter '{}', which is not supported", source_,
                        n.name, f);
      prepared_[n.name] = torch_filter(n, c->second, source_);
    }
  }
  // What run() needs per node without looking names up on every call.
  inputs_.clear();
  filters_.clear();
  for (const GraphNode& n : nodes_) {
    std::vector<std::size_t> in;
    for (const auto& name : n.inputs) in.push_back(index_.at(name));
    inputs_.push_back(std::move(in));
    auto p = prepared_.find(n.name);
    filters_.push_back(p == prepared_.end() ? at::Tensor() : p->second);
  }
  // A Mean over the spatial axes of a convolution that nothing else reads is computed from the convolution's input
  // (graph_ops.h, spatial_mean_of_convolution): the convolution's output is never made.
  mean_of_conv_.assign(nodes_.size(), std::size_t(-1));
  std::vector<int> readers(nodes_.size(), 0);
  for (const auto& in : inputs_)
    for (std::size_t j : in) ++readers[j];
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].op != "Mean" || inputs_[i].size() != 2) continue;
    const std::size_t c = inputs_[i][0];
    const GraphNode& axes = nodes_[inputs_[i][1]];
    if (readers[c] != 1 || !filters_[c].defined() || axes.op != "Const") continue;
    if (!spatial_mean_of_convolution_fits(nodes_[c], nodes_[i], constants_.at(axes.name))) continue;
    mean_of_conv_[i] = c;
    const std::size_t axes_input = inputs_[i][1];
    inputs_[i] = inputs_[c];  // the convolution's inputs, then the Mean's axes
    inputs_[i].push_back(axes_input);
  }
}

std::vector<at::Tensor> TfjsGraph::run(const std::map<std::string, at::Tensor>& feeds,
                                       const std::vector<std::string>& outputs) const {
  // Only the ancestors of the requested outputs are computed.
  std::vector<char> needed(nodes_.size(), 0);
  std::vector<std::size_t> stack;
  for (const auto& o : outputs) {
    auto it = index_.find(o);
    FERGUARD_CHECK(it != index_.end(), "graph model '{}': no node named '{}' to output", source_, o);
    stack.push_back(it->second);
  }
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    if (needed[i]) continue;
    needed[i] = 1;
    for (std::size_t in : inputs_[i]) stack.push_back(in);
  }
  // A value is released after its last consumer has run (outputs are kept), so activations do not pile up.
  std::vector<std::size_t> last_use(nodes_.size(), 0);
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (needed[i])
      for (std::size_t in : inputs_[i]) last_use[in] = std::max(last_use[in], i);
  for (const auto& o : outputs) last_use[index_.at(o)] = nodes_.size();
  std::vector<GraphValue> values(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!needed[i]) continue;
    const GraphNode& n = nodes_[i];
    if (n.op == "Placeholder") {
      auto it = feeds.find(n.name);
      FERGUARD_CHECK(it != feeds.end(), "graph model '{}': no input fed for placeholder '{}'", source_, n.name);
      values[i] = {it->second, false};
      continue;
    }
    if (n.op == "Const") {
      values[i] = {constants_.at(n.name), false};
      continue;
    }
    std::vector<const GraphValue*> args;
    for (std::size_t in : inputs_[i]) args.push_back(&values[in]);
    try {
      const std::size_t conv = mean_of_conv_[i];
      if (conv == std::size_t(-1)) {
        values[i] = run_op(n, args, filters_[i]);
      } else if (!(at::GradMode::is_enabled() && args[0]->tensor.requires_grad())) {
        values[i] = spatial_mean_of_convolution(nodes_[conv], args, filters_[conv]);
      } else {  // a gradient is wanted: the convolution, then the Mean, as the plain ops
        const std::vector<const GraphValue*> conv_args(args.begin(), args.end() - 1);
        const GraphValue y = run_op(nodes_[conv], conv_args, filters_[conv]);
        values[i] = run_op(n, {&y, args.back()}, at::Tensor());
      }
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw ModelError(fmt::format("graph model '{}': node '{}' ({}) failed: {}", source_, n.name, n.op,
                                   exception_message(e)));
    }
    for (std::size_t in : inputs_[i])
      if (last_use[in] == i && nodes_[in].op != "Const" && nodes_[in].op != "Placeholder") values[in] = GraphValue{};
  }
  std::vector<at::Tensor> result;
  for (const auto& o : outputs) result.push_back(to_logical(values[index_.at(o)]));
  return result;
}

}  // namespace ferguard::detail
