#pragma once

#include <string_view>

namespace ash {

// Compares two byte strings in time that depends only on their lengths, not
// on where they first differ, so a bearer token cannot be guessed byte by
// byte from response times. Unequal lengths return false after the same
// loop over the expected value.
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

}  // namespace ash
