// The three renderings of a run's events (cmd/progress.h), fed a synthetic rollout: plain lines
// and JSON lines against golden files (tests/unit/golden/; BERTH_UPDATE_GOLDEN=1 rewrites them),
// every JSON line through tests/validate_events.py, the live block's escapes and last frame.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cmd/progress.h"

namespace berth::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kStart = 1796223845000;  // 2026-12-02T15:04:05.000Z

Event ev(EventKind kind, int64_t at, std::string host, std::string service,
         std::string message = "") {
  Event e;
  e.kind = kind;
  e.time_ms = kStart + at;
  e.host = std::move(host);
  e.service = std::move(service);
  e.message = std::move(message);
  return e;
}

Event replica(EventKind kind, int64_t at, std::string host, std::string slot, int64_t elapsed = 0,
              std::string message = "") {
  Event e = ev(kind, at, std::move(host), "web", std::move(message));
  e.slot = slot;
  e.container = "demo-web-" + slot;
  e.elapsed_ms = elapsed;
  return e;
}

Event batch(int64_t at, std::string host, int n, int of, std::vector<std::string> slots) {
  Event e = ev(EventKind::kBatchStarted, at, std::move(host), "web");
  e.batch = n;
  e.batches = of;
  e.slots = std::move(slots);
  return e;
}

// A rollout of web over two hosts: h1's batch succeeds, h2's replica fails and is rolled back,
// h3 cannot be reached. With the noise a real run has: a pull repeating itself, health waits.
std::vector<Event> rollout() {
  Event failed =
      replica(EventKind::kReplicaFailed, 14000, "h2", "3", 0, "unhealthy after 3 checks");
  failed.detail = "health: wget: connection refused\nlog: listening on :8081";
  return {
      ev(EventKind::kStep, 0, "h1", "", "created network demo_default"),
      ev(EventKind::kStep, 100, "h1", "web", "Downloading"),
      ev(EventKind::kStep, 150, "h1", "web", "Downloading"),
      ev(EventKind::kStep, 180, "h1", "web", "Downloading"),
      ev(EventKind::kStep, 900, "h1", "web", "pulled image demo/web:2"),
      batch(1000, "h1", 1, 2, {"1", "2"}),
      replica(EventKind::kReplicaStarted, 1100, "h1", "1"),
      replica(EventKind::kReplicaWaiting, 2100, "h1", "1", 1000),
      replica(EventKind::kReplicaWaiting, 3100, "h1", "1", 2000),
      replica(EventKind::kReplicaWaiting, 12600, "h1", "1", 11500),
      replica(EventKind::kReplicaHealthy, 13300, "h1", "1", 12200),
      batch(13400, "h2", 2, 2, {"3"}),
      replica(EventKind::kReplicaStarted, 13500, "h2", "3"),
      failed,
      ev(EventKind::kRollbackStarted, 14100, "h2", "web", "demo-web-3 failed its health check"),
      ev(EventKind::kRollbackFinished, 14200, "h2", "web"),
      ev(EventKind::kHostFailed, 14300, "h3", "", "host h3: cannot connect (is sshd running?)"),
      ev(EventKind::kPlan, 14400, "", "", "a plan from the engine: shown once only"),
      ev(EventKind::kDone, 14500, "", "", "the engine's own end: done() reports it"),
  };
}

Plan one_change() {
  Plan plan;
  plan.stack = "demo";
  Change c;
  c.action = Action::kRecreate;
  c.service = "web";
  c.slot = "1";
  c.host = "h1";
  c.container = "demo-web-1";
  c.fields.push_back({"image", "\"demo/web:1\"", "\"demo/web:2\"", false});
  plan.changes.push_back(c);
  plan.summary.recreate = 1;
  return plan;
}

ApplyReport partial_report() {
  ApplyReport r;
  r.hosts.push_back({"h1", {"recreated demo-web-1"}, {}});
  r.hosts.push_back(
      {"h2",
       {},
       {Error{ErrorKind::kHost, {}, "h2", "web", "demo-web-3 is unhealthy; rolled back", ""}}});
  return r;
}

