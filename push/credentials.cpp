// SPDX-License-Identifier: Apache-2.0
#include "push/credentials.h"

#include <fstream>
#include <sstream>

#include "push/fcm.h"
#include "push/jwt.h"

namespace vapush::push {
namespace {

std::optional<std::string> readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> keyProblem(const std::string& file, const std::string& pem, int type,
                                      const char* what) {
  std::string error;
  Pkey key = loadPrivateKey(pem, error);
  if (!key) return file + ": " + what + " does not parse: " + error;
  if (EVP_PKEY_base_id(key.get()) != type) {
    return file + ": " + what + " is not " + (type == EVP_PKEY_EC ? "an EC (ES256)" : "an RSA") +
           " key";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> credentialProblem(const AppConfig& app) {
  if (app.platform == Platform::Apns) {
    if (!app.key_file.empty()) {
      const auto pem = readAll(app.key_file);
      if (!pem) return app.key_file + ": cannot read the APNs key (.p8)";
      return keyProblem(app.key_file, *pem, EVP_PKEY_EC, "APNs key");
    }
    for (const std::string& f : {app.cert_file, app.cert_key_file}) {
      if (!f.empty() && !readAll(f)) return f + ": cannot read the APNs certificate or its key";
    }
    return std::nullopt;
  }
  const auto text = readAll(app.service_account_file);
  if (!text) return app.service_account_file + ": cannot read the FCM service account";
  std::string error;
  const auto sa = parseServiceAccount(*text, error);
  if (!sa) return app.service_account_file + ": " + error;
  if (sa->project_id.empty() && app.project_id.empty()) {
    return app.service_account_file + ": no project_id (in the file or the app's config)";
  }
  return keyProblem(app.service_account_file, sa->private_key, EVP_PKEY_RSA,
                    "the service account's private_key");
}

}  // namespace vapush::push
