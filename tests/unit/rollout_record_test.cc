// Rollout records (engine/rollout_record.h) over the in-memory FakeProvider: written, replaced,
// read back directly and through observe, the newest across hosts winning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/observe.h"
#include "engine/rollout_record.h"
#include "engine/utc_time.h"
#include "fake_fleet.h"

namespace berth {
namespace {

using testing::FakeFleet;
using testing::FakeProvider;

constexpr int64_t kNoon = 1796212800000;  // 2026-12-02T12:00:00Z

RolloutRecord record(const std::string& result, int64_t at, const std::string& message) {
  return RolloutRecord{result, at, message, ""};
}

TEST(RolloutRecord, WrittenAsAVolumeWithItsLabels) {
  FakeProvider h1("h1");
  ASSERT_TRUE(
      write_rollout_record(h1, "demo", "web", record("completed", kNoon, "3 updated")).ok());
  ASSERT_EQ(h1.volumes.count("berth-rollout-demo-web"), 1u);
  const auto& labels = h1.volumes["berth-rollout-demo-web"].labels;
  EXPECT_EQ(labels.at("io.berth.stack"), "demo");
  EXPECT_EQ(labels.at("io.berth.rollout"), "web");
  EXPECT_EQ(labels.at("io.berth.rollout.result"), "completed");
  EXPECT_EQ(labels.at("io.berth.rollout.at"), "2026-12-02T12:00:00Z");
  EXPECT_EQ(labels.at("io.berth.rollout.message"), "3 updated");
}

TEST(RolloutRecord, ReadBackAsWritten) {
  FakeProvider h1("h1");
  ASSERT_TRUE(
      write_rollout_record(h1, "demo", "web", record("paused", kNoon, "web-2 failed")).ok());
  ASSERT_TRUE(write_rollout_record(h1, "other", "web", record("completed", kNoon, "")).ok());
  auto got = read_rollout_records(h1, "demo");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);  // the other stack's record is not this one's
  const RolloutRecord& r = got->at("web");
  EXPECT_EQ(r.result, "paused");
  EXPECT_EQ(r.at_ms, kNoon);
  EXPECT_EQ(r.message, "web-2 failed");
  EXPECT_EQ(r.host, "h1");
}

TEST(RolloutRecord, ANewerRolloutReplacesTheOldRecord) {
  FakeProvider h1("h1");
  ASSERT_TRUE(write_rollout_record(h1, "demo", "web", record("completed", kNoon, "first")).ok());
  ASSERT_TRUE(
      write_rollout_record(h1, "demo", "web", record("rolled_back", kNoon + 60000, "second")).ok());
  auto got = read_rollout_records(h1, "demo");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->at("web").result, "rolled_back");
  EXPECT_EQ(got->at("web").message, "second");
  EXPECT_EQ(h1.volumes.size(), 1u);
  // Writing the same record again changes nothing.
  size_t calls = h1.calls.size();
  ASSERT_TRUE(
      write_rollout_record(h1, "demo", "web", record("rolled_back", kNoon + 60000, "second")).ok());
  EXPECT_EQ(h1.calls.size(), calls);
}

TEST(RolloutRecord, TheMessageIsOneShortLine) {
  FakeProvider h1("h1");
  std::string long_text = "web-3 unhealthy:\n  curl: refused\r\n" + std::string(400, 'x');
  ASSERT_TRUE(write_rollout_record(h1, "demo", "web", record("failed", kNoon, long_text)).ok());
  std::string message = read_rollout_records(h1, "demo")->at("web").message;
  EXPECT_EQ(message.substr(0, 33), "web-3 unhealthy:   curl: refused ");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_LE(message.size(), 300u);
}

TEST(RolloutRecord, TheNewestAcrossHostsWinsAndUnreachableHostsAreSkipped) {
  FakeFleet world({"h1", "h2", "h3"});
  std::vector<FakeProvider*>& hosts = world.hosts;
  ASSERT_TRUE(write_rollout_record(*hosts[0], "demo", "web", record("completed", kNoon, "a")).ok());
  ASSERT_TRUE(
      write_rollout_record(*hosts[1], "demo", "web", record("paused", kNoon + 1000, "b")).ok());
  ASSERT_TRUE(
      write_rollout_record(*hosts[2], "demo", "web", record("failed", kNoon + 9000, "c")).ok());
  ASSERT_TRUE(write_rollout_record(*hosts[0], "demo", "db", record("completed", kNoon, "d")).ok());
  hosts[2]->down = true;
  auto got = read_rollout_records(observe("demo", world.fleet, 2));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at("web").result, "paused");
  EXPECT_EQ(got.at("web").host, "h2");
  EXPECT_EQ(got.at("db").host, "h1");
}

TEST(RolloutRecord, AnUnreachableHostIsAnErrorNamingIt) {
  FakeProvider h1("h1");
  h1.down = true;
  Status st = write_rollout_record(h1, "demo", "web", record("completed", kNoon, ""));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().host, "h1");
}

TEST(UtcText, RoundTrips) {
  EXPECT_EQ(utc_text(kNoon + 123, true), "2026-12-02T12:00:00.123Z");
  EXPECT_EQ(parse_utc_text("2026-12-02T12:00:00.123Z"), kNoon + 123);
  EXPECT_EQ(parse_utc_text("2026-12-02T12:00:00+00:00"), kNoon);
  EXPECT_EQ(parse_utc_text("2026-12-02 12:00:00"), std::nullopt);
  EXPECT_EQ(parse_utc_text("2026-13-02T12:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_utc_text(""), std::nullopt);
}

}  // namespace
}  // namespace berth
