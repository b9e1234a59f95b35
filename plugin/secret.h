// SPDX-License-Identifier: Apache-2.0
// Pure helpers for secrets and tokens: constant-time comparison and hex encoding.
//
// Hashing, HMAC and randomness live behind the Crypto port (plugin/crypto.h); these
// helpers need no library. All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vapush {

// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths,
// never on where the first difference is, so comparing a secret (or its hash) against a
// stored value leaks nothing but the length.
bool constantTimeEquals(std::string_view a, std::string_view b);

// Lower-case hex of the bytes of `data` (two digits per byte).
std::string hexEncode(std::string_view data);

// True when `s` is non-empty and every character is 0-9, a-f or A-F.
bool isHex(std::string_view s);

}  // namespace vapush
