// `berth config` (engine/load/render_config.cc, render_service.cc): the normalized Stack in the
// shape `docker compose config` (Compose v2) prints, keys in its order. docs/config.md lists
// what is printed and where it differs from Compose.
#pragma once

#include <nlohmann/json.hpp>

#include "planner/model.h"

namespace berth::render {

using Doc = nlohmann::ordered_json;

// JSON and YAML differ in one detail: Compose's JSON always has `command` and `entrypoint`
// (null when the image's own are used), its YAML leaves them out.
enum class ConfigFormat { kYaml, kJson };

// One service. Values of secret-looking environment variables and build args
// (planner/spec.h is_secret_name) are masked.
Doc compose_service(const Stack& stack, const Service& service, ConfigFormat format);

// Amounts as Compose writes them: bytes as a decimal string ("536870912"), CPUs as a number
// (0.5, or 2 when whole), durations as Go writes them ("1m30s").
Doc bytes_value(Bytes bytes);
Doc cpus_value(NanoCpus cpus);
Doc duration_value(Nanos nanos);

}  // namespace berth::render
