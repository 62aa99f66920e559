// Turns a service replica of the desired Stack into the Provider's ContainerCreate:
// resolves volume and network keys to engine names, adds berth's labels (docs/design.md, State) and
// the extra_hosts entries derived from placement.
#pragma once

#include <string>
#include <vector>

#include "planner/model.h"
#include "providers/provider.h"

namespace berth {

// The image a service runs: its `image:`, or "<stack>-<service>" when it is only built.
std::string service_image(const Stack& stack, const Service& service);

struct ReplicaContext {
  std::string slot;
  std::string prev_spec;  // io.berth.prev-spec: the io.berth.model of the replica replaced
  std::string commit;     // io.berth.commit (sync)
  std::vector<std::string> extra_hosts;  // derived from placement, not hashed
  // Ingress services: the host port of each route (Change::ingress_ports), published and
  // written to the io.berth.ingress label the proxies are configured from; not hashed.
  std::vector<int> ingress_ports;
};

ContainerCreate container_request(const Stack& stack, const Service& service,
                                  const ReplicaContext& replica);

}  // namespace berth
