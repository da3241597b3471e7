#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstring>
#include <fstream>

#include "ferguard/error.h"
#include "model/tfjs_weights.h"
#include "test_util.h"

namespace ferguard {
namespace {

using detail::TfjsWeights;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return s;
}

std::string u16_bytes(std::initializer_list<std::uint16_t> values) {
  std::string s;
  for (std::uint16_t v : values) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>(v >> 8));
  }
  return s;
}

// A model with one of each storage: uint8-quantized [2,2], raw f32 [3], float16 [5], uint8 int32 [2].
const char* kManifest = R"([{"paths":["m.bin"],"weights":[
  {"name":"q","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.1,"min":-1.0}},
  {"name":"raw","shape":[3],"dtype":"float32"},
  {"name":"half","shape":[5],"dtype":"float32","quantization":{"dtype":"float16"}},
  {"name":"ints","shape":[3],"dtype":"int32","quantization":{"dtype":"uint8","scale":0.5,"min":-3.0}}]}])";

std::string model_bytes() {
  std::string b;
  b += std::string("\x00\x01\x0a\xff", 4);                      // q: 0, 1, 10, 255
  b += f32_bytes({1.5f, -2.25f, 3.0e-8f});                       // raw (starts at offset 4)
  b += u16_bytes({0x3C00, 0xC000, 0x3555, 0x0001, 0x7BFF});      // 1, -2, 0.333251953125, 2^-24, 65504
  b += std::string("\x00\x07\x01", 3);  // ints: -3, 0.5, -2.5 -> -3, 1, -2 (JS Math.round)
  return b;
}

TEST(TfjsWeights, DecodesEveryStorage) {
  test::TempDir dir;
  write_file(dir.file("m-weights_manifest.json"), kManifest);
  write_file(dir.file("m.bin"), model_bytes());
  const TfjsWeights w = TfjsWeights::load(dir.file("m-weights_manifest.json"));
  EXPECT_EQ(w.names(), (std::vector<std::string>{"q", "raw", "half", "ints"}));

  const at::Tensor q = w.get("q", {2, 2});
  ASSERT_EQ(q.scalar_type(), at::kFloat);
  // value = q*scale + min in double, then rounded to float
  const float expect_q[4] = {static_cast<float>(0 * 0.1 - 1.0), static_cast<float>(1 * 0.1 - 1.0),
                             static_cast<float>(10 * 0.1 - 1.0), static_cast<float>(255 * 0.1 - 1.0)};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(q.view({-1})[i].item<float>(), expect_q[i]) << i;

  const at::Tensor raw = w.get("raw", {3});
  EXPECT_EQ(raw[0].item<float>(), 1.5f);
  EXPECT_EQ(raw[1].item<float>(), -2.25f);
  EXPECT_EQ(raw[2].item<float>(), 3.0e-8f);

  const at::Tensor half = w.get("half", {5});
  EXPECT_EQ(half[0].item<float>(), 1.0f);
  EXPECT_EQ(half[1].item<float>(), -2.0f);
  EXPECT_EQ(half[2].item<float>(), 0.333251953125f);
  EXPECT_EQ(half[3].item<float>(), std::ldexp(1.0f, -24));
  EXPECT_EQ(half[4].item<float>(), 65504.0f);

  const at::Tensor ints = w.get("ints", {3});
  ASSERT_EQ(ints.scalar_type(), at::kInt);
  EXPECT_EQ(ints[0].item<int>(), -3);
  EXPECT_EQ(ints[1].item<int>(), 1);
  EXPECT_EQ(ints[2].item<int>(), -2);

  EXPECT_EQ(w.specs()[1].offset, 4u);
  EXPECT_EQ(w.specs()[2].offset, 16u);
  EXPECT_EQ(w.specs()[3].offset, 26u);
}

