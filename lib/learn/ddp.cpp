// The only file that includes c10d's Gloo process group (it needs USE_C10D_GLOO and gloo's headers).
#include "learn/ddp.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "detail/check.h"
#include "model/torch_runtime.h"

namespace ferguard::learn {

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {
std::pair<std::string, std::uint16_t> parse_master(const std::string& master) {
  const auto colon = master.rfind(':');
  FERGUARD_CHECK(colon != std::string::npos && colon > 0 && colon + 1 < master.size(),
                 "master: expected HOST:PORT, got '{}'", master);
  const std::string host = master.substr(0, colon);
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(master.substr(colon + 1), &used);
    FERGUARD_CHECK(used == master.size() - colon - 1, "master: expected a numeric port, got '{}'", master);
  } catch (const std::logic_error&) {
    throw InvalidArgument(fmt::format("master: expected a numeric port, got '{}'", master));
  }
  FERGUARD_CHECK(port >= 1 && port <= 65535, "master: expected a port in 1..65535, got {}", port);
  return {host, static_cast<std::uint16_t>(port)};
}

// Flat buffer of tensors (all float32), copied in and out around one collective.
torch::Tensor flatten(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> parts;
  parts.reserve(ts.size());
  for (const auto& t : ts) parts.push_back(t.detach().reshape({-1}));
  return torch::cat(parts);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& ts) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& t : ts) {
    const int64_t n = t.numel();
    t.copy_(flat.slice(0, offset, offset + n).view_as(t));
    offset += n;
  }
}
}  // namespace

Communicator::Communicator(const DistributedOptions& options) : rank_(options.rank), world_(options.world_size) {
  options.validate();
  if (world_ == 1) return;
  auto [host, port] = parse_master(options.master);
  impl_ = std::make_unique<Impl>();
  const auto timeout = std::chrono::milliseconds(1000LL * options.timeout_s);
  try {
    c10d::TCPStoreOptions so;
    so.port = port;
    so.isServer = rank_ == 0;
    so.numWorkers = static_cast<std::size_t>(world_);
    so.waitWorkers = true;
    so.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto go = c10d::ProcessGroupGloo::Options::create(timeout);
    go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
    go->threads = 1;
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank_, world_, go);
  } catch (const std::exception& e) {
    throw ModelError(fmt::format("distributed rank {} of {} at master '{}': cannot join the group ({})", rank_,
                                 world_, options.master, detail::exception_message(e)));
  }
}

Communicator::~Communicator() = default;

void Communicator::average_gradients(const std::vector<torch::Tensor>& parameters) {
  if (world_ == 1) return;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  std::vector<torch::Tensor> flat{flatten(grads)};
  impl_->group->allreduce(flat)->wait();
  unflatten(flat[0].div_(static_cast<double>(world_)), grads);
}

void Communicator::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (world_ == 1 || tensors.empty()) return;
  std::vector<torch::Tensor> flat{flatten(tensors)};
  c10d::BroadcastOptions bo;
  bo.rootRank = 0;
  impl_->group->broadcast(flat, bo)->wait();
  unflatten(flat[0], tensors);
}

double Communicator::sum(double value) {
  if (world_ == 1) return value;
  std::vector<torch::Tensor> t{torch::full({1}, value, torch::kFloat64)};
  impl_->group->allreduce(t)->wait();
  return t[0].item<double>();
}

void Communicator::barrier() {
  if (world_ == 1) return;
  impl_->group->barrier()->wait();
}

}  // namespace ferguard::learn
