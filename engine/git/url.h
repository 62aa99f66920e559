// Remote URLs as berth reads them: which transport, which host, and how to show them.
// Internal to engine/git/.
#pragma once

#include <string>

#include "planner/result.h"

namespace berth::git {

enum class Transport { kLocal, kHttp, kSsh };

struct RemoteUrl {
  Transport transport = Transport::kLocal;
  std::string url;      // what libgit2 is given and the cache is keyed by (local: absolute path)
  std::string display;  // `url` with any password replaced by ***
  std::string host;     // ssh and http(s): the host name or address, without [] for IPv6
  int port = 0;         // ssh and http(s): the port (22, 443, 80 when not given)
  std::string user;     // ssh: from the URL ("" = the local user name)
  std::string path;     // local: the absolute, normalised directory
};

// Reads /abs, rel (made absolute against the current directory), file:///abs, http(s)://,
// ssh:// and scp-like [user@]host:path. Other schemes and malformed URLs are kInput errors.
Result<RemoteUrl> parse_remote_url(const std::string& text);

}  // namespace berth::git
