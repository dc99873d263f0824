#include "sim/simulator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ash {
namespace {

// SplitMix64: tiny, fast and identical on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool Chance(double p) { return Uniform() < p; }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }

  // Log-normal with the given median (seconds) and shape, by Box-Muller.
  double LogNormal(double median, double sigma) {
    const double u1 = std::max(Uniform(), 1e-12);
    const double u2 = Uniform();
    const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    return median * std::exp(sigma * normal);
  }

  template <std::size_t N>
  std::size_t Weighted(const std::array<double, N>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double pick = Uniform() * total;
    for (std::size_t i = 0; i < N; ++i) {
      pick -= weights[i];
      if (pick < 0) return i;
    }
    return N - 1;
  }

 private:
  std::uint64_t state_;
};

// Relative alert volume per UTC hour: quiet mornings, busy late evenings.
constexpr std::array<double, 24> kHourWeights = {6, 5, 4, 3, 2, 1.5, 1, 1, 1.5, 2, 2.5, 3,
                                                 3, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 9, 8};
// low, medium, high, critical
constexpr std::array<double, 4> kSeverityWeights = {30, 40, 22, 8};

constexpr EpochMs kDiscordEpochMs = 1420070400000;
constexpr Snowflake kGuildId = 1094436117442134098ULL;
constexpr std::array<Snowflake, 4> kChannels = {1094436118209708123ULL, 1094436118209708124ULL,
                                                1101834582117892156ULL, 1172649335019470911ULL};
constexpr std::array<Snowflake, 8> kResponders = {398781138319979727ULL, 483551649178725412ULL, 609896068949621439ULL,
                                                  598152815766274563ULL, 644753342398737496ULL, 712244091358224384ULL,
                                                  830715206614466601ULL, 915330077284868136ULL};
constexpr std::array<double, 8> kResponderWeights = {9, 6, 6, 5, 4, 3, 2, 1};
constexpr EpochMs kAutoInitiateMs = 3 * kMsPerMinute;

Snowflake MakeSnowflake(EpochMs at, Random& random) {
  return (static_cast<Snowflake>(at - kDiscordEpochMs) << 22) | (random.Next() & 0x3FFFFF);
}

EpochMs AfterMs(Random& random, double median_seconds, double sigma) {
  return static_cast<EpochMs>(random.LogNormal(median_seconds, sigma) * 1000.0) + 1000;
}

Event Step(EventType type, const std::string& alert_id, EpochMs at) {
  Event event;
  event.type = type;
  event.alert_id = alert_id;
  event.at = at;
  return event;
}

void SimulateAlert(Random& random, EpochMs created, std::vector<Event>& events) {
  Event created_event;
  created_event.type = EventType::kAlertCreated;
  created_event.alert_id = fmt::format("alert_{:012x}", random.Next() & 0xFFFFFFFFFFFFULL);
  created_event.alert_message_id = MakeSnowflake(created, random);
  created_event.user_id = MakeSnowflake(created - static_cast<EpochMs>(random.Below(400)) * kMsPerDay, random);
  created_event.channel_id = kChannels[random.Below(kChannels.size())];
  created_event.guild_id = kGuildId;
  created_event.severity = static_cast<Severity>(random.Weighted(kSeverityWeights));
  created_event.at = created;
  const std::string& id = created_event.alert_id;
  const Severity severity = created_event.severity;
  events.push_back(created_event);

  const bool medium_or_more = severity >= Severity::kMedium;
  const bool serious = severity >= Severity::kHigh;
  const bool acknowledged = random.Chance(serious ? 0.85 : 0.65);
  const EpochMs ack_at = created + AfterMs(random, serious ? 75 : 150, 1.0);
  const bool answered_in_time = acknowledged && ack_at - created < kAutoInitiateMs;

  // A CRT member may start an Ash session before acknowledging (high and
  // critical only); else Ash starts itself after 3 minutes without an acknowledgment.
  std::optional<EpochMs> ash_at;
  bool auto_started = false;
  if (serious && acknowledged && random.Chance(0.35)) {
    Event contact = Step(EventType::kAshContacted, id, created + (ack_at - created) / 2);
    contact.initiated_by = kResponders[random.Weighted(kResponderWeights)];
    ash_at = *contact.at;
    events.push_back(contact);
  } else if (medium_or_more && !answered_in_time) {
    Event contact = Step(EventType::kAshContacted, id, created + kAutoInitiateMs + static_cast<EpochMs>(random.Below(900)));
    contact.auto_initiated = true;
    ash_at = *contact.at;
    auto_started = true;
    events.push_back(contact);
  }
  if (ash_at && random.Chance(0.12)) {
    events.push_back(Step(EventType::kUserOptedOut, id, *ash_at + AfterMs(random, 40, 0.8)));
  }

  // An auto-initiated session closes the buttons, as in the bot.
  if (acknowledged && !auto_started) {
    Event ack = Step(EventType::kAcknowledged, id, ack_at);
    ack.by = kResponders[random.Weighted(kResponderWeights)];
    events.push_back(ack);
    if (random.Chance(0.8)) {
      Event response = Step(EventType::kFirstResponse, id, ack_at + AfterMs(random, 240, 0.9));
      response.responder_id = *ack.by;
      events.push_back(response);
      if (random.Chance(0.6)) {
        Event resolved = Step(EventType::kResolved, id, *response.at + AfterMs(random, 1500, 0.7));
        resolved.by = *ack.by;
        events.push_back(resolved);
      }
    }
  }
}

}  // namespace

std::vector<Event> SimulateWeek(const SimulationOptions& options) {
  Random random(options.seed);
  std::vector<Event> events;
  const EpochMs week_start = options.week_start.StartMs();
  for (int i = 0; i < options.alerts; ++i) {
    const EpochMs day = static_cast<EpochMs>(random.Below(7));
    const EpochMs hour = static_cast<EpochMs>(random.Weighted(kHourWeights));
    const EpochMs within_hour = static_cast<EpochMs>(random.Below(static_cast<std::uint64_t>(kMsPerHour)));
    SimulateAlert(random, week_start + day * kMsPerDay + hour * kMsPerHour + within_hour, events);
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return *a.at < *b.at; });
  return events;
}

std::string EventsToNdjson(const std::vector<Event>& events) {
  std::string text;
  for (const Event& event : events) {
    text += EventToJson(event).dump();
    text += '\n';
  }
  return text;
}

}  // namespace ash
