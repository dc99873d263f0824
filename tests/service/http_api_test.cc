#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/constant_time.h"
#include "service/http_api.h"
#include "service_fixture.h"
#include "support/redis_server.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SharedRedis().FlushAll();
    InProcessService::Settings settings;
    settings.redis_url = SharedRedis().url();
    settings.max_body_bytes = 4096;
    service_ = std::make_unique<InProcessService>(settings);
  }

  std::unique_ptr<InProcessService> service_;
};

TEST(ConstantTimeEqualsTest, ComparesWholeValue) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("secreT", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("Secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret2", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secre", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals(std::string("sec\0et", 6), "secret"));
}

TEST(BearerTokenMatchesTest, NeedsBearerScheme) {
  EXPECT_TRUE(BearerTokenMatches("Bearer abc", "abc"));
  EXPECT_FALSE(BearerTokenMatches("abc", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Basic abc", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer ", "abc"));
}

TEST_F(HttpApiTest, HealthNeedsNoToken) {
  auto result = service_->Client().Get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const Json body = Json::parse(result->body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["redis"]["up"], true);
  EXPECT_EQ(body["spool"]["events"], 0);
  EXPECT_TRUE(body.contains("schedulers"));
  EXPECT_TRUE(body["schedulers"].contains("weekly_report"));
  EXPECT_TRUE(body["schedulers"].contains("retention"));
  EXPECT_TRUE(body.contains("next_report_at"));
  EXPECT_TRUE(body.contains("last_post"));
}

TEST_F(HttpApiTest, MissingTokenIs401) {
  auto result = service_->Client().Post("/v1/events", AlertCreated("a1", 1001).dump(), "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_FALSE(Json::parse(result->body)["error"]["reason"].get<std::string>().empty());
}

TEST_F(HttpApiTest, WrongTokenIs401) {
  for (const std::string& token : {std::string("wrong"), std::string(kTestToken) + "x", std::string("")}) {
    auto result = service_->Client().Post("/v1/events", InProcessService::Auth(token),
                                          AlertCreated("a1", 1001).dump(), "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401) << "token \"" << token << "\"";
  }
  auto result = service_->Client().Get("/v1/alerts/a1", {{"Authorization", kTestToken}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401) << "a token without the Bearer scheme";
}

TEST_F(HttpApiTest, RightTokenIsAccepted) {
  auto result = service_->PostEvent(AlertCreated("a1", 1001));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Json::parse(result->body)["status"], "applied");
}

TEST(HttpApiNoTokenTest, ProtectedRoutesAre503) {
  SharedRedis().FlushAll();
  InProcessService::Settings settings;
  settings.redis_url = SharedRedis().url();
  settings.token = std::nullopt;
  InProcessService service(settings);

  auto result = service.PostEvent(AlertCreated("a1", 1001));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_NE(result->body.find("metrics_api_token"), std::string::npos) << result->body;
  auto health = service.Client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpApiTest, UnknownRouteIs404) {
  auto result = service_->Client().Get("/v1/nothing", InProcessService::Auth());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_TRUE(Json::parse(result->body).contains("error"));
  auto root = service_->Client().Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);
}

TEST_F(HttpApiTest, WrongMethodIs405WithAllow) {
  auto result = service_->Client().Delete("/v1/alerts/a1", InProcessService::Auth());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 405);
  EXPECT_EQ(result->get_header_value("Allow"), "GET");

  auto events = service_->Client().Get("/v1/events", InProcessService::Auth());
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 405);
  EXPECT_EQ(events->get_header_value("Allow"), "POST");

  auto health = service_->Client().Post("/health", "", "application/json");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 405);

  auto reports = service_->Client().Put("/v1/reports/weekly", InProcessService::Auth(), "", "application/json");
  ASSERT_TRUE(reports);
  EXPECT_EQ(reports->status, 405);
  EXPECT_EQ(reports->get_header_value("Allow"), "GET, POST");
}

