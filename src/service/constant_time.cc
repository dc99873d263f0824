#include "service/constant_time.h"

#include <cstddef>

namespace ash {

bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  // Loop over the expected value's length whatever the given length, and
  // fold every difference into one byte, so no branch depends on content.
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char given_byte = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    difference |= static_cast<unsigned char>(given_byte ^ static_cast<unsigned char>(expected[i]));
  }
  return difference == 0;
}

}  // namespace ash
