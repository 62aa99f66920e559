#include "engine/rollout_record.h"

#include "engine/utc_time.h"

namespace berth {
namespace {

constexpr size_t kMaxMessage = 300;

// One line, at most kMaxMessage bytes, never cut inside a UTF-8 sequence.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMaxMessage) {
    size_t cut = kMaxMessage;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

std::map<std::string, std::string> record_labels(const std::string& stack,
                                                 const std::string& service,
                                                 const RolloutRecord& r) {
  return {{labels::kStack, stack},
          {labels::kRollout, service},
          {labels::kRolloutResult, r.result},
          {labels::kRolloutAt, utc_text(r.at_ms)},
          {labels::kRolloutMessage, one_line(r.message)}};
}

void keep_newest(std::map<std::string, RolloutRecord>& out, const std::string& service,
                 RolloutRecord record) {
  auto it = out.find(service);
  if (it == out.end() || record.at_ms > it->second.at_ms) out[service] = std::move(record);
}

}  // namespace

std::string rollout_volume(const std::string& stack, const std::string& service) {
  return "berth-rollout-" + stack + "-" + service;
}

Status write_rollout_record(Provider& provider, const std::string& stack,
                            const std::string& service, const RolloutRecord& record) {
  VolumeSpec spec;
  spec.name = rollout_volume(stack, service);
  std::map<std::string, std::string> wanted = record_labels(stack, service, record);
  // Create answers with an existing volume as it is (docs/traps.md): an older record, or (after an
  // engine restart) one without labels. Either way it is replaced, once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto got = provider.create_volume(spec, wanted);
    if (!got.ok()) return got.error();
    if (got->labels == wanted) return ok_status();
    Status removed = provider.remove_volume(spec.name);
    if (!removed.ok() && removed.error().kind != ErrorKind::kNotFound) return removed.error();
  }
  return Error{ErrorKind::kHost,
               {},
               provider.host(),
               service,
               "could not record the rollout's result: volume " + spec.name +
                   " keeps coming back with other labels",
               "remove it (`docker volume rm " + spec.name + "`) and run apply again"};
}

std::optional<RolloutRecord> rollout_record_of(const ObservedVolume& volume,
                                               const std::string& stack, std::string& service) {
  auto label = [&](const char* key) {
    auto it = volume.labels.find(key);
    return it == volume.labels.end() ? std::string() : it->second;
  };
  service = label(labels::kRollout);
  if (service.empty() || label(labels::kStack) != stack) return std::nullopt;
  RolloutRecord r;
  r.result = label(labels::kRolloutResult);
  r.at_ms = parse_utc_text(label(labels::kRolloutAt)).value_or(0);
  r.message = label(labels::kRolloutMessage);
  return r;
}

std::map<std::string, RolloutRecord> read_rollout_records(const Observed& observed) {
  std::map<std::string, RolloutRecord> out;
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    for (const ObservedVolume& v : h.volumes) {
      std::string service;
      if (auto r = rollout_record_of(v, observed.stack, service)) {
        r->host = h.name;
        keep_newest(out, service, std::move(*r));
      }
    }
  }
  return out;
}

Result<std::map<std::string, RolloutRecord>> read_rollout_records(Provider& provider,
                                                                  const std::string& stack) {
  auto volumes = provider.list_volumes(labels::kRollout);
  if (!volumes.ok()) return volumes.error();
  std::map<std::string, RolloutRecord> out;
  for (const ObservedVolume& v : *volumes) {
    std::string service;
    if (auto r = rollout_record_of(v, stack, service)) {
      r->host = provider.host();
      keep_newest(out, service, std::move(*r));
    }
  }
  return out;
}

}  // namespace berth
