#include "tar_reader.h"

#include <cstdlib>
#include <map>

namespace berth::testing {
namespace {

std::string field(const char* h, size_t off, size_t len) {
  std::string s(h + off, len);
  return s.substr(0, s.find('\0'));
}

unsigned long octal(const char* h, size_t off, size_t len) {
  return std::strtoul(field(h, off, len).c_str(), nullptr, 8);
}

std::map<std::string, std::string> pax_records(const std::string& body) {
  std::map<std::string, std::string> out;
  for (size_t at = 0; at < body.size();) {
    size_t space = body.find(' ', at);
    size_t len = std::stoul(body.substr(at, space - at));
    std::string record = body.substr(space + 1, len - (space - at) - 2);
    size_t eq = record.find('=');
    out[record.substr(0, eq)] = record.substr(eq + 1);
    at += len;
  }
  return out;
}

}  // namespace

std::vector<TarItem> read_tar(const std::string& tar) {
  std::vector<TarItem> out;
  std::map<std::string, std::string> pax;
  for (size_t at = 0; at + 512 <= tar.size();) {
    const char* h = tar.data() + at;
    if (h[0] == '\0') break;  // end of archive
    size_t size = octal(h, 124, 12);
    std::string data = tar.substr(at + 512, size);
    at += 512 + (size + 511) / 512 * 512;
    if (h[156] == 'x') {
      pax = pax_records(data);
      continue;
    }
    TarItem item;
    item.name = field(h, 0, 100);
    item.type = h[156];
    item.mode = static_cast<unsigned>(octal(h, 100, 8));
    item.uid = static_cast<int>(octal(h, 108, 8));
    item.gid = static_cast<int>(octal(h, 116, 8));
    item.data = data;
    if (item.type == '2') item.data = field(h, 157, 100);
    if (pax.count("path")) item.name = pax["path"];
    if (pax.count("linkpath")) item.data = pax["linkpath"];
    pax.clear();
    out.push_back(std::move(item));
  }
  return out;
}

const TarItem* find_item(const std::vector<TarItem>& items, const std::string& name) {
  for (const TarItem& i : items)
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace berth::testing