// The whole run through one renderer: plan, the events, done (exit 3: partly done).
void run(RunProgress& p) {
  p.plan(one_change(), kStart - 500);
  for (const Event& e : rollout()) p.event(e);
  p.done(partial_report(), 3, kStart + 20000);
}

std::string golden_path(const std::string& name) {
  return std::string(BERTH_SOURCE_DIR) + "/tests/unit/golden/" + name;
}

void expect_golden(const std::string& name, const std::string& got) {
  if (std::getenv("BERTH_UPDATE_GOLDEN")) std::ofstream(golden_path(name)) << got;
  std::ifstream in(golden_path(name));
  ASSERT_TRUE(in) << "missing " << golden_path(name) << "; BERTH_UPDATE_GOLDEN=1 writes it";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << "differs from " << golden_path(name);
}

TEST(PlainProgress, TimestampedLinesOnePerEventWithoutRepeats) {
  std::ostringstream out;
  auto p = make_progress(false, false, out);
  run(*p);
  expect_golden("progress_plain.txt", out.str());
  EXPECT_THAT(out.str(), HasSubstr("2026-12-02T15:04:06Z h1 web batch 1/2 started: web-1 web-2"));
}

TEST(JsonProgress, OneValidObjectPerLineEndingWithTheReport) {
  std::ostringstream out;
  auto p = make_progress(true, false, out);
  run(*p);
  expect_golden("progress_events.jsonl", out.str());
  std::string file = ::testing::TempDir() + "progress_events.jsonl";
  std::ofstream(file) << out.str();
  std::string check = "/usr/bin/python3 " BERTH_SOURCE_DIR "/tests/validate_events.py " + file;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
  std::string last = out.str().substr(out.str().rfind("{\"event\""));
  EXPECT_THAT(last, HasSubstr("\"event\":\"done\""));
  EXPECT_THAT(last, HasSubstr("\"result\":\"partial\",\"exit_code\":3"));
  EXPECT_THAT(last, HasSubstr("demo-web-3 is unhealthy; rolled back"));
  std::remove(file.c_str());
}

TEST(JsonProgress, TheValidatorNamesABadLine) {
  std::string file = ::testing::TempDir() + "bad_events.jsonl";
  std::ofstream(file) << "{\"event\":\"step\",\"time\":\"2026-12-02T15:04:05.000Z\",\"message\":"
                         "\"x\"}\n{\"event\":\"replica_started\",\"time\":\"yesterday\"}\n";
  std::string check = "/usr/bin/python3 " BERTH_SOURCE_DIR "/tests/validate_events.py " + file +
                      " 2>" + file + ".err";
  EXPECT_NE(std::system(check.c_str()), 0);
  std::stringstream err;
  err << std::ifstream(file + ".err").rdbuf();
  EXPECT_THAT(err.str(), HasSubstr(file + ":2: time:"));
  EXPECT_THAT(err.str(), HasSubstr("does not end with a done event"));
  std::remove(file.c_str());
  std::remove((file + ".err").c_str());
}

// A fake clock the test moves by hand, and no ticker thread: every frame comes from an event.
struct Live {
  int64_t now = kStart;
  std::ostringstream out;
  std::unique_ptr<RunProgress> p;
  explicit Live(bool color, int width = 72) {
    LiveOptions o;
    o.width = width;
    o.color = color;
    o.ticker = false;
    o.now_ms = [this] { return now; };
    p = make_live_progress(out, o);
  }
  void at(int64_t ms, const Event& e) {
    now = kStart + ms;
    p->event(e);
  }
};

