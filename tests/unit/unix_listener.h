// A listening unix socket in a fresh /tmp directory, for the fakes of what berth connects to
// (an engine, an ssh control master). The owner calls shutdown() and joins its serving thread
// before the listener is destroyed; destruction closes the socket and removes both paths.
#pragma once

#include <string>

namespace berth::testing {

class UnixListener {
 public:
  explicit UnixListener(const std::string& socket_name, int backlog = 16);
  ~UnixListener();
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  const std::string& path() const { return path_; }
  int accept();     // a connected fd, or -1 once shut down
  void shutdown();  // wakes a thread blocked in accept()

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

}  // namespace berth::testing
