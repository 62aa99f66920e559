#include "engine/load/scalars.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace berth::load {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A non-negative decimal like "1.5" at the start of s; returns chars used, 0 if none.
size_t parse_decimal(const std::string& s, size_t from, double& out) {
  size_t i = from;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == from) return 0;
  std::string num = s.substr(from, i - from);
  if (num == "." || std::count(num.begin(), num.end(), '.') > 1) return 0;
  out = std::stod(num);
  return i - from;
}

}  // namespace

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v, 10);
  if (ec != std::errc() || p != e || b == e) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(const std::string& text) {
  std::string t = lower(text);
  if (t == "true") return true;
  if (t == "false") return false;
  return std::nullopt;
}

std::optional<Bytes> parse_bytes(const std::string& text) {
  double n = 0;
  size_t used = parse_decimal(text, 0, n);
  if (used == 0) return std::nullopt;
  std::string unit = lower(text.substr(used));
  if (!unit.empty() && unit.back() == 'b' && unit.size() > 1) unit.pop_back();  // kb, mib
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();                       // ki, mi
  double mult;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k") mult = 1024.0;
  else if (unit == "m") mult = 1024.0 * 1024;
  else if (unit == "g") mult = 1024.0 * 1024 * 1024;
  else if (unit == "t") mult = 1024.0 * 1024 * 1024 * 1024;
  else return std::nullopt;
  double v = n * mult;
  if (v > 9.0e18) return std::nullopt;
  return static_cast<Bytes>(std::llround(v));
}

std::optional<Nanos> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return 0;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    double n = 0;
    size_t used = parse_decimal(text, i, n);
    if (used == 0) return std::nullopt;
    i += used;
    size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(u, i - u);
    double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "µs") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "m") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else return std::nullopt;
    total += n * mult;
  }
  if (total > 9.0e18) return std::nullopt;
  return static_cast<Nanos>(std::llround(total));
}

namespace {

// Appends the `digits` low decimal digits of v as a fraction (".5", none when all are zero,
// trailing zeros dropped, as Go does) and returns what is left of v.
uint64_t take_fraction(uint64_t v, int digits, std::string& fraction) {
  std::string kept;
  bool nonzero_seen = false;
  for (int i = 0; i < digits; ++i, v /= 10) {
    nonzero_seen = nonzero_seen || v % 10 != 0;
    if (nonzero_seen) kept.insert(kept.begin(), static_cast<char>('0' + v % 10));
  }
  if (!kept.empty()) fraction = "." + kept;
  return v;
}

}  // namespace

std::string format_duration(Nanos d) {
  if (d == 0) return "0s";
  uint64_t u = d < 0 ? -static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  std::string sign = d < 0 ? "-" : "", fraction;
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000'000) {
    bool micro = u < 1'000'000;
    uint64_t whole = take_fraction(u, micro ? 3 : 6, fraction);
    return sign + std::to_string(whole) + fraction + (micro ? "µs" : "ms");
  }
  uint64_t seconds = take_fraction(u, 9, fraction);
  std::string out = std::to_string(seconds % 60) + fraction + "s";
  uint64_t minutes = seconds / 60;
  if (minutes > 0) out = std::to_string(minutes % 60) + "m" + out;
  if (minutes >= 60) out = std::to_string(minutes / 60) + "h" + out;
  return sign + out;
}

std::optional<NanoCpus> parse_cpus(const std::string& text) {
  double n = 0;
  size_t used = parse_decimal(text, 0, n);
  if (used == 0 || used != text.size() || n > 1e6) return std::nullopt;
  return static_cast<NanoCpus>(std::llround(n * 1e9));
}

namespace {

bool parse_range(const std::string& s, int& lo, int& hi) {
  auto dash = s.find('-');
  auto a = parse_int(s.substr(0, dash));
  auto b = dash == std::string::npos ? a : parse_int(s.substr(dash + 1));
  if (!a || !b || *a < 0 || *b > 65535 || *a > *b) return false;
  lo = static_cast<int>(*a);
  hi = static_cast<int>(*b);
  return true;
}

}  // namespace

std::vector<PortSpec> parse_port(const std::string& text, std::string* error) {
  std::string spec = text, protocol = "tcp", ip;
  if (auto slash = spec.rfind('/'); slash != std::string::npos) {
    protocol = spec.substr(slash + 1);
    spec = spec.substr(0, slash);
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
      *error = "unknown protocol '" + protocol + "' (tcp, udp or sctp)";
      return {};
    }
  }
  if (!spec.empty() && spec[0] == '[') {  // [v6]:host:container
    auto close = spec.find(']');
    if (close == std::string::npos) return *error = "unterminated '['", std::vector<PortSpec>{};
    ip = spec.substr(1, close - 1);
    spec = spec.substr(std::min(spec.size(), close + 2));
  }
  std::vector<std::string> parts;
  for (size_t s = 0;;) {
    size_t c = spec.find(':', s);
    parts.push_back(spec.substr(s, c - s));
    if (c == std::string::npos) break;
    s = c + 1;
  }
  if (parts.size() > 3 || parts.empty()) return *error = "too many ':'", std::vector<PortSpec>{};
  if (parts.size() == 3) ip = parts[0];
  std::string host = parts.size() >= 2 ? parts[parts.size() - 2] : "";
  int clo, chi, hlo = 0, hhi = 0;
  if (!parse_range(parts.back(), clo, chi) || clo == 0)
    return *error = "bad container port '" + parts.back() + "'", std::vector<PortSpec>{};
  if (!host.empty() && !parse_range(host, hlo, hhi))
    return *error = "bad host port '" + host + "'", std::vector<PortSpec>{};
  if (!host.empty() && hhi - hlo != chi - clo && hlo != hhi)
    return *error = "host and container port ranges differ in size", std::vector<PortSpec>{};
  std::vector<PortSpec> out;
  for (int p = clo; p <= chi; ++p) {
    PortSpec ps;
    ps.host_ip = ip;
    ps.container_port = p;
    ps.host_port = host.empty() ? 0 : (hlo == hhi ? hlo : hlo + (p - clo));
    ps.protocol = protocol;
    out.push_back(ps);
  }
  return out;
}

std::optional<std::vector<std::string>> shell_split(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < text.size()) cur += text[++i];
      else cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) out.push_back(cur), cur.clear(), in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) return std::nullopt;
  if (in_word) out.push_back(cur);
  return out;
}

}  // namespace berth::load