TEST(LiveProgress, RedrawsInPlaceAtMostTenTimesASecond) {
  Live live(false);
  live.at(0, batch(0, "h1", 1, 2, {"1", "2"}));
  EXPECT_THAT(live.out.str(), HasSubstr("h1  web  batch 1/2 started"));
  live.at(50, replica(EventKind::kReplicaStarted, 50, "h1", "1"));  // within 100 ms: no frame
  EXPECT_THAT(live.out.str(), Not(HasSubstr("started demo-web-1")));
  live.at(160, replica(EventKind::kReplicaWaiting, 160, "h1", "1", 1000));
  // The second frame goes back up over the first (one row), clears it, and draws again.
  EXPECT_THAT(live.out.str(), HasSubstr("\x1b[1A\r\x1b[2Kh1  web  batch 1/2: waiting for "
                                        "demo-web-1 healthy 1.0s"));
  // A health wait's time runs between its events: 2.2 s later the frame says 3.2 s.
  live.at(2360, ev(EventKind::kStep, 2360, "h2", "web", "pulled image demo/web:2"));
  EXPECT_THAT(live.out.str(), HasSubstr("waiting for demo-web-1 healthy 3.2s"));
  EXPECT_THAT(live.out.str(), HasSubstr("\x1b[1A"));
  EXPECT_THAT(live.out.str(), Not(HasSubstr("\x1b[3")));  // no colors asked for
}

TEST(LiveProgress, FailuresStayAboveTheBlockAndTheLastFrameSaysHowEachEnded) {
  Live live(true);
  live.p->plan(one_change());  // cmd/ printed it in full: the engine's plan event is not shown
  int64_t t = 0;
  for (const Event& e : rollout()) live.at(t += 200, e);
  live.p->done(partial_report(), 3, kStart + t);
  std::string text = live.out.str();
  // Printed once, above the block, with the replica's health output.
  EXPECT_THAT(text, HasSubstr("h2  web  demo-web-3 failed: unhealthy after 3 checks\n"
                              "    | health: wget: connection refused\n"
                              "    | log: listening on :8081\n"));
  EXPECT_THAT(text, HasSubstr("h3  host failed: host h3: cannot connect (is sshd running?)\n"));
  // The last frame goes up over the four rows (h1 -, h1 web, h2 web, h3 -) and redraws them.
  std::string end = text.substr(text.rfind("\x1b[4A"));
  EXPECT_THAT(end, HasSubstr("h1  -    \x1b[32mdone\x1b[0m\n"));
  EXPECT_THAT(end, HasSubstr("h1  web  \x1b[32mdone\x1b[0m\n"));
  EXPECT_THAT(end, HasSubstr("h2  web  \x1b[31mfailed: demo-web-3 is unhealthy; rolled back"));
  EXPECT_THAT(end, HasSubstr("h3  -    \x1b[31mhost failed\x1b[0m\n"));
  EXPECT_THAT(text, HasSubstr("\x1b[33mrolled back\x1b[0m"));  // before the end
  EXPECT_THAT(text, Not(HasSubstr("shown once only")));
}

TEST(LiveProgress, LinesNeverWrapTheTerminal) {
  Live live(false, 30);
  live.at(0, ev(EventKind::kStep, 0, "h1", "web", std::string(200, 'x')));
  std::string text = live.out.str();
  std::string row = text.substr(text.find("h1"));
  row = row.substr(0, row.find('\n'));
  EXPECT_EQ(row.size(), 29u) << row;
}

TEST(MakeProgress, PlainWhenNotATerminal) {
  std::ostringstream out;
  auto p = make_progress(false, false, out, true);
  p->event(ev(EventKind::kStep, 0, "h1", "web", "created demo-web-1"));
  EXPECT_EQ(out.str(), "2026-12-02T15:04:05Z h1 web created demo-web-1\n");
}

TEST(RunResult, OneWordPerExitCode) {
  EXPECT_STREQ(run_result(0), "ok");
  EXPECT_STREQ(run_result(1), "failed");
  EXPECT_STREQ(run_result(3), "partial");
  EXPECT_STREQ(run_result(6), "rolled_back");
  EXPECT_STREQ(run_result(7), "paused");
  EXPECT_STREQ(run_result(8), "timed_out");
  EXPECT_STREQ(run_result(130), "interrupted");
}

}  // namespace
}  // namespace berth::cli
