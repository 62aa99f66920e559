// `berth config`: the normalized stack as YAML (every string quoted, so it re-reads the same)
// or JSON.
#include <yaml-cpp/yaml.h>

#include "engine/load/loader.h"
#include "planner/model_json.h"

namespace berth {
namespace {

void emit(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) emit(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

// Drops empty values and locations: what the user would want to read.
nlohmann::json prune(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "location") continue;
      nlohmann::json v = prune(it.value());
      if (v.is_null() || (v.is_object() && v.empty()) || (v.is_array() && v.empty()) ||
          (v.is_string() && v.get<std::string>().empty()) || (v.is_boolean() && !v.get<bool>()) ||
          (v.is_number() && v == 0))
        continue;
      out[it.key()] = v;
    }
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(prune(v));
    return out;
  }
  return j;
}

}  // namespace

nlohmann::json render_config_json(const Stack& stack) {
  nlohmann::json model = stack_to_json(stack);
  nlohmann::json out = {{"name", stack.name}};
  nlohmann::json services = nlohmann::json::object();
  for (const auto& s : model["services"]) {
    nlohmann::json svc = prune(s);
    svc.erase("name");
    services[s["name"].get<std::string>()] = svc;
  }
  out["services"] = services;
  nlohmann::json networks = nlohmann::json::object(), volumes = nlohmann::json::object();
  for (const auto& n : model["networks"]) networks[n["key"].get<std::string>()] = prune(n);
  for (const auto& v : model["volumes"]) volumes[v["key"].get<std::string>()] = prune(v);
  if (!networks.empty()) out["networks"] = networks;
  if (!volumes.empty()) out["volumes"] = volumes;
  if (stack.strategy == Strategy::kSpread) out["x-berth"] = {{"strategy", "spread"}};
  return out;
}

std::string render_config_yaml(const Stack& stack) {
  YAML::Emitter out;
  emit(out, render_config_json(stack));
  return std::string(out.c_str()) + "\n";
}

}  // namespace berth