TEST_F(HttpApiTest, BodyOverLimitIs413) {
  const std::string body(8192, ' ');
  auto result = service_->Client().Post("/v1/events", InProcessService::Auth(), body, "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  const Json error = Json::parse(result->body)["error"];
  EXPECT_NE(error["reason"].get<std::string>().find("4096"), std::string::npos) << result->body;
}

TEST_F(HttpApiTest, MalformedJsonIs400) {
  auto result = service_->Client().Post("/v1/events", InProcessService::Auth(), "{\"type\": \"alert_created\",",
                                        "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const Json body = Json::parse(result->body);
  EXPECT_EQ(body["status"], "invalid");
  EXPECT_FALSE(body["error"].contains("field")) << result->body;
  EXPECT_EQ(body["error"]["status"], 400);
  EXPECT_FALSE(body["error"]["reason"].get<std::string>().empty());
}

TEST_F(HttpApiTest, SingleEventOutcomes) {
  auto created = service_->PostEvent(AlertCreated("a1", 1001));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 200);
  EXPECT_EQ(Json::parse(created->body)["status"], "applied");
  EXPECT_EQ(Json::parse(created->body)["alert_id"], "a1");

  auto repeated = service_->PostEvent(AlertCreated("a1", 1001));
  ASSERT_TRUE(repeated);
  EXPECT_EQ(repeated->status, 200);
  EXPECT_EQ(Json::parse(repeated->body)["status"], "duplicate");

  auto acknowledged = service_->PostEvent(Acknowledged("a1", "400000000000000001"));
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->status, 200);
  EXPECT_EQ(Json::parse(acknowledged->body)["status"], "applied");

  auto again = service_->PostEvent(Acknowledged("a1", "400000000000000002"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(Json::parse(again->body)["status"], "already_recorded");

  auto unknown = service_->PostEvent(Acknowledged("nope", "400000000000000001"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Json::parse(unknown->body)["status"], "unknown_alert");
  EXPECT_EQ(Json::parse(unknown->body)["error"]["status"], 404);

  Json bad_severity = AlertCreated("a2", 1002);
  bad_severity["severity"] = "urgent";
  auto invalid = service_->PostEvent(bad_severity);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(Json::parse(invalid->body)["error"]["field"], "severity");

  auto future = service_->PostEvent(AlertCreated("a3", 1003, "2026-01-07T12:10:00Z"));
  ASSERT_TRUE(future);
  EXPECT_EQ(future->status, 400);
  EXPECT_EQ(Json::parse(future->body)["error"]["field"], "at");
}

TEST_F(HttpApiTest, NdjsonBatchOutcomes) {
  Json bad = AlertCreated("b2", 2002);
  bad.erase("user_id");
  const std::string body = AlertCreated("b1", 2001).dump() + "\n" + bad.dump() + "\n\n" +
                           Acknowledged("b1", "400000000000000001").dump() + "\n" +
                           Acknowledged("missing", "400000000000000001").dump() + "\n" + "not json\n";
  auto result = service_->Client().Post("/v1/events", InProcessService::Auth(), body, "application/x-ndjson");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const Json response = Json::parse(result->body);
  const Json& results = response["results"];
  ASSERT_EQ(results.size(), 5u) << result->body;
  EXPECT_EQ(results[0]["line"], 1);
  EXPECT_EQ(results[0]["status"], "applied");
  EXPECT_EQ(results[0]["alert_id"], "b1");
  EXPECT_EQ(results[1]["line"], 2);
  EXPECT_EQ(results[1]["status"], "invalid");
  EXPECT_EQ(results[1]["error"]["field"], "user_id");
  EXPECT_EQ(results[2]["line"], 4);
  EXPECT_EQ(results[2]["status"], "applied");
  EXPECT_EQ(results[3]["line"], 5);
  EXPECT_EQ(results[3]["status"], "unknown_alert");
  EXPECT_EQ(results[4]["line"], 6);
  EXPECT_EQ(results[4]["status"], "invalid");
  EXPECT_EQ(response["counts"]["applied"], 2);
  EXPECT_EQ(response["counts"]["invalid"], 2);
  EXPECT_EQ(response["counts"]["unknown_alert"], 1);
}

TEST_F(HttpApiTest, NdjsonDetectedWithoutContentType) {
  const std::string body = AlertCreated("c1", 3001).dump() + "\n" + AlertCreated("c2", 3002).dump() + "\n";
  auto result = service_->Client().Post("/v1/events", InProcessService::Auth(), body, "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Json::parse(result->body)["counts"]["applied"], 2);
}

TEST_F(HttpApiTest, GetAlertReturnsRecord) {
  ASSERT_EQ(service_->PostEvent(AlertCreated("a1", 1001))->status, 200);
  ASSERT_EQ(service_->PostEvent(Acknowledged("a1", "400000000000000001"))->status, 200);

  auto result = service_->Client().Get("/v1/alerts/a1", InProcessService::Auth());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const Json alert = Json::parse(result->body);
  EXPECT_EQ(alert["alert_id"], "a1");
  EXPECT_EQ(alert["alert_message_id"], "1001");
  EXPECT_EQ(alert["severity"], "high");
  EXPECT_EQ(alert["acknowledged_by"], "400000000000000001");
  EXPECT_EQ(alert["time_to_acknowledge_seconds"], 150);

  auto missing = service_->Client().Get("/v1/alerts/other", InProcessService::Auth());
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto invalid = service_->Client().Get("/v1/alerts/has%20space", InProcessService::Auth());
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
}

TEST_F(HttpApiTest, WeeklySummaryAndReport) {
  ASSERT_EQ(service_->PostEvent(AlertCreated("a1", 1001))->status, 200);
  ASSERT_EQ(service_->PostEvent(Acknowledged("a1", "400000000000000001"))->status, 200);

  auto summary = service_->Client().Get("/v1/summary/weekly?end=2026-01-07", InProcessService::Auth());
  ASSERT_TRUE(summary);
  ASSERT_EQ(summary->status, 200) << summary->body;
  EXPECT_EQ(Json::parse(summary->body)["total_alerts"], 1);

  auto text = service_->Client().Get("/v1/reports/weekly?end=2026-01-07&format=text", InProcessService::Auth());
  ASSERT_TRUE(text);
  ASSERT_EQ(text->status, 200);
  EXPECT_NE(text->body.find("Weekly Crisis Response Report"), std::string::npos);
  EXPECT_NE(text->body.find("<@400000000000000001>"), std::string::npos);

  auto json = service_->Client().Get("/v1/reports/weekly?end=2026-01-07&format=json", InProcessService::Auth());
  ASSERT_TRUE(json);
  EXPECT_EQ(json->status, 200);
  EXPECT_FALSE(Json::parse(json->body, nullptr, false).is_discarded());

  auto bad_format = service_->Client().Get("/v1/reports/weekly?format=xml", InProcessService::Auth());
  ASSERT_TRUE(bad_format);
  EXPECT_EQ(bad_format->status, 400);
  EXPECT_EQ(Json::parse(bad_format->body)["error"]["field"], "format");

  auto bad_end = service_->Client().Get("/v1/summary/weekly?end=2026-13-01", InProcessService::Auth());
  ASSERT_TRUE(bad_end);
  EXPECT_EQ(bad_end->status, 400);
  EXPECT_EQ(Json::parse(bad_end->body)["error"]["field"], "end");
}

TEST_F(HttpApiTest, PostReportWithoutChannelIs400) {
  auto result = service_->Client().Post("/v1/reports/weekly", InProcessService::Auth(), "{}", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Json::parse(result->body)["error"]["field"], "channel_id");
}

TEST_F(HttpApiTest, MetricsExposition) {
  ASSERT_EQ(service_->PostEvent(AlertCreated("a1", 1001))->status, 200);
  ASSERT_EQ(service_->PostEvent(AlertCreated("a2", 1002))->status, 200);
  ASSERT_EQ(service_->PostEvent(Acknowledged("a1", "400000000000000001"))->status, 200);
  Json bad = AlertCreated("a3", 1003);
  bad["severity"] = "urgent";
  ASSERT_EQ(service_->PostEvent(bad)->status, 400);

  auto result = service_->Client().Get("/metrics");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const std::string& text = result->body;
  const auto has = [&text](const std::string& line) { return text.find(line) != std::string::npos; };
  EXPECT_TRUE(has("ash_metrics_events_applied_total{source=\"http\",type=\"alert_created\",result=\"applied\"} 2"))
      << text;
  EXPECT_TRUE(has("ash_metrics_events_rejected_total{source=\"http\",type=\"alert_created\",reason=\"invalid\"} 1"));
  EXPECT_TRUE(has("# TYPE ash_metrics_http_request_duration_seconds histogram"));
  EXPECT_TRUE(has("ash_metrics_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"+Inf\"} 4"));
  EXPECT_TRUE(has("ash_metrics_http_request_duration_seconds_count{route=\"/v1/events\"} 4"));
  EXPECT_TRUE(has("ash_metrics_redis_up 1"));
  EXPECT_TRUE(has("ash_metrics_spool_events 0"));
  EXPECT_TRUE(has("ash_metrics_reports_posted_total 0"));
  EXPECT_TRUE(has("ash_metrics_reports_failed_total 0"));
  EXPECT_TRUE(has("ash_metrics_open_alerts 1"));
  EXPECT_TRUE(has("ash_metrics_time_to_acknowledge_seconds_bucket{le=\"120\"} 0"));
  EXPECT_TRUE(has("ash_metrics_time_to_acknowledge_seconds_bucket{le=\"300\"} 1"));
  EXPECT_TRUE(has("ash_metrics_time_to_acknowledge_seconds_count 1"));
}

// Sends `bytes` on one loopback connection and returns what the server sent
// back until it closed the connection or stayed silent for 30 s.
std::string ExchangeRaw(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string received;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) received.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return received;
}

// A request without Content-Length or Transfer-Encoding has no body
// (RFC 9112, section 6.3), so the bytes after its headers are not its body.
// Read as the body, they would make this a 400 for an invalid dry_run.
TEST_F(HttpApiTest, PostWithoutLengthHasNoBody) {
  const std::string post = "POST /v1/retention/run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Authorization: Bearer " + std::string(kTestToken) + "\r\n\r\n";
  const std::string received = ExchangeRaw(service_->port(), post + R"({"dry_run": "maybe"})");
  EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK")) << received;
  EXPECT_NE(received.find("\"dry_run\":false"), std::string::npos) << received;
}

TEST_F(HttpApiTest, StopReturnsZero) { EXPECT_EQ(service_->Stop(), 0); }

}  // namespace
}  // namespace ash::testing
