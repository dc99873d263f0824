// Feeds arbitrary bytes to ParseEvent and ParseV5AlertRecord. Besides
// crashes and sanitizer reports, it traps when a parsed event does not
// survive EventToJson unchanged, when an error message is not valid UTF-8
// (API clients receive it inside JSON), or when a record breaks the
// AlertRecord invariants.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/alert_record.h"
#include "domain/event.h"

namespace {

using nlohmann::json;

// Aborts the run as a finding, and libFuzzer saves the input that caused it.
void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// dump() with the strict error handler throws on invalid UTF-8, and the
// uncaught exception aborts the run as a finding.
void CheckValidUtf8(const std::string& text) { (void)json(text).dump(); }

void CheckEvent(std::string_view text) {
  auto event = ash::ParseEvent(text);
  if (!event.ok()) {
    CheckValidUtf8(event.error().Message());
    return;
  }

  std::string canonical = ash::EventToJson(event.value()).dump();
  auto again = ash::ParseEvent(canonical);
  Check(again.ok());
  Check(again.value() == event.value());

  if (event->at) {
    auto error = ash::CheckEventTime(event.value(), 0);
    if (error) CheckValidUtf8(error->Message());
  }
}

void CheckV5Record(std::string_view text) {
  auto record = ash::ParseV5AlertRecord(text);
  if (!record.ok()) {
    CheckValidUtf8(record.error());
    return;
  }

  Check(record->legacy);
  for (const auto& seconds : {record->time_to_acknowledge_seconds, record->time_to_ash_seconds,
                              record->time_to_response_seconds, record->time_to_resolve_seconds}) {
    Check(!seconds || *seconds >= 0);
  }
  Check(!record->alert_id.empty() && record->alert_id.size() <= ash::kMaxAlertIdLength);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckEvent(text);
  CheckV5Record(text);
  return 0;
}
