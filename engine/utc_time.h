// UTC timestamps as berth writes them: RFC 3339 with a Z, in event streams
// ("2026-12-02T15:04:05.123Z"), progress lines and labels ("2026-12-02T15:04:05Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace berth {

// Unix milliseconds now, by this machine's clock.
int64_t now_unix_ms();

// "2026-12-02T15:04:05Z", or with `millis` "2026-12-02T15:04:05.123Z".
std::string utc_text(int64_t unix_ms, bool millis = false);

// Reads what utc_text writes (fractions of a second optional; a Z or +00:00 at the end).
// nullopt for anything else.
std::optional<int64_t> parse_utc_text(const std::string& text);

}  // namespace berth
