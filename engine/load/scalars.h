// Scalar values by Compose's rules (not yaml-cpp's: 010 is 10, `yes` is a string).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "planner/model.h"

namespace berth::load {

// "512M", "1.5GiB", "1gb", "100k", "1024" (bytes). Binary units. nullopt when malformed.
std::optional<Bytes> parse_bytes(const std::string& text);
// Go syntax: "1m30s", "500ms", "1h", "10s", "1.5s", "2us". nullopt when malformed.
std::optional<Nanos> parse_duration(const std::string& text);
// The inverse, as Go's time.Duration.String() writes it (and so `docker compose config`):
// "1m30s", "1h0m0s", "500ms", "1.5s", "2µs", "0s".
std::string format_duration(Nanos d);
// Decimal integer, optional sign. nullopt when malformed or out of range.
std::optional<int64_t> parse_int(const std::string& text);
// "0.5", "2" -> NanoCPUs.
std::optional<NanoCpus> parse_cpus(const std::string& text);
// true/false (YAML 1.2 core; Compose also takes yes/no only when quoted as strings: not here).
std::optional<bool> parse_bool(const std::string& text);
// Short port syntax: "80", "8080:80", "127.0.0.1:8080:80", "8000-8001:80-81/udp",
// "[::1]:80:80". Ranges are expanded. Error text in *error when malformed.
std::vector<PortSpec> parse_port(const std::string& text, std::string* error);
// Splits a command string like a POSIX shell (quotes, backslashes), as Compose does.
std::optional<std::vector<std::string>> shell_split(const std::string& text);

}  // namespace berth::load
