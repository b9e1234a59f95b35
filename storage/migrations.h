// SPDX-License-Identifier: Apache-2.0
// Versioned schema migrations, applied in order at open (PRAGMA user_version).
#pragma once

#include <string>

namespace vapush {

class Database;

// Brings the schema up to Database::kSchemaVersion. A database newer than this binary
// is refused (error filled, false returned) rather than touched.
bool migrate(Database& db, std::string& error, int target_version);

}  // namespace vapush
