// SPDX-License-Identifier: Apache-2.0
// ICU catalogs and formatting (see localizer_icu.h).
#include "push/localizer_icu.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/msgfmt.h>
#include <unicode/utext.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vapush::push {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return out;
}

bool knownKey(std::string_view key) {
  return std::find(std::begin(text_key::kAll), std::end(text_key::kAll), key) !=
         std::end(text_key::kAll);
}

// Catalog tags worth trying for `language`, best first: the tag and its truncations, then
// its likely script and region ("zh-CN" -> zh-Hans, "pt" -> pt-BR), then those of its
// language alone ("pt-PT" -> pt-BR).
std::vector<std::string> candidates(std::string_view language) {
  std::vector<std::string> out;
  auto add = [&out](std::string tag) {
    tag = lower(tag);
    if (!tag.empty() && std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
  };
  std::string tag = lower(language);
  while (!tag.empty()) {
    add(tag);
    const auto dash = tag.rfind('-');
    tag = dash == std::string::npos ? std::string() : tag.substr(0, dash);
  }
  auto likely = [&add](const std::string& t) {
    UErrorCode status = U_ZERO_ERROR;
    icu::Locale loc = icu::Locale::forLanguageTag(t, status);
    if (U_FAILURE(status) || loc.isBogus()) return;
    loc.addLikelySubtags(status);
    if (U_FAILURE(status)) return;
    const std::string lang = loc.getLanguage();
    if (lang.empty()) return;
    if (*loc.getScript()) add(lang + "-" + loc.getScript());
    if (*loc.getCountry()) add(lang + "-" + loc.getCountry());
    add(lang);
  };
  if (!language.empty()) {
    likely(std::string(language));
    const std::string l = lower(language);
    likely(l.substr(0, l.find('-')));
  }
  return out;
}

}  // namespace

struct IcuLocalizer::Impl {
  struct Entry {
    std::string pattern;
    std::unique_ptr<icu::MessageFormat> format;
  };
  struct Catalog {
    std::string tag;  // as the file names it, e.g. "pt-BR"
    std::map<std::string, Entry, std::less<>> entries;
  };
  std::map<std::string, Catalog> catalogs;  // by lower-case tag
  std::string default_language;
  std::mutex mutex;  // one formatter is not used by two threads at once

  const Catalog* find(std::string_view language, std::string_view key) const {
    for (const std::string_view lang : {language, std::string_view(default_language)}) {
      for (const std::string& c : candidates(lang)) {
        const auto it = catalogs.find(c);
        if (it != catalogs.end() && it->second.entries.count(key)) return &it->second;
      }
    }
    const auto en = catalogs.find("en");
    if (en != catalogs.end() && en->second.entries.count(key)) return &en->second;
    return nullptr;
  }

  // Adds one source's keys; false with `error` on a problem.
  bool add(const CatalogSource& src, std::string& error) {
    const auto fail = [&](const std::string& why) {
      error = src.name + ": " + why;
      return false;
    };
    UErrorCode status = U_ZERO_ERROR;
    const icu::Locale locale = icu::Locale::forLanguageTag(src.language, status);
    if (U_FAILURE(status) || locale.isBogus() || src.language.empty()) {
      return fail("'" + src.language + "' is not a BCP 47 language tag");
    }
    const nlohmann::json j = nlohmann::json::parse(src.json, nullptr, false);
    if (!j.is_object()) return fail("not a JSON object (expected {\"key\": \"pattern\", ...})");
    Catalog& catalog = catalogs[lower(src.language)];
    if (catalog.tag.empty()) catalog.tag = src.language;
    for (const auto& [key, value] : j.items()) {
      if (!knownKey(key)) return fail("unknown key '" + key + "'");
      if (!value.is_string()) return fail("key '" + key + "': expected a string");
      Entry e;
      e.pattern = value.get<std::string>();
      UParseError parse{};
      status = U_ZERO_ERROR;
      e.format = std::make_unique<icu::MessageFormat>(icu::UnicodeString::fromUTF8(e.pattern),
                                                      locale, parse, status);
      if (U_FAILURE(status)) {
        return fail("key '" + key + "': invalid ICU MessageFormat pattern at offset " +
                    std::to_string(parse.offset) + " (" + u_errorName(status) + ")");
      }
      catalog.entries[key] = std::move(e);
    }
    return true;
  }
};

