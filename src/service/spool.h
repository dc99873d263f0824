#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "util/expected.h"

namespace ash {

// An append-only NDJSON file of accepted events that could not be applied
// because Redis was unavailable. Each Append is on disk (fsync) before it
// returns, so an event answered 202 survives a crash. Thread-safe; callers
// that need "check, then append" as one step hold mutex() around both.
class Spool {
 public:
  explicit Spool(std::string path);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Opens (creating the file and its folder) and counts the spooled events.
  // A last line without its newline was never acknowledged (the crash came
  // before the fsync returned), so it is cut off. The error names the path.
  Expected<bool> Open();

  // Appends one line per event and fsyncs. Throws std::system_error, naming
  // the path, when the write or the fsync fails; the file is then cut back
  // to its previous length.
  void Append(const std::vector<std::string>& lines);

  // Every spooled line, oldest first.
  std::vector<std::string> ReadAll() const;

  // Empties the file (truncate and fsync) after a replay.
  void Clear();

  std::size_t size() const;  // spooled events
  bool empty() const { return size() == 0; }
  const std::string& path() const { return path_; }
  std::recursive_mutex& mutex() { return mutex_; }

 private:
  const std::string path_;
  int fd_ = -1;
  std::size_t lines_ = 0;
  long long bytes_ = 0;
  mutable std::recursive_mutex mutex_;
};

}  // namespace ash
