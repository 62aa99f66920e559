// A temporary world for the engine/git tests: HOME, a cache root and a source repository
// (branch main) made with the `git` CLI, with a fixed author and no user or system git config.
// Header-only: non-test .cc files in tests/unit/ are linked into every unit test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/git/git.h"

namespace berth::git {

class GitTest : public ::testing::Test {
 public:
  void SetUp() override {
    char dir[] = "/tmp/berth-git-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    tmp_ = dir;
    src_ = tmp_ + "/src";
    std::filesystem::create_directories(tmp_ + "/home");
    ::setenv("HOME", (tmp_ + "/home").c_str(), 1);
    ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ::unsetenv("SSH_AUTH_SOCK");
    ::unsetenv("XDG_CACHE_HOME");
    for (const char* who : {"AUTHOR", "COMMITTER"}) {
      ::setenv((std::string("GIT_") + who + "_NAME").c_str(), "Alice", 1);
      ::setenv((std::string("GIT_") + who + "_EMAIL").c_str(), "alice@example.com", 1);
    }
    options_.cache_root = tmp_ + "/cache";
    sh("git init -q -b main " + src_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(tmp_, ec);
  }

  // Runs a shell command; fails the test unless it exits 0. Returns stdout without the last
  // newline.
  std::string sh(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(("(" + cmd + ") 2>" + tmp_ + "/sh.err").c_str(), "r");
    if (!p) {
      ADD_FAILURE() << "popen failed: " << cmd;
      return out;
    }
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int status = ::pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n"
                                                               << read(tmp_ + "/sh.err");
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  // Writes `path` in the source repository, commits it, returns the commit's SHA.
  std::string commit_file(const std::string& path, const std::string& text,
                          const std::string& message) {
    write(src_ + "/" + path, text);
    sh("git -C " + src_ + " add -A && git -C " + src_ + " commit -q -m '" + message + "'");
    return sh("git -C " + src_ + " rev-parse HEAD");
  }

  Repo open() {
    auto repo = open_cache(src_, options_);
    if (!repo.ok()) ADD_FAILURE() << repo.error().str();
    return std::move(repo.value());
  }

  template <class T>
  static T value(Result<T> r) {
    if (!r.ok()) {
      ADD_FAILURE() << r.error().str();
      return T{};
    }
    return std::move(r.value());
  }

  // The message of a failure ("" and a test failure on success).
  template <class T>
  static std::string error_of(const Result<T>& r) {
    if (r.ok()) {
      ADD_FAILURE() << "expected an error";
      return "";
    }
    return r.error().message;
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      names.push_back(e.path().filename().string());
    return names;
  }

  std::string tmp_, src_;
  CacheOptions options_;
};

}  // namespace berth::git
