#include "service/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ash {

namespace {

std::system_error FileError(const std::string& what, const std::string& path) {
  return std::system_error(errno, std::generic_category(), what + " spool file " + path);
}

}  // namespace

Spool::Spool(std::string path) : path_(std::move(path)) {}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<bool> Spool::Open() {
  std::lock_guard lock(mutex_);
  std::error_code error;
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) {
    return Expected<bool>::Failure("cannot create the folder of the spool file " + path_ + ": " + error.message());
  }

  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Expected<bool>::Failure(FileError("cannot open", path_).what());

  // Keep only complete lines: a partial last line was never answered 202.
  std::string content;
  {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    content = buffer.str();
  }
  const std::size_t complete = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
  if (complete != content.size()) {
    if (::ftruncate(fd_, static_cast<off_t>(complete)) != 0 || ::fsync(fd_) != 0) {
      return Expected<bool>::Failure(FileError("cannot repair", path_).what());
    }
  }
  bytes_ = static_cast<long long>(complete);
  lines_ = 0;
  for (std::size_t i = 0; i < complete; ++i) {
    if (content[i] == '\n') ++lines_;
  }
  return true;
}

void Spool::Append(const std::vector<std::string>& lines) {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }

  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::system_error failure = FileError("cannot write to", path_);
      (void)::ftruncate(fd_, static_cast<off_t>(bytes_));
      throw failure;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) {
    const std::system_error failure = FileError("cannot fsync", path_);
    (void)::ftruncate(fd_, static_cast<off_t>(bytes_));
    throw failure;
  }
  bytes_ += static_cast<long long>(text.size());
  lines_ += lines.size();
}

std::vector<std::string> Spool::ReadAll() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines;
  std::ifstream in(path_, std::ios::binary);
  std::string line;
  long long consumed = 0;
  while (consumed < bytes_ && std::getline(in, line)) {
    consumed += static_cast<long long>(line.size()) + 1;
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void Spool::Clear() {
  std::lock_guard lock(mutex_);
  if (::ftruncate(fd_, 0) != 0 || ::fsync(fd_) != 0) throw FileError("cannot truncate", path_);
  bytes_ = 0;
  lines_ = 0;
}

std::size_t Spool::size() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace ash
