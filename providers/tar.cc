#include "providers/tar.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace berth {
namespace fs = std::filesystem;

namespace {

// A NUL-terminated octal field; values too large for it are clamped (they never occur: sizes
// are capped well below, and times before the year 2242).
void octal(char* field, size_t size, uint64_t value) {
  value = std::min<uint64_t>(value, (uint64_t{1} << (3 * (size - 1))) - 1);
  std::snprintf(field, size, "%0*llo", static_cast<int>(size - 1),
                static_cast<unsigned long long>(value));
}

char type_flag(TarEntry::Type t) {
  switch (t) {
    case TarEntry::Type::kDirectory: return '5';
    case TarEntry::Type::kSymlink: return '2';
    default: return '0';
  }
}

// One 512-byte header and the data, padded to a whole block. `name` and `link` must fit
// (100 bytes each): longer ones go in a PAX header first (pax_record).
void add_block(std::string& out, const std::string& name, const std::string& link, char type,
               const TarEntry& e, const std::string& data) {
  char h[512] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  octal(h + 100, 8, e.mode & 07777u);
  octal(h + 108, 8, static_cast<uint64_t>(e.uid));
  octal(h + 116, 8, static_cast<uint64_t>(e.gid));
  octal(h + 124, 12, data.size());
  octal(h + 136, 12, static_cast<uint64_t>(std::max<int64_t>(0, e.mtime)));
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
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

// "<length> <key>=<value>\n", where length counts the whole record, its own digits included.
std::string pax_record(const std::string& key, const std::string& value) {
  size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + std::to_string(body).size();
  if (std::to_string(len).size() != std::to_string(body).size()) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
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

void append_entry(std::string& out, const TarEntry& e) {
  const bool dir = e.type == TarEntry::Type::kDirectory;
  const bool link = e.type == TarEntry::Type::kSymlink;
  std::string name = dir ? e.name + "/" : e.name;
  std::string target = link ? e.data : std::string();
  std::string pax;
  if (name.size() > 100) pax += pax_record("path", name);
  if (target.size() > 100) pax += pax_record("linkpath", target);
  if (!pax.empty()) add_block(out, "././@PaxHeader", "", 'x', TarEntry{"", {}, 0644}, pax);
  add_block(out, name, target, type_flag(e.type), e, dir || link ? std::string() : e.data);
}

constexpr size_t kEndOfArchive = 1024;  // two zero blocks

}  // namespace

std::string tar_archive(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const TarEntry& e : entries) append_entry(out, e);
  out.append(kEndOfArchive, '\0');
  return out;
}

Result<std::string> tar_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{ErrorKind::kInput, {dir, 0, 0}, "", "", "the build context is not a directory",
                 "check `build:` (or build.context) in the stack"};
  auto ignore = read_ignore(dir);
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  std::string out;
  for (const auto& p : paths) {
    std::string rel = fs::relative(p, dir).generic_string();
    if (ignored(rel, ignore)) continue;
    auto status = fs::symlink_status(p, ec);
    unsigned mode = static_cast<unsigned>(status.permissions()) & 07777;
    if (fs::is_directory(status)) {
      append_entry(out, {rel, TarEntry::Type::kDirectory, mode, 0, 0, ""});
    } else if (fs::is_regular_file(status)) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      append_entry(out, {rel, TarEntry::Type::kFile, mode, 0, 0, buf.str()});
    }
  }
  out.append(kEndOfArchive, '\0');
  return out;
}

}  // namespace berth
