// From merged, interpolated trees to the model (planner/model.h).
#pragma once

#include <map>
#include <optional>

#include "engine/load/fields.h"
#include "planner/model.h"

namespace berth::load {

// The top-level configs: and secrets: of a stack (file_refs.cc). Every definition's keys are
// checked at construction; a definition is read (its file or variable, and its digest) on
// first use, once per stack however many services use it.
class FileDefinitions {
 public:
  FileDefinitions(Context& c, const Node& top);
  // `kind` is "configs" or "secrets". The definition as a FileSpec with its source, content
  // and content_hash (no target yet), or nullptr when it is missing or cannot be delivered
  // (reported once, at its first use `used_at`).
  const FileSpec* find(Context& c, const std::string& kind, const std::string& name,
                       const SourceLocation& used_at);

 private:
  const Node& top_;
  std::map<std::string, std::optional<FileSpec>> cache_;  // "kind/name"
};

// The inventory's top-level `ingress:` (inventory_ingress.cc); relative files it names
// (acme.ca_root) are read from inventory_dir.
void read_ingress_settings(Context& c, const Node& n, Inventory& inv,
                           const std::string& inventory_dir);

// One service. `top` gives the declared networks/volumes to check against.
Service normalize_service(Context& c, const std::string& name, const Node& node, const Node& top,
                          FileDefinitions& definitions);
// Pieces of a service (service_keys.cc).
void read_build(Context& c, const Node& n, Service& s);
void read_flags(Context& c, const Node& svc, ContainerSpec& spec);
void read_lists(Context& c, const Node& svc, ContainerSpec& spec);
void read_depends_on(Context& c, const Node& n, Service& s);
// The service's `x-berth:` section (ingress routes) into `s` (ingress.cc).
void read_service_extension(Context& c, const Node& svc, Service& s);
// The deploy: section into `s`.
void normalize_deploy(Context& c, const Node& deploy, Service& s);
// Mounts from `volumes:` of a service; relative bind mounts become spec.files (mounts.cc).
void normalize_volumes(Context& c, const Node& list, const Node& top, ContainerSpec& spec);
// `secrets:` / `configs:` (kind) of a service into spec.files.
void normalize_file_refs(Context& c, const Node& list, FileDefinitions& definitions,
                         const std::string& kind, ContainerSpec& spec);
// Reads what `f` delivers and sets f.content_hash and f.directory (a bind's mode too, from
// the file, without write bits when read_only). False, with an error at f.location, when it
// cannot be read.
bool hash_delivered(Context& c, FileSpec& f);
// Once a service's files are all read: normalizes their targets and sorts them; refuses two
// at one target, one under a tmpfs (mounted over it at start), and any with read_only: true.
void check_delivered(Context& c, ContainerSpec& spec);
// The top-level secrets or configs that have `file:` (`kind` is "secrets" or "configs"), for
// `berth config`.
std::vector<FileObjectSpec> read_file_objects(Context& c, const Node& top, const char* kind,
                                              const std::string& stack);
// The whole stack: services, networks, volumes, checks across services (depends_on).
Stack normalize_stack(Context& c, const Node& top, const std::vector<std::string>& profiles);
// Networks and volumes (named after the stack), plus "default" when a service uses it.
void normalize_resources(Context& c, const Node& top, Stack& stack);

}  // namespace berth::load
