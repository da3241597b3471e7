// One rank of the data-parallel test: trains the controllers and the enhancers of a tiny pipeline on the
// blob stand-in and writes every parameter, flat float32, to OUT.
//   ddp_worker WORLD RANK HOST:PORT OUT
#include <fstream>
#include <iostream>

#include "learn/blob_faces.h"
#include "learn/stages.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: ddp_worker WORLD RANK HOST:PORT OUT\n";
    return 2;
  }
  try {
    using namespace ferguard;
    TrainOptions o = TrainOptions::from_preset("tiny");
    o.epochs_controllers = 2;
    o.epochs_enhancers = 2;
    o.enhancer = EnhancerKind::unet;  // trained by gradient steps (template banks are fitted, not trained)
    o.patience = 5;
    o.batch_size = 8;
    o.threads = 1;
    o.optimizer = "sgd";
    o.learning_rate = 0.02;
    o.distributed.world_size = std::stoi(argv[1]);
    o.distributed.rank = std::stoi(argv[2]);
    o.distributed.master = argv[3];
    o.distributed.timeout_s = 60;
    o.validate();
    learn::ThreadGuard threads(o.threads);
    learn::Communicator comm(o.distributed);
    // 4 identities x 7 expressions x 4 samples: 56 train faces, 7 global batches of 8 per epoch.
    test::BlobFaces faces(4, 4, o.image_size);
    learn::LearnData d = learn::load_data(faces, o.image_size, o.val_fraction, o.seed, 1);
    learn::Models m(o, d.identities);
    learn::RunContext run{o, comm, ""};
    auto dump = [&m](const std::string& path) {
      std::vector<torch::Tensor> all;
      for (torch::nn::Module* module : std::vector<torch::nn::Module*>{(m.c_low.ptr().get()), m.c_high.ptr().get(),
                                        m.validator.ptr().get(), m.c_fc.ptr().get(), m.privatizer.ptr().get()})
        all.push_back(learn::flat_parameters(*module));
      torch::Tensor flat = torch::cat(all).contiguous();
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(flat.data_ptr<float>()), flat.numel() * sizeof(float));
      return out.good();
    };
    if (!dump(std::string(argv[4]) + ".init")) return 1;
    learn::train_controllers(m, d, run);
    learn::train_enhancers(m, d, run);
    return dump(argv[4]) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ddp_worker: " << e.what() << "\n";
    return 1;
  }
}