std::string error_of_load(const std::string& manifest, const std::string& bin) {
  test::TempDir dir;
  write_file(dir.file("m-weights_manifest.json"), manifest);
  if (!bin.empty()) write_file(dir.file("m.bin"), bin);
  try {
    TfjsWeights::load(dir.file("m-weights_manifest.json"));
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(TfjsWeights, TruncatedFileNamesTheTensor) {
  const std::string b = model_bytes();
  const std::string msg = error_of_load(kManifest, b.substr(0, b.size() - 5));  // cuts into "half"
  EXPECT_NE(msg.find("'half'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(TfjsWeights, OversizedFileIsRejected) {
  const std::string msg = error_of_load(kManifest, model_bytes() + "xx");
  EXPECT_NE(msg.find("oversized"), std::string::npos) << msg;
  EXPECT_NE(msg.find("31 bytes"), std::string::npos) << msg;
}

TEST(TfjsWeights, MissingBinNamesTheFileAndTheFix) {
  const std::string msg = error_of_load(kManifest, "");
  EXPECT_NE(msg.find("m.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scripts/fetch_models.sh"), std::string::npos) << msg;
}

TEST(TfjsWeights, MissingManifestIsModelError) {
  EXPECT_THROW(TfjsWeights::load("/nonexistent/x-weights_manifest.json"), ModelError);
}

TEST(TfjsWeights, UnknownDtypesAreRejected) {
  const std::string bad_q = R"([{"paths":["m.bin"],"weights":[
    {"name":"w","shape":[1],"dtype":"float32","quantization":{"dtype":"int4","scale":1,"min":0}}]}])";
  std::string msg = error_of_load(bad_q, "x");
  EXPECT_NE(msg.find("'w'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int4"), std::string::npos) << msg;
  const std::string bad_dtype = R"([{"paths":["m.bin"],"weights":[{"name":"s","shape":[1],"dtype":"string"}]}])";
  msg = error_of_load(bad_dtype, "xxxx");
  EXPECT_NE(msg.find("'s'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("string"), std::string::npos) << msg;
  EXPECT_NE(error_of_load("not json", "x").find("invalid JSON"), std::string::npos);
}

// Inputs found by fuzzing (tests/fuzz, docs/fuzzing.md): each used to escape as a non-ferguard exception or as
// undefined behaviour (a wrapped byte size that passed the bounds check).
TEST(TfjsWeights, MalformedEntriesAreModelErrorsNamingTheTensor) {
  auto error_of_decode = [](const std::string& manifest) {
    try {
      TfjsWeights::decode(manifest, {{}}, "fuzzed");
    } catch (const ModelError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("not a ModelError: ") + e.what();
    }
    return std::string("no error");
  };
  const std::string cases[][2] = {
      {R"([{"weights":[{"name":"a","shape":[1],"dtype":5}]}])", "non-string dtype 5"},
      {R"([{"weights":[{"name":"a","shape":[1],"quantization":{"dtype":3}}]}])", "non-string quantization dtype 3"},
      {R"([{"weights":[{"name":"a","shape":[4611686018427387904,4]}]}])", "larger than any weights file"},
      {R"([{"weights":[{"name":"a","shape":[3037000500,3037000500,2]}]}])", "larger than any weights file"},
      {R"([{"weights":[{"name":"a","shape":[0,4611686018427387904,4]}]}])", "larger than any weights file"},
  };
  for (const auto& [manifest, expected] : cases) {
    const std::string msg = error_of_decode(manifest);
    EXPECT_NE(msg.find("weights manifest 'fuzzed': tensor 'a'"), std::string::npos) << manifest << ": " << msg;
    EXPECT_NE(msg.find(expected), std::string::npos) << manifest << ": " << msg;
  }
  // A zero dimension with sizes that fit is an empty tensor, as before.
  const TfjsWeights empty = TfjsWeights::decode(R"([{"weights":[{"name":"e","shape":[0,1000000]}]}])", {{}}, "x");
  EXPECT_EQ(empty.get("e").numel(), 0);
}

TEST(TfjsWeights, MissingTensorAndWrongShapeNameTheTensor) {
  test::TempDir dir;
  write_file(dir.file("m-weights_manifest.json"), kManifest);
  write_file(dir.file("m.bin"), model_bytes());
  const TfjsWeights w = TfjsWeights::load(dir.file("m-weights_manifest.json"));
  try {
    w.get("nope");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
  try {
    w.get("q", {4});
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("[2,2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(w.conv_filters("q", 3, 3, 1, 1), ModelError);
}

TEST(TfjsWeights, MultiplePathsAreConcatenated) {
  test::TempDir dir;
  const std::string manifest = R"([{"paths":["a.bin","b.bin"],"weights":[{"name":"v","shape":[2],"dtype":"float32"}]}])";
  write_file(dir.file("m-weights_manifest.json"), manifest);
  const std::string b = f32_bytes({7.0f, -8.0f});
  write_file(dir.file("a.bin"), b.substr(0, 3));  // a shard boundary inside a float
  write_file(dir.file("b.bin"), b.substr(3));
  const at::Tensor v = TfjsWeights::load(dir.file("m-weights_manifest.json")).get("v");
  EXPECT_EQ(v[0].item<float>(), 7.0f);
  EXPECT_EQ(v[1].item<float>(), -8.0f);
}

TEST(TfjsWeights, LayoutConversions) {
  // HWIO value = 1000h + 100w + 10i + o, so every converted element can be checked by its indices.
  at::Tensor hwio = at::empty({3, 2, 4, 5});
  for (int h = 0; h < 3; ++h)
    for (int w = 0; w < 2; ++w)
      for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 5; ++o) hwio[h][w][i][o] = 1000 * h + 100 * w + 10 * i + o;
  const at::Tensor oihw = detail::hwio_to_oihw(hwio);
  ASSERT_EQ(oihw.sizes().vec(), (std::vector<std::int64_t>{5, 4, 3, 2}));
  EXPECT_EQ(oihw[3][2][1][0].item<float>(), 1000 * 1 + 100 * 0 + 10 * 2 + 3);
  EXPECT_TRUE(oihw.is_contiguous());

  const at::Tensor dw = detail::depthwise_to_torch(hwio.narrow(3, 0, 1));  // [3,2,4,1] -> [4,1,3,2]
  ASSERT_EQ(dw.sizes().vec(), (std::vector<std::int64_t>{4, 1, 3, 2}));
  EXPECT_EQ(dw[2][0][1][1].item<float>(), 1000 + 100 + 20);

  const at::Tensor fc = at::arange(6, at::kFloat).view({2, 3});  // [in=2, out=3]
  const at::Tensor lin = detail::fc_to_linear(fc);
  ASSERT_EQ(lin.sizes().vec(), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(lin[2][1].item<float>(), 5.0f);  // out 2, in 1 = fc[1][2]
  EXPECT_THROW(detail::depthwise_to_torch(hwio), ModelError);
}

}  // namespace
}  // namespace ferguard
