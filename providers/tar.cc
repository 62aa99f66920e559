#include "providers/tar.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace berth {
namespace fs = std::filesystem;

namespace {

void octal(char* field, size_t size, uint64_t value) {
  std::snprintf(field, size, "%0*llo", static_cast<int>(size - 1),
                static_cast<unsigned long long>(value));
}

void add_entry(std::string& out, const std::string& name, const std::string& data, char type,
               unsigned mode) {
  char h[512] = {};
  std::string n = name;
  if (n.size() > 99) {  // ustar prefix/name split
    auto cut = n.rfind('/', 154);
    std::memcpy(h + 345, n.data(), std::min<size_t>(cut, 155));
    n = n.substr(cut + 1);
  }
  std::memcpy(h, n.data(), std::min<size_t>(n.size(), 100));
  octal(h + 100, 8, mode);
  octal(h + 108, 8, 0);
  octal(h + 116, 8, 0);
  octal(h + 124, 12, data.size());
  octal(h + 136, 12, 0);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  out.append(h, 512);
  out += data;
  out.append((512 - data.size() % 512) % 512, '\0');
}

std::set<std::string> read_ignore(const fs::path& dir) {
  std::set<std::string> out;
  std::ifstream in(dir / ".dockerignore");
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '/')) line.pop_back();
    if (!line.empty() && line[0] != '#') out.insert(line);
  }
  return out;
}

bool ignored(const std::string& rel, const std::set<std::string>& patterns) {
  for (const auto& p : patterns)
    if (rel == p || rel.rfind(p + "/", 0) == 0) return true;
  return false;
}

}  // namespace

Result<std::string> tar_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{ErrorKind::kInput, {dir, 0, 0}, "", "", "the build context is not a directory",
                 "check `build:` (or build.context) in the stack"};
  auto ignore = read_ignore(dir);
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    entries.push_back(it->path());
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& p : entries) {
    std::string rel = fs::relative(p, dir).generic_string();
    if (ignored(rel, ignore)) continue;
    auto status = fs::symlink_status(p, ec);
    unsigned mode = static_cast<unsigned>(status.permissions()) & 07777;
    if (fs::is_directory(status)) {
      add_entry(out, rel + "/", "", '5', mode);
    } else if (fs::is_regular_file(status)) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      add_entry(out, rel, buf.str(), '0', mode);
    }
  }
  out.append(1024, '\0');
  return out;
}

}  // namespace berth
