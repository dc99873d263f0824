#include "domain/event.h"

#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/civil_time.h"

namespace ash {
namespace {

using nlohmann::json;

constexpr Snowflake kMessageId = 1459737343545318614u;
constexpr Snowflake kUserId = 258877960599111668u;
constexpr Snowflake kChannelId = 652367420041863082u;
constexpr Snowflake kMemberId = 609896068949621439u;
// 2026-01-05T21:14:03.123Z
constexpr EpochMs kAtMs = 1767647643123;

json AlertCreated() {
  return json{{"type", "alert_created"},        {"alert_id", "alert_15299783be01"},
              {"alert_message_id", kMessageId}, {"user_id", kUserId},
              {"channel_id", kChannelId},       {"severity", "high"}};
}

json Acknowledged() {
  return json{{"type", "acknowledged"}, {"alert_id", "alert_15299783be01"}, {"by", kMemberId}};
}

json AshContacted() {
  return json{
      {"type", "ash_contacted"}, {"alert_id", "alert_15299783be01"}, {"initiated_by", "auto"}};
}

json FirstResponse() {
  return json{
      {"type", "first_response"}, {"alert_message_id", kMessageId}, {"responder_id", kMemberId}};
}

json UserOptedOut() { return json{{"type", "user_opted_out"}, {"alert_id", "alert_15299783be01"}}; }

json Resolved() { return json{{"type", "resolved"}, {"alert_id", "alert_15299783be01"}}; }

// Parses through the text path, as the intakes do.
Expected<Event, EventError> Parse(const json& document) { return ParseEvent(document.dump()); }

Event ParseValid(const json& document) {
  auto event = Parse(document);
  EXPECT_TRUE(event.ok()) << document.dump() << " -> " << event.error().Message();
  return event.ok() ? event.value() : Event{};
}

EventError ParseInvalid(const json& document) {
  auto event = Parse(document);
  EXPECT_FALSE(event.ok()) << document.dump();
  return event.ok() ? EventError{} : event.error();
}

EventError ParseInvalidText(std::string_view text) {
  auto event = ParseEvent(text);
  EXPECT_FALSE(event.ok()) << text;
  return event.ok() ? EventError{} : event.error();
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST(EventTypeTest, NamesRoundTrip) {
  for (EventType type :
       {EventType::kAlertCreated, EventType::kAcknowledged, EventType::kAshContacted,
        EventType::kFirstResponse, EventType::kUserOptedOut, EventType::kResolved}) {
    EXPECT_EQ(ParseEventType(EventTypeName(type)), type);
  }
  EXPECT_EQ(EventTypeName(EventType::kUserOptedOut), "user_opted_out");
  EXPECT_FALSE(ParseEventType("Alert_Created").has_value());
  EXPECT_FALSE(ParseEventType("").has_value());
}

TEST(ParseEventTest, AlertCreatedValid) {
  json document = AlertCreated();
  document["guild_id"] = "1234567890123456789";
  document["channel_sensitivity"] = 2.5;
  document["at"] = "2026-01-05T21:14:03.123456Z";
  document["event_id"] = "retry-key-1";

  Event event = ParseValid(document);
  EXPECT_EQ(event.type, EventType::kAlertCreated);
  EXPECT_EQ(event.alert_id, "alert_15299783be01");
  EXPECT_EQ(event.alert_message_id, kMessageId);
  EXPECT_EQ(event.user_id, kUserId);
  EXPECT_EQ(event.channel_id, kChannelId);
  EXPECT_EQ(event.guild_id, 1234567890123456789u);
  EXPECT_EQ(event.severity, Severity::kHigh);
  EXPECT_DOUBLE_EQ(event.channel_sensitivity, 2.5);
  EXPECT_EQ(event.at, kAtMs);
  EXPECT_EQ(event.event_id, "retry-key-1");
}

TEST(ParseEventTest, AlertCreatedDefaults) {
  Event event = ParseValid(AlertCreated());
  EXPECT_FALSE(event.guild_id.has_value());
  EXPECT_DOUBLE_EQ(event.channel_sensitivity, 1.0);
  EXPECT_FALSE(event.at.has_value());
  EXPECT_TRUE(event.event_id.empty());
}

TEST(ParseEventTest, AcknowledgedValid) {
  Event event = ParseValid(Acknowledged());
  EXPECT_EQ(event.type, EventType::kAcknowledged);
  EXPECT_EQ(event.alert_id, "alert_15299783be01");
  EXPECT_FALSE(event.alert_message_id.has_value());
  EXPECT_EQ(event.by, kMemberId);
}

TEST(ParseEventTest, AshContactedAutoValid) {
  Event event = ParseValid(AshContacted());
  EXPECT_EQ(event.type, EventType::kAshContacted);
  EXPECT_FALSE(event.initiated_by.has_value());
  EXPECT_TRUE(event.auto_initiated);
}

TEST(ParseEventTest, AshContactedByMemberValid) {
  json document = AshContacted();
  document["initiated_by"] = std::to_string(kMemberId);
  Event event = ParseValid(document);
  EXPECT_EQ(event.initiated_by, kMemberId);
  EXPECT_FALSE(event.auto_initiated);
}

TEST(ParseEventTest, AshContactedExplicitAuto) {
  json by_member = AshContacted();
  by_member["initiated_by"] = kMemberId;
  by_member["auto"] = true;
  Event event = ParseValid(by_member);
  EXPECT_EQ(event.initiated_by, kMemberId);
  EXPECT_TRUE(event.auto_initiated);

  by_member["auto"] = false;
  EXPECT_FALSE(ParseValid(by_member).auto_initiated);

  json automatic = AshContacted();
  automatic["auto"] = true;
  EXPECT_TRUE(ParseValid(automatic).auto_initiated);
}

TEST(ParseEventTest, AshContactedAutoFalseContradictsInitiator) {
  json document = AshContacted();
  document["auto"] = false;
  EventError error = ParseInvalid(document);
  EXPECT_EQ(error.field, "auto");
  EXPECT_TRUE(Contains(error.reason, "\"auto\"")) << error.reason;
}

TEST(ParseEventTest, FirstResponseValid) {
  Event event = ParseValid(FirstResponse());
  EXPECT_EQ(event.type, EventType::kFirstResponse);
  EXPECT_TRUE(event.alert_id.empty());
  EXPECT_EQ(event.alert_message_id, kMessageId);
  EXPECT_EQ(event.responder_id, kMemberId);
}

TEST(ParseEventTest, UserOptedOutValid) {
  Event event = ParseValid(UserOptedOut());
  EXPECT_EQ(event.type, EventType::kUserOptedOut);
  EXPECT_EQ(event.alert_id, "alert_15299783be01");
}

TEST(ParseEventTest, ResolvedValidWithAndWithoutBy) {
  Event without_by = ParseValid(Resolved());
  EXPECT_EQ(without_by.type, EventType::kResolved);
  EXPECT_FALSE(without_by.by.has_value());

  json document = Resolved();
  document["by"] = kMemberId;
  EXPECT_EQ(ParseValid(document).by, kMemberId);
}

TEST(ParseEventTest, AlertReferenceByMessageIdOrBoth) {
  json by_message = Acknowledged();
  by_message.erase("alert_id");
  by_message["alert_message_id"] = std::to_string(kMessageId);
  Event event = ParseValid(by_message);
  EXPECT_TRUE(event.alert_id.empty());
  EXPECT_EQ(event.alert_message_id, kMessageId);

  by_message["alert_id"] = "alert_15299783be01";
  event = ParseValid(by_message);
  EXPECT_EQ(event.alert_id, "alert_15299783be01");
  EXPECT_EQ(event.alert_message_id, kMessageId);
}

struct MissingCase {
  json document;
  std::string field;
};

TEST(ParseEventTest, EachRequiredFieldMissing) {
  std::vector<MissingCase> cases;
  for (std::string field :
       {"type", "alert_id", "alert_message_id", "user_id", "channel_id", "severity"}) {
    json document = AlertCreated();
    document.erase(field);
    cases.push_back({document, field});
  }
  json no_by = Acknowledged();
  no_by.erase("by");
  cases.push_back({no_by, "by"});
  json no_initiator = AshContacted();
  no_initiator.erase("initiated_by");
  cases.push_back({no_initiator, "initiated_by"});
  json no_responder = FirstResponse();
  no_responder.erase("responder_id");
  cases.push_back({no_responder, "responder_id"});
  for (json document :
       {Acknowledged(), AshContacted(), FirstResponse(), UserOptedOut(), Resolved()}) {
    document.erase("alert_id");
    document.erase("alert_message_id");
    cases.push_back({document, "alert_id"});
  }

  for (const auto& [document, field] : cases) {
    EventError error = ParseInvalid(document);
    EXPECT_EQ(error.field, field) << document.dump();
    EXPECT_TRUE(Contains(error.reason, "required")) << error.reason;
  }
}

TEST(ParseEventTest, NullRequiredFieldIsMissing) {
  json document = AlertCreated();
  document["user_id"] = nullptr;
  EXPECT_EQ(ParseInvalid(document).field, "user_id");
}

TEST(ParseEventTest, NullOptionalFieldIsAbsent) {
  json document = AlertCreated();
  document["guild_id"] = nullptr;
  document["at"] = nullptr;
  document["channel_sensitivity"] = nullptr;
  Event event = ParseValid(document);
  EXPECT_FALSE(event.guild_id.has_value());
  EXPECT_FALSE(event.at.has_value());
  EXPECT_DOUBLE_EQ(event.channel_sensitivity, 1.0);
}

struct InvalidCase {
  json base;
  std::string field;
  json value;
  std::string reason_part;  // text the reason must contain
};

TEST(ParseEventTest, EachInvalidFieldIsNamed) {
  const std::vector<InvalidCase> cases = {
      {AlertCreated(), "type", "alert_deleted", "(got \"alert_deleted\")"},
      {AlertCreated(), "type", 3, "(got 3)"},
      {AlertCreated(), "alert_id", "", "(got \"\")"},
      {AlertCreated(), "alert_id", "alert 1", "(got \"alert 1\")"},
      {AlertCreated(), "alert_id", "alert/1", "A-Z"},
      {AlertCreated(), "alert_id", std::string(65, 'a'), "65 characters"},
      {AlertCreated(), "alert_id", 42, "(got 42)"},
      {AlertCreated(), "alert_message_id", -5, "(got -5)"},
      {AlertCreated(), "alert_message_id", 1e18, "floating-point"},
      {AlertCreated(), "alert_message_id", 5.0, "floating-point"},
      {AlertCreated(), "alert_message_id", "+5", "(got \"+5\")"},
      {AlertCreated(), "alert_message_id", " 5", "(got \" 5\")"},
      {AlertCreated(), "alert_message_id", "18446744073709551616", "18446744073709551615"},
      {AlertCreated(), "alert_message_id", 0, "never issues id 0"},
      {AlertCreated(), "alert_message_id", "0", "never issues id 0"},
      {AlertCreated(), "user_id", true, "(got true)"},
      {AlertCreated(), "user_id", json::array({1}), "(got an array)"},
      {AlertCreated(), "channel_id", json::object(), "(got an object)"},
      {AlertCreated(), "guild_id", "guild", "(got \"guild\")"},
      {AlertCreated(), "severity", "urgent", "(got \"urgent\")"},
      {AlertCreated(), "severity", 2, "(got 2)"},
      {AlertCreated(), "channel_sensitivity", 10.5, "from 0 to 10"},
      {AlertCreated(), "channel_sensitivity", -0.1, "from 0 to 10"},
      {AlertCreated(), "channel_sensitivity", "1.0", "(got \"1.0\")"},
      {AlertCreated(), "channel_sensitivity", false, "(got false)"},
      {AlertCreated(), "at", "2026-01-05T21:14:03", "RFC 3339"},
      {AlertCreated(), "at", "yesterday", "(got \"yesterday\")"},
      {AlertCreated(), "at", 1767647643123.5, "floating-point"},
      {AlertCreated(), "at", -1, "1970-01-01"},
      {AlertCreated(), "at", "1969-12-31T23:59:59Z", "1970-01-01"},
      {AlertCreated(), "at", 253402300800000, "9999-12-31"},
      {AlertCreated(), "at", true, "(got true)"},
      {AlertCreated(), "event_id", "", "1 to 128 bytes"},
      {AlertCreated(), "event_id", std::string(129, 'x'), "129 bytes"},
      {AlertCreated(), "event_id", 7, "(got 7)"},
      {Acknowledged(), "by", "someone", "(got \"someone\")"},
      {Resolved(), "by", -1, "(got -1)"},
      {AshContacted(), "initiated_by", "AUTO", "\"auto\" or a Discord id"},
      {AshContacted(), "initiated_by", 0, "never issues id 0"},
      {AshContacted(), "auto", "yes", "(got \"yes\")"},
      {FirstResponse(), "responder_id", 1.5, "floating-point"},
      {FirstResponse(), "alert_message_id", "x", "(got \"x\")"},
      {UserOptedOut(), "alert_id", "../etc", "(got \"../etc\")"},
  };

  for (const auto& test_case : cases) {
    json document = test_case.base;
    document[test_case.field] = test_case.value;
    EventError error = ParseInvalid(document);
    EXPECT_EQ(error.field, test_case.field) << document.dump();
    EXPECT_TRUE(Contains(error.reason, test_case.reason_part))
        << test_case.field << ": " << error.reason;
    EXPECT_EQ(error.Message(), test_case.field + ": " + error.reason);
  }
}

TEST(ParseEventTest, SeverityMessageQuotesValue) {
  json document = AlertCreated();
  document["severity"] = "urgent";
  EXPECT_EQ(ParseInvalid(document).Message(),
            "severity: must be one of low, medium, high, critical (got \"urgent\")");
}

TEST(ParseEventTest, LongValueIsCutInMessage) {
  json document = AlertCreated();
  document["severity"] = std::string(1000, 'x');
  EventError error = ParseInvalid(document);
  EXPECT_LT(error.reason.size(), 200u) << error.reason;
  EXPECT_TRUE(Contains(error.reason, "...\")")) << error.reason;
}

TEST(ParseEventTest, SeverityIsCaseInsensitive) {
  json document = AlertCreated();
  for (auto [text, severity] :
       {std::pair{"LOW", Severity::kLow}, std::pair{"Medium", Severity::kMedium},
        std::pair{"hIGH", Severity::kHigh}, std::pair{"CRITICAL", Severity::kCritical}}) {
    document["severity"] = text;
    EXPECT_EQ(ParseValid(document).severity, severity) << text;
  }
}

TEST(ParseEventTest, LimitsOfAlertIdAndEventId) {
  json document = AlertCreated();
  document["alert_id"] = std::string(64, 'A');
  document["event_id"] = std::string(128, '\x7f');
  Event event = ParseValid(document);
  EXPECT_EQ(event.alert_id.size(), 64u);
  EXPECT_EQ(event.event_id.size(), 128u);

  document["alert_id"] = "Az09_-";
  EXPECT_EQ(ParseValid(document).alert_id, "Az09_-");
}

TEST(ParseEventTest, EventIdCountsBytes) {
  json document = AlertCreated();
  // 43 three-byte characters: 129 bytes.
  std::string text;
  for (int i = 0; i < 43; ++i) text += "\xe2\x82\xac";
  document["event_id"] = text;
  EXPECT_EQ(ParseInvalid(document).field, "event_id");
}

TEST(ParseEventTest, LargeIdsReadExactly) {
  for (Snowflake id : {Snowflake{18446744073709551615u}, Snowflake{1459737343545318614u},
                       Snowflake{9007199254740993u}}) {
    json as_number = Acknowledged();
    as_number["by"] = id;
    EXPECT_EQ(ParseValid(as_number).by, id);

    json as_string = Acknowledged();
    as_string["by"] = std::to_string(id);
    EXPECT_EQ(ParseValid(as_string).by, id);
  }

  auto event = ParseEvent(
      R"({"type":"acknowledged","alert_message_id":9007199254740993,"by":18446744073709551615})");
  ASSERT_TRUE(event.ok()) << event.error().Message();
  EXPECT_EQ(event->alert_message_id, 9007199254740993u);
  EXPECT_EQ(event->by, 18446744073709551615u);
}

TEST(ParseEventTest, OverflowingNumberIsRejected) {
  EventError error =
      ParseInvalidText(R"({"type":"acknowledged","alert_id":"a","by":18446744073709551616})");
  EXPECT_EQ(error.field, "by");
}

TEST(ParseEventTest, AtAsStringAndIntegerMs) {
  json document = Acknowledged();
  document["at"] = "2026-01-05T21:14:03.123Z";
  EXPECT_EQ(ParseValid(document).at, kAtMs);
  document["at"] = "2026-01-05T23:14:03.123456+02:00";
  EXPECT_EQ(ParseValid(document).at, kAtMs);
  document["at"] = kAtMs;
  EXPECT_EQ(ParseValid(document).at, kAtMs);
  document["at"] = 0;
  EXPECT_EQ(ParseValid(document).at, 0);
  document["at"] = kMaxEventTimeMs;
  EXPECT_EQ(ParseValid(document).at, kMaxEventTimeMs);
  document["at"] = "9999-12-31T23:59:59.999Z";
  EXPECT_EQ(ParseValid(document).at, kMaxEventTimeMs);
}

TEST(ParseEventTest, UnknownFieldsAreIgnored) {
  json document = Acknowledged();
  document["bot_version"] = "5.1";
  document["extra"] = json::object({{"nested", json::array({1, 2})}});
  document["severity"] = "not checked for acknowledged";
  EXPECT_EQ(ParseValid(document).by, kMemberId);
}

TEST(ParseEventTest, MalformedJson) {
  EventError error = ParseInvalidText(R"({"type": "acknowledged",})");
  EXPECT_EQ(error.field, "");
  EXPECT_TRUE(Contains(error.reason, "invalid JSON")) << error.reason;
  EXPECT_TRUE(Contains(error.reason, "line 1, column")) << error.reason;
  EXPECT_EQ(error.Message(), error.reason);

  using namespace std::string_view_literals;
  for (std::string_view text : {""sv, "{"sv, "nul"sv, "{\"type\": \"acknowledged\"} trailing"sv,
                                "\"\xff\""sv, "{\"a\": \"\xc3\"}"sv, "{\0}"sv}) {
    EventError other = ParseInvalidText(text);
    EXPECT_EQ(other.field, "");
    for (char c : other.reason) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f)
          << "byte " << static_cast<int>(c) << " in " << other.reason;
    }
  }
}

TEST(ParseEventTest, NumberTooLargeForDoubleIsInvalidJson) {
  EventError error = ParseInvalidText(R"({"type":"acknowledged","alert_id":"a","by":1e400})");
  EXPECT_EQ(error.field, "");
  EXPECT_TRUE(Contains(error.reason, "number overflow")) << error.reason;
}

TEST(ParseEventTest, NonObjectJson) {
  for (std::string_view text : {"[]", "null", "42", "\"acknowledged\"", "true"}) {
    EventError error = ParseInvalidText(text);
    EXPECT_EQ(error.field, "") << text;
    EXPECT_TRUE(Contains(error.reason, "must be a JSON object")) << error.reason;
  }
}

TEST(CheckEventTimeTest, FutureSkewBoundary) {
  const EpochMs received = kAtMs;
  Event event = ParseValid(Acknowledged());

  EXPECT_FALSE(CheckEventTime(event, received).has_value());  // no `at`

  event.at = received + kMaxFutureSkewMs;
  EXPECT_FALSE(CheckEventTime(event, received).has_value());

  event.at = received + kMaxFutureSkewMs + 1;
  auto error = CheckEventTime(event, received);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "at");
  EXPECT_TRUE(Contains(error->reason, FormatRfc3339(*event.at))) << error->reason;

