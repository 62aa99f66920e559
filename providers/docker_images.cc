// Images: present?, pull (with the user's registry auth), build (context streamed as a tar).
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "providers/docker_api.h"
#include "providers/docker_provider.h"
#include "providers/tar.h"

namespace berth {

using nlohmann::json;

namespace {

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += t[(v >> k) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;  // URL-safe, as the engine wants
  return out;
}

// X-Registry-Auth from ~/.docker/config.json `auths` (the "auth" field is base64 user:pass,
// passed through as identitytoken-free credentials).
std::string registry_auth(const std::string& image) {
  std::string registry = "https://index.docker.io/v1/";
  auto slash = image.find('/');
  if (slash != std::string::npos) {
    std::string first = image.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
        first == "localhost")
      registry = first;
  }
  const char* home = std::getenv("HOME");
  const char* dir = std::getenv("DOCKER_CONFIG");
  std::string path = dir ? std::string(dir) + "/config.json"
                         : std::string(home ? home : "/root") + "/.docker/config.json";
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream buf;
  buf << in.rdbuf();
  json cfg = json::parse(buf.str(), nullptr, false);
  const json& auths = docker::member(cfg, "auths");
  if (!auths.is_object()) return "";
  for (auto it = auths.begin(); it != auths.end(); ++it) {
    if (it.key().find(registry) == std::string::npos) continue;
    json auth = {{"serveraddress", it.key()}};
    if (std::string a = docker::str(*it, "auth"); !a.empty()) auth["auth"] = a;
    if (std::string t = docker::str(*it, "identitytoken"); !t.empty()) auth["identitytoken"] = t;
    return base64(auth.dump());
  }
  return "";
}

}  // namespace

Result<bool> DockerProvider::image_present(const std::string& ref) {
  auto r = call({"GET", "/images/" + ref + "/json", "", "", {}}, {404});
  if (!r.ok()) return r.error();
  return r->status == 200;
}

Status DockerProvider::progress_stream(http::Request request, const std::string& what,
                                       const ProgressFn& progress) {
  std::string pending, failure;
  http::ChunkFn on_chunk = [&](std::string_view chunk) {
    pending.append(chunk);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      json line = docker::parse(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      if (!line.is_object()) continue;
      // Failures mid-stream arrive inside a 200 answer (docs/traps.md), with `error`,
      // `errorDetail` or both.
      docker::ProgressLine p = docker::progress_line(line);
      if (p.failed) {
        if (failure.empty()) failure = p.text;
      } else if (progress && !p.text.empty()) {
        progress(p.text);
      }
    }
    return true;
  };
  auto r = call(std::move(request), {}, &on_chunk);
  if (r.ok() && !pending.empty()) {  // a last line without its newline
    pending += '\n';
    on_chunk("");
  }
  if (!r.ok()) {
    Error e = r.error();
    e.message = what + ": " + e.message;
    return e;
  }
  if (!failure.empty())
    return Error{ErrorKind::kHost, {}, host_, "", what + ": " + failure, ""};
  return ok_status();
}

Status DockerProvider::pull_image(const std::string& ref, const ProgressFn& progress) {
  auto [name, tag] = docker::split_image(ref);
  http::Request req{"POST",
                    fmt::format("/images/create?fromImage={}&tag={}", docker::url_encode(name),
                                docker::url_encode(tag)),
                    "", "application/json", {}};
  if (std::string auth = registry_auth(ref); !auth.empty()) req.headers["X-Registry-Auth"] = auth;
  // Layers can take minutes, but the engine reports progress as it goes.
  req.timeout = std::max<std::chrono::milliseconds>(timeout_, std::chrono::minutes(10));
  Status st = progress_stream(std::move(req), "pull " + ref, progress);
  if (!st.ok() && st.error().hint.empty())
    st.error().hint = "check the image name, `docker login` for private registries, and that "
                      "the host reaches the registry";
  return st;
}

Status DockerProvider::build_image(const BuildSpec& build, const std::string& tag,
                                   const ProgressFn& progress) {
  auto context = tar_directory(build.context);
  if (!context.ok()) {
    Error e = context.error();
    e.host = host_;
    return e;
  }
  std::string target = fmt::format("/build?t={}&rm=1&forcerm=1", docker::url_encode(tag));
  if (!build.dockerfile.empty()) target += "&dockerfile=" + docker::url_encode(build.dockerfile);
  if (!build.target.empty()) target += "&target=" + docker::url_encode(build.target);
  if (!build.args.empty()) target += "&buildargs=" + docker::url_encode(json(build.args).dump());
  http::Request req{"POST", target, std::move(context).value(), "application/x-tar", {}};
  // A build step can run for long without a word (a compile in RUN).
  req.timeout = std::max<std::chrono::milliseconds>(timeout_, std::chrono::minutes(60));
  return progress_stream(std::move(req), "build " + tag, progress);
}

}  // namespace berth
