// A reader of the archives berth writes (ustar, PAX path/linkpath records), for tests that
// check what would reach a container.
#pragma once

#include <string>
#include <vector>

namespace berth::testing {

struct TarItem {
  std::string name;  // as in the archive ("etc/app.conf", "www/")
  char type = '0';   // '0' file, '5' directory, '2' symlink
  unsigned mode = 0;
  int uid = 0, gid = 0;
  std::string data;  // a file's content, or a symlink's target
};

std::vector<TarItem> read_tar(const std::string& tar);
// The item named `name`, or nullptr.
const TarItem* find_item(const std::vector<TarItem>& items, const std::string& name);

}  // namespace berth::testing
