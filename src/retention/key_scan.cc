#include "retention/key_scan.h"

namespace ash {

void ScanKeys(RedisConnection& connection, std::string_view pattern, int count,
              const std::function<void(const std::vector<std::string>&)>& visit) {
  std::string cursor = "0";
  do {
    RedisReply reply =
        connection.Command({"SCAN", cursor, "MATCH", std::string(pattern), "COUNT", std::to_string(count)});
    reply.ExpectOk("SCAN");
    if (!reply.is_array() || reply.elements().size() != 2) throw RedisIoError("SCAN returned an unexpected reply");
    cursor = reply.elements()[0].str();

    std::vector<std::string> keys;
    keys.reserve(reply.elements()[1].elements().size());
    for (const RedisReply& key : reply.elements()[1].elements()) keys.push_back(key.str());
    if (!keys.empty()) visit(keys);
  } while (cursor != "0");
}

void ScanStream(RedisConnection& connection, const std::string& stream, const std::string& end, int count,
                const std::function<void(const std::vector<RedisReply>&)>& visit) {
  std::string start = "-";
  while (true) {
    const RedisReply page = connection.Command({"XRANGE", stream, start, end, "COUNT", std::to_string(count)});
    if (page.is_error()) throw RedisIoError("XRANGE of " + stream + " failed: " + page.str());
    if (page.elements().empty()) return;

    start = "(" + page.elements().back().elements().at(0).str();
    visit(page.elements());
    if (page.elements().size() < static_cast<size_t>(count)) return;
  }
}

std::int64_t IntegerOr0(const RedisReply& reply) { return reply.is_integer() ? reply.integer() : 0; }

}  // namespace ash
