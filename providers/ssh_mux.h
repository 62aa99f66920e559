// A client of OpenSSH's control-master protocol (ssh's PROTOCOL.mux), for the one request berth
// makes: open a local stream-local forward. It is what `ssh -S CTL -O forward -L A:B` sends,
// without starting an ssh process to send it (that process cost ~25 ms of each host's
// connect on the lab; docs/benchmarks.md). Internal to providers/.
#pragma once

#include <string>

namespace berth {

// Asks the master listening on `control_socket` to listen on the local unix socket
// `listen_path` and forward each connection to `remote_path` on the host. Returns "" once the
// master listens, else why not (the master's own words where it gave any). Waits at most
// timeout_ms for the master's answers.
std::string open_streamlocal_forward(const std::string& control_socket,
                                     const std::string& listen_path, const std::string& remote_path,
                                     int timeout_ms);

}  // namespace berth
