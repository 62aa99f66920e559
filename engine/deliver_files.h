// Delivers a replica's files (ContainerSpec::files: relative bind mounts, configs, secrets;
// docs/files.md) into its container after create and before start, through the Engine API,
// so they reach any host: one tar archive extracted at "/" (Provider::put_archive), each
// entry with the mode, uid and gid of its FileSpec. They go away with the container.
#pragma once

#include <string>

#include "planner/model.h"
#include "planner/result.h"
#include "providers/provider.h"

namespace berth {

// Reads each file: source again from stack.project_dir and checks it still has the
// content_hash the plan was made with; if one does not, nothing is copied and the error
// (kInput, with the file's location, host and service) names it: "conf/app.conf changed since
// the plan was made". A service without files costs nothing. BERTH_TEST_NO_FILE_DELIVERY=1
// skips the copy: the integration test uses it to show it fails without delivery.
Status deliver_files(Provider& provider, const Stack& stack, const Service& service,
                     const std::string& container_id);

// The same check for every service's files, without copying anything: apply can call it
// before it touches a host, so that a file edited after `berth plan --out` fails the run with
// nothing changed rather than one replica mid-rollout.
Status verify_files(const Stack& stack);

}  // namespace berth
