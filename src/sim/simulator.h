#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/civil_time.h"
#include "domain/event.h"

namespace ash {

struct SimulationOptions {
  Date week_start;        // the first of 7 UTC days
  int alerts = 60;        // alert_created events in the week
  std::uint64_t seed = 1;
};

// Generates a realistic, deterministic week of alert lifecycle events,
// ordered by time: night-skewed creation hours, a severity mix, log-normal
// response delays, unacknowledged alerts, Ash contacts (manual for
// high and critical, auto-initiated after 3 minutes without an answer for
// medium and above), opt-outs, first responses and resolutions. The same
// options always give the same events on every platform: the generator
// uses its own distributions, not the standard library's.
std::vector<Event> SimulateWeek(const SimulationOptions& options);

// One event per line, in the JSON form EventToJson writes.
std::string EventsToNdjson(const std::vector<Event>& events);

}  // namespace ash
