// SPDX-License-Identifier: Apache-2.0
// Creates (and migrates) a vapush database holding N registered devices for the ingest
// benchmark: node bn<i>, publish secret bs<i> stored as SHA-256 hex, user bu<i>@DOMAIN.
//
//   bench_seed_devices DB N [DOMAIN]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/database.h"
#include "storage/openssl_crypto.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB N [DOMAIN]\n", argv[0]);
    return 2;
  }
  const long n = std::atol(argv[2]);
  const std::string domain = argc > 3 ? argv[3] : "localhost";
  std::string error;
  auto db = vapush::Database::open(argv[1], error);
  if (!db) {
    std::fprintf(stderr, "seed: %s\n", error.c_str());
    return 1;
  }
  vapush::OpenSslCrypto crypto;
  if (!db->begin().ok()) return 1;
  vapush::Statement& st = db->prepare(
      "INSERT INTO device(user, app, platform, token, node, secret_hash, resource, protocol, "
      "created, updated) VALUES (?,?,?,?,?,?,?,?,?,?)");
  for (long i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    st.reset()
        .bind(1, "bu" + id + "@" + domain)
        .bind(2, "ios")
        .bind(3, "apns")
        .bind(4, crypto.sha256Hex("token" + id))
        .bind(5, "bn" + id)
        .bind(6, crypto.sha256Hex("bs" + id))
        .bind(7, "phone")
        .bind(8, "manual")
        .bind(9, int64_t{1})
        .bind(10, int64_t{1})
        .step();
    if (!st.status("insert device").ok()) {
      std::fprintf(stderr, "seed: insert failed\n");
      return 1;
    }
  }
  if (!db->commit().ok()) return 1;
  std::printf("devices=%ld\n", n);
  return 0;
}