IcuLocalizer::IcuLocalizer() : impl_(std::make_unique<Impl>()) {}
IcuLocalizer::~IcuLocalizer() = default;

std::unique_ptr<IcuLocalizer> IcuLocalizer::fromSources(const std::vector<CatalogSource>& sources,
                                                        const std::string& default_language,
                                                        std::string& error) {
  std::unique_ptr<IcuLocalizer> l(new IcuLocalizer());
  l->impl_->default_language = default_language;
  for (const CatalogSource& src : sources) {
    if (!l->impl_->add(src, error)) return nullptr;
  }
  for (const auto& [tag, catalog] : l->impl_->catalogs) {
    for (const std::string_view key : text_key::kAll) {
      if (!catalog.entries.count(key)) {
        error = "catalog '" + catalog.tag + "' lacks key '" + std::string(key) + "'";
        return nullptr;
      }
    }
  }
  bool has_default = false;
  for (const std::string& c : candidates(default_language)) {
    has_default = has_default || l->impl_->catalogs.count(c) > 0;
  }
  if (!has_default) {
    error = "defaults.language '" + default_language + "' has no catalog";
    return nullptr;
  }
  return l;
}

std::unique_ptr<IcuLocalizer> IcuLocalizer::load(const I18nConfig& config, std::string& error) {
  // Built-in first; an operator's file for a built-in language overrides key by key (the
  // completeness check runs on the merged catalogs), a new language must be complete.
  std::vector<CatalogSource> sources = builtinCatalogs();
  if (!config.directory.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(config.directory, ec)) {
      error = config.directory + ": i18n.directory is not a readable directory";
      return nullptr;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(config.directory, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f);
      if (!in) {
        error = f.string() + ": cannot read";
        return nullptr;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      sources.push_back({f.stem().string(), ss.str(), f.string()});
    }
  }
  return fromSources(sources, config.default_language, error);
}

std::string IcuLocalizer::text(std::string_view key, std::string_view language, int64_t count,
                               const std::vector<std::string>& args) const {
  const Impl::Catalog* catalog = impl_->find(language, key);
  if (catalog == nullptr) return std::string(key);
  const Impl::Entry& e = catalog->entries.find(key)->second;
  std::vector<icu::UnicodeString> names{icu::UnicodeString("count")};
  std::vector<icu::Formattable> values{icu::Formattable(static_cast<int64_t>(count))};
  for (size_t i = 0; i < args.size(); ++i) {
    names.push_back(icu::UnicodeString::fromUTF8(std::to_string(i)));
    values.emplace_back(icu::UnicodeString::fromUTF8(args[i]));
  }
  icu::UnicodeString out;
  UErrorCode status = U_ZERO_ERROR;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    e.format->format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  }
  if (U_FAILURE(status)) return e.pattern;
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

std::string IcuLocalizer::catalogFor(std::string_view language) const {
  const Impl::Catalog* c = impl_->find(language, text_key::kNewMessagesBody);
  return c == nullptr ? std::string() : c->tag;
}

std::vector<std::string> IcuLocalizer::languages() const {
  std::vector<std::string> out;
  for (const auto& [tag, catalog] : impl_->catalogs) out.push_back(catalog.tag);
  return out;
}

std::string truncateGraphemes(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  // The code point boundary at or before max_bytes first (ICU pins a mid-sequence offset
  // to its sequence's start and would then look before that).
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  UErrorCode status = U_ZERO_ERROR;
  UText* text = utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &status);
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_SUCCESS(status)) it->setText(text, status);
  if (U_SUCCESS(status)) {
    // UTF-8 UText: boundaries are byte offsets. The last grapheme boundary <= cut.
    const auto at = static_cast<int32_t>(cut);
    if (!it->isBoundary(at)) {
      const int32_t b = it->preceding(at);
      cut = b == icu::BreakIterator::DONE ? 0 : static_cast<size_t>(b);
    }
  }
  utext_close(text);
  return s.substr(0, cut);  // on failure: the code point boundary
}

}  // namespace vapush::push
