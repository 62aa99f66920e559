// `berth config`: the stack as `docker compose config` prints it (top level here, services in
// render_service.cc), as YAML with every string quoted (so it re-reads as the same types) or
// as JSON. berth's own settings sit under `x-berth`. docs/config.md describes the output.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>
#include <type_traits>

#include "engine/load/loader.h"
#include "engine/load/render_config.h"

namespace berth {
namespace {

using render::ConfigFormat;
using render::Doc;

// Fields shared by networks and volumes, in Compose's order around the type's own.
template <class Spec>
Doc resource_doc(const Spec& r) {
  Doc d = {{"name", r.name}};
  if (!r.driver.empty()) d["driver"] = r.driver;
  if (!r.driver_opts.empty()) d["driver_opts"] = r.driver_opts;
  if (r.external) d["external"] = true;
  if constexpr (std::is_same_v<Spec, NetworkSpec>) {
    if (r.internal) d["internal"] = true;
    if (r.attachable) d["attachable"] = true;
  }
  if (!r.labels.empty()) d["labels"] = r.labels;
  return d;
}

template <class Spec>
Doc keyed(const std::vector<Spec>& items) {
  Doc d = Doc::object();
  for (const Spec& item : items) d[item.key] = resource_doc(item);
  return d;
}

template <>
Doc keyed(const std::vector<FileObjectSpec>& items) {
  Doc d = Doc::object();
  for (const FileObjectSpec& f : items) {
    d[f.key] = {{"name", f.name}};
    if (!f.file.empty()) d[f.key]["file"] = f.file;
    if (!f.environment.empty()) d[f.key]["environment"] = f.environment;  // its name, not value
  }
  return d;
}

// Compose escapes every `$` of its output as `$$`, so the document loads again unchanged.
Doc escape_dollars(const Doc& j) {
  auto escape = [](std::string s) {
    for (size_t at = s.find('$'); at != std::string::npos; at = s.find('$', at + 2))
      s.insert(at, 1, '$');
    return s;
  };
  if (j.is_string()) return escape(j.get<std::string>());
  if (j.is_array()) {
    Doc out = Doc::array();
    for (const Doc& v : j) out.push_back(escape_dollars(v));
    return out;
  }
  if (!j.is_object()) return j;
  Doc out = Doc::object();
  for (auto it = j.begin(); it != j.end(); ++it) out[escape(it.key())] = escape_dollars(it.value());
  return out;
}

// Top-level keys in the order `docker compose config` writes its YAML.
Doc compose_document(const Stack& stack, ConfigFormat format) {
  Doc doc = {{"name", stack.name}};
  Doc services = Doc::object();
  for (const Service& s : stack.services)
    services[s.name] = render::compose_service(stack, s, format);
  doc["services"] = services;
  if (!stack.networks.empty()) doc["networks"] = keyed(stack.networks);
  if (!stack.volumes.empty()) doc["volumes"] = keyed(stack.volumes);
  if (!stack.secrets.empty()) doc["secrets"] = keyed(stack.secrets);
  if (!stack.configs.empty()) doc["configs"] = keyed(stack.configs);
  doc["x-berth"] = {{"strategy", stack.strategy == Strategy::kSpread ? "spread" : "binpack"}};
  return escape_dollars(doc);
}

// A key is written plain only when no YAML 1.1 or 1.2 reader could take it for anything but
// a string; values are always double-quoted (yaml-cpp would write `yes` or `0123` bare).
bool plain_key(const std::string& key) {
  static const char* kWords[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
  if (key.empty() || !std::isalpha(static_cast<unsigned char>(key[0]))) return false;
  for (char ch : key)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.' &&
        ch != '/')
      return false;
  std::string lower;
  for (char ch : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* w : kWords)
    if (lower == w) return false;
  return true;
}

void emit(YAML::Emitter& out, const Doc& j) {
  if ((j.is_object() || j.is_array()) && j.empty()) out << YAML::Flow;  // `{}`, `[]` inline
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key;
      if (plain_key(it.key()))
        out << it.key();
      else
        out << YAML::DoubleQuoted << it.key();
      out << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const Doc& v : j) emit(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();  // numbers and booleans, as JSON writes them
  }
}

}  // namespace

nlohmann::ordered_json render_config_json(const Stack& stack) {
  // Compose's JSON has its top-level keys sorted (a Go map); within them, its struct order.
  Doc doc = compose_document(stack, ConfigFormat::kJson);
  std::map<std::string, Doc> sorted;
  for (const auto& item : doc.items()) sorted[item.key()] = item.value();
  Doc out = Doc::object();
  for (auto& [key, value] : sorted) out[key] = std::move(value);
  return out;
}

std::string render_config_yaml(const Stack& stack) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out.SetIndent(2);
  emit(out, compose_document(stack, ConfigFormat::kYaml));
  return std::string(out.c_str()) + "\n";
}

}  // namespace berth
