// engine/parallel.h: bounded fan-out whose workers can never end the process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "engine/parallel.h"

namespace berth {
namespace {

using ::testing::HasSubstr;

TEST(ParallelFor, RunsEveryIndexOnce) {
  std::vector<std::atomic<int>> seen(50);
  Status st = parallel_for(50, 4, [&](size_t i) { ++seen[i]; });
  EXPECT_TRUE(st.ok());
  for (auto& n : seen) EXPECT_EQ(n.load(), 1);
}

TEST(ParallelFor, AnExceptionOnAWorkerComesBackAsAnError) {
  std::atomic<int> done{0};
  Status st = parallel_for(8, 3, [&](size_t i) {
    if (i == 5) throw std::runtime_error("[json.exception.type_error.302] type must be string");
    ++done;
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kInternal);
  EXPECT_THAT(st.error().message, HasSubstr("type must be string"));
  EXPECT_EQ(done.load(), 7);  // the other work still ran
}

TEST(ParallelFor, OneWorkerRunsInlineAndIsGuardedToo) {
  Status st = parallel_for(3, 1, [&](size_t i) {
    if (i == 0) throw 42;
  });
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("unknown exception"));
}

}  // namespace
}  // namespace berth
