// The tar writer (providers/tar.h), read back by GNU tar: names longer than ustar holds,
// symlinks, directories, modes, owners and times arrive as written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "providers/tar.h"

namespace berth {
namespace {

using ::testing::HasSubstr;

// `tar -tv --numeric-owner` of an archive: one line per entry, spaces squeezed.
std::string list_with_gnu_tar(const std::string& archive) {
  std::string path = "/tmp/berth-tar-test-" + std::to_string(getpid()) + ".tar";
  std::ofstream(path, std::ios::binary) << archive;
  std::string cmd = "TZ=UTC tar -tv --numeric-owner --full-time -f " + path + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  std::remove(path.c_str());
  // Columns are aligned with runs of spaces: keep one.
  std::string squeezed;
  for (char c : out)
    if (c != ' ' || squeezed.empty() || squeezed.back() != ' ') squeezed += c;
  return squeezed;
}

TEST(Tar, GnuTarReadsLongNamesLinksModesAndOwners) {
  const std::string deep = "usr/share/" + std::string(120, 'd') + "/index.html";
  const std::string far = "/opt/" + std::string(110, 't');
  std::string listing = list_with_gnu_tar(tar_archive({
      {"www", TarEntry::Type::kDirectory, 0555, 0, 0, "", 86400},
      {deep, TarEntry::Type::kFile, 0444, 0, 0, "<h1>hi</h1>", 86400},
      {"run/secrets/db", TarEntry::Type::kFile, 0400, 70, 71, "hunter2", 86400},
      {"www/current", TarEntry::Type::kSymlink, 0777, 0, 0, far, 86400},
  }));
  EXPECT_THAT(listing, HasSubstr("dr-xr-xr-x 0/0 0 1970-01-02 00:00:00 www/"));
  EXPECT_THAT(listing, HasSubstr("-r--r--r-- 0/0 11 1970-01-02 00:00:00 " + deep));
  EXPECT_THAT(listing, HasSubstr("-r-------- 70/71 7 1970-01-02 00:00:00 run/secrets/db"));
  EXPECT_THAT(listing, HasSubstr("www/current -> " + far));
  EXPECT_THAT(listing, ::testing::Not(HasSubstr("tar:")));  // no warning, no error
}

}  // namespace
}  // namespace berth
