#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/redis_connection.h"

namespace ash {

// Walks the keyspace with SCAN MATCH pattern COUNT count and calls visit with
// each page of keys, so memory stays bounded by the page size whatever the
// database size. visit may issue commands on the same connection. SCAN may
// return a key more than once (while Redis rehashes), so visit must be
// idempotent. Throws RedisIoError when the connection is lost.
void ScanKeys(RedisConnection& connection, std::string_view pattern, int count,
              const std::function<void(const std::vector<std::string>&)>& visit);

// Walks the entries of `stream` with ids up to `end` (an XRANGE bound) in
// pages of XRANGE COUNT count, and calls visit with each page. visit may
// delete the entries it receives. Throws RedisIoError when the connection is
// lost or XRANGE fails.
void ScanStream(RedisConnection& connection, const std::string& stream, const std::string& end, int count,
                const std::function<void(const std::vector<RedisReply>&)>& visit);

// Integer of a reply, or 0 for anything else (nil, error).
std::int64_t IntegerOr0(const RedisReply& reply);

}  // namespace ash
