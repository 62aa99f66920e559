#include "engine/git/url.h"

#include <charconv>
#include <filesystem>

#include "engine/git/errors.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

Error bad_url(const std::string& text, const std::string& why) {
  return make_error(
      ErrorKind::kInput, "bad repository URL '" + text + "': " + why,
      "give a path, file:///path, https://host/path, ssh://[user@]host[:port]/path or "
      "[user@]host:path");
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" into host and port.
bool split_host_port(const std::string& hostport, std::string* host, int* port) {
  std::string rest;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) return false;
    *host = hostport.substr(1, close - 1);
    rest = hostport.substr(close + 1);
  } else {
    size_t colon = hostport.find(':');
    *host = hostport.substr(0, colon);
    if (colon != std::string::npos) rest = hostport.substr(colon);
  }
  if (host->empty()) return false;
  if (rest.empty()) return true;
  if (rest[0] != ':' || rest.size() == 1) return false;
  const char* end = rest.data() + rest.size();
  auto [p, ec] = std::from_chars(rest.data() + 1, end, *port);
  return ec == std::errc() && p == end && *port > 0 && *port < 65536;
}

Result<RemoteUrl> parse_local(const std::string& text, const std::string& path) {
  if (path.empty()) return bad_url(text, "empty path");
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return bad_url(text, ec.message());
  std::string normal = abs.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  RemoteUrl u;
  u.transport = Transport::kLocal;
  u.url = u.display = u.path = normal;
  return u;
}

// scheme://[user[:password]@]host[:port]/path
Result<RemoteUrl> parse_hierarchical(const std::string& text, const std::string& scheme) {
  size_t start = scheme.size() + 3;
  size_t slash = text.find('/', start);
  if (slash == std::string::npos) return bad_url(text, "no path after the host");
  std::string authority = text.substr(start, slash - start);
  RemoteUrl u;
  u.transport = scheme == "ssh" ? Transport::kSsh : Transport::kHttp;
  u.url = u.display = text;
  size_t at = authority.rfind('@');
  std::string hostport = authority;
  if (at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    u.user = userinfo.substr(0, colon);
    if (colon != std::string::npos)
      u.display = scheme + "://" + u.user + ":***@" + hostport + text.substr(slash);
  }
  u.port = scheme == "ssh" ? 22 : scheme == "https" ? 443 : 80;
  if (!split_host_port(hostport, &u.host, &u.port)) return bad_url(text, "bad host or port");
  return u;
}

// [user@]host:path, git's "scp-like" form: a colon before any slash.
Result<RemoteUrl> parse_scp_like(const std::string& text, size_t colon) {
  std::string userhost = text.substr(0, colon);
  RemoteUrl u;
  u.transport = Transport::kSsh;
  u.url = u.display = text;
  u.port = 22;
  size_t at = userhost.rfind('@');
  u.host = at == std::string::npos ? userhost : userhost.substr(at + 1);
  if (at != std::string::npos) u.user = userhost.substr(0, at);
  if (u.host.size() > 2 && u.host.front() == '[' && u.host.back() == ']')
    u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || colon + 1 >= text.size()) return bad_url(text, "no host or no path");
  return u;
}

}  // namespace

Result<RemoteUrl> parse_remote_url(const std::string& text) {
  if (text.empty()) return bad_url(text, "it is empty");
  size_t sep = text.find("://");
  if (sep != std::string::npos) {
    std::string scheme = text.substr(0, sep);
    if (scheme == "file") {
      std::string path = text.substr(sep + 3);
      if (path.empty() || path[0] != '/')
        return bad_url(text, "file:// URLs take an absolute path on this machine (file:///path)");
      return parse_local(text, path);
    }
    if (scheme == "https" || scheme == "http" || scheme == "ssh")
      return parse_hierarchical(text, scheme);
    return bad_url(text, "unsupported scheme '" + scheme + "'");
  }
  // A colon before the first slash makes it scp-like (as git reads it); else it is a path.
  size_t bracket = text.find('[');
  size_t colon = text.find(':');
  if (bracket != std::string::npos && bracket < colon) colon = text.find(':', text.find(']'));
  size_t slash = text.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash) && colon > 0)
    return parse_scp_like(text, colon);
  return parse_local(text, text);
}

}  // namespace berth::git
