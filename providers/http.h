// HTTP/1.1 over one connected stream socket (a unix socket, or a socketpair end whose other
// end is an ssh child): keep-alive requests in sequence. The only place Beast is included.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "planner/result.h"

namespace berth::http {

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercased names
};

struct Request {
  std::string method = "GET";
  std::string target;  // "/v1.41/containers/json?all=1"
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  // The longest wait for sending and for each piece of the answer (so a stream that keeps
  // coming never times out, a stalled one does); 0 waits forever (`logs -f`).
  std::chrono::milliseconds timeout{0};
};

// Called with each piece of a streamed body; return false to stop reading.
using ChunkFn = std::function<bool(std::string_view chunk)>;

class Connection {
 public:
  // Takes ownership of the connected fd.
  explicit Connection(int fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the request and reads the whole response. A transport failure or a timeout makes
  // the connection unusable (broken() is then true; timed_out() too for a timeout) and
  // returns an Error with the reason.
  Result<Response> send(const Request& request);
  // Sends the request and hands the body to on_chunk as it arrives (pulls, builds, logs).
  Result<Response> stream(const Request& request, const ChunkFn& on_chunk);
  bool broken() const { return broken_; }
  bool timed_out() const { return timed_out_; }
  struct Impl;  // defined in http.cc

 private:
  std::unique_ptr<Impl> impl_;
  bool broken_ = false;
  bool timed_out_ = false;
};

}  // namespace berth::http
