#include <gtest/gtest.h>

#include "ferguard/ferguard.h"

namespace ferguard {
namespace {

TEST(Labels, OrderAndAliases) {
  EXPECT_EQ(expression_names()[static_cast<int>(Expression::fearful)], "fearful");
  EXPECT_EQ(parse_expression("ANG"), Expression::angry);
  EXPECT_EQ(parse_expression("Surprise"), Expression::surprised);
  EXPECT_EQ(parse_expression("disgusted"), Expression::disgusted);
  for (int i = 0; i < kNumExpressions; ++i) EXPECT_EQ(static_cast<int>(parse_expression(expression_names()[i])), i);
  try {
    parse_expression("contempt");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'contempt'"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferguard
