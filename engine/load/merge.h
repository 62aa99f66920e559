// Compose's merge of several stack files (later files override earlier ones).
#pragma once

#include "engine/load/tree.h"

namespace berth::load {

// Turns KEY=VALUE lists (environment, labels, sysctls, build.args) into mappings, so list and
// map forms merge by key.
void prepare_for_merge(Node& top);
// Merges `over` into `base`: mappings key by key, ports/expose/dns/... appended without
// duplicates, volumes by target, command/entrypoint/healthcheck.test replaced. Linear in the
// size of both trees; `over` is consumed.
void merge_stack(Node& base, Node&& over);

}  // namespace berth::load