  event.at = received - 365 * kMsPerDay;
  EXPECT_FALSE(CheckEventTime(event, received).has_value());
}

TEST(CheckEventTimeTest, ExtremeReceiveTimesDoNotOverflow) {
  Event event = ParseValid(Acknowledged());
  event.at = kMaxEventTimeMs;
  EXPECT_TRUE(CheckEventTime(event, std::numeric_limits<EpochMs>::min()).has_value());
  EXPECT_FALSE(CheckEventTime(event, std::numeric_limits<EpochMs>::max()).has_value());
}

TEST(EventToJsonTest, RoundTripsEveryType) {
  json created = AlertCreated();
  created["guild_id"] = 18446744073709551615u;
  created["channel_sensitivity"] = 0.1;
  created["at"] = "2026-01-05T21:14:03.123456Z";
  created["event_id"] = "ü-retry";
  json contacted_by_member = AshContacted();
  contacted_by_member["initiated_by"] = kMemberId;
  contacted_by_member["auto"] = true;
  json resolved_by = Resolved();
  resolved_by["by"] = kMemberId;
  resolved_by["at"] = 0;
  json both_references = UserOptedOut();
  both_references["alert_message_id"] = kMessageId;

  for (const json& document :
       {created, AlertCreated(), Acknowledged(), AshContacted(), contacted_by_member,
        FirstResponse(), UserOptedOut(), both_references, Resolved(), resolved_by}) {
    Event event = ParseValid(document);
    json canonical = EventToJson(event);
    auto again = ParseEvent(canonical.dump());
    ASSERT_TRUE(again.ok()) << canonical.dump() << " -> " << again.error().Message();
    EXPECT_EQ(again.value(), event) << canonical.dump();
  }
}

TEST(EventToJsonTest, WritesIdsAsStringsAndAtWithMilliseconds) {
  json created = AlertCreated();
  created["at"] = "2026-01-05T23:14:03.123456+02:00";
  json canonical = EventToJson(ParseValid(created));
  EXPECT_EQ(canonical["alert_message_id"], "1459737343545318614");
  EXPECT_EQ(canonical["user_id"], "258877960599111668");
  EXPECT_EQ(canonical["channel_id"], "652367420041863082");
  EXPECT_EQ(canonical["at"], "2026-01-05T21:14:03.123Z");
  EXPECT_EQ(canonical["severity"], "high");
  EXPECT_EQ(canonical["type"], "alert_created");

  json contacted = EventToJson(ParseValid(AshContacted()));
  EXPECT_EQ(contacted["initiated_by"], "auto");
  EXPECT_EQ(contacted["auto"], true);
}

}  // namespace
}  // namespace ash
