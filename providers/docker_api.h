// Engine API JSON <-> model, internal to providers/ (unit-tested on samples).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "planner/model.h"
#include "providers/provider.h"

namespace berth::docker {

// Non-throwing readers of engine JSON. A missing key, a null, or a value of another type reads
// as empty / 0 / an empty map; a non-object `j` has no members. Nothing here throws (nlohmann's
// value() and get<>() do on a type mismatch), and engine answers are read with these only.
const nlohmann::json& member(const nlohmann::json& j, const char* key);
std::string str(const nlohmann::json& j, const char* key);
int64_t num(const nlohmann::json& j, const char* key);
// The string values of an object member (other values are skipped).
std::map<std::string, std::string> string_map(const nlohmann::json& j, const char* key);
// The body parsed, or a discarded value (is_discarded()) when it is not JSON.
nlohmann::json parse(const std::string& body);

// GET /info (may be a non-object: fields stay empty). Its ServerVersion is /version's Version,
// so one request serves.
EngineInfo engine_info(const nlohmann::json& info);
// One entry of GET /networks, GET /volumes' "Volumes".
ObservedNetwork network_from_list(const nlohmann::json& j);
ObservedVolume volume_from_list(const nlohmann::json& j);
// One line of a pull or build progress stream: an error (with `error`, `errorDetail` or
// both), or the progress text to show (may be empty).
struct ProgressLine {
  bool failed = false;
  std::string text;
};
ProgressLine progress_line(const nlohmann::json& line);

// The body of POST /containers/create (with only the first network attached).
nlohmann::json container_body(const ContainerCreate& request);
// One entry of GET /containers/json.
ObservedContainer container_from_list(const nlohmann::json& j);
// GET /containers/{id}/json.
ObservedContainer container_from_inspect(const nlohmann::json& j);
// "on-failure:3" -> {"Name": "on-failure", "MaximumRetryCount": 3}.
nlohmann::json restart_policy(const std::string& restart);
// The engine's error message from a JSON error body, or the body itself.
std::string error_message(const std::string& body);
// Splits a Docker multiplexed log stream (8-byte frame headers) as it arrives.
class LogDemuxer {
 public:
  explicit LogDemuxer(LogSink sink) : sink_(std::move(sink)) {}
  void feed(std::string_view data);

 private:
  LogSink sink_;
  std::string pending_;
};
// "nginx:1.27" -> {"nginx", "1.27"}; "reg:5000/a/b@sha256:..." keeps the digest in the tag part.
std::pair<std::string, std::string> split_image(const std::string& ref);
// "2026-11-23T11:00:00.123Z" (RFC 3339, as the engine writes times) -> unix seconds; 0 if bad.
int64_t engine_time(const std::string& text);
// Percent-encodes a query value.
std::string url_encode(const std::string& s);

}  // namespace berth::docker
