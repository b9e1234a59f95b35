// SPDX-License-Identifier: Apache-2.0
// The localisation port (plugin/localizer.h) over ICU: catalogs are JSON objects of
// key -> ICU MessageFormat pattern, one file per language (packaging/i18n/<tag>.json,
// built into vapushd), which an operator's directory (config `i18n.directory`) extends
// with new languages or overrides key by key, without rebuilding. Plurals come from
// ICU's PluralRules through MessageFormat's `plural` argument.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin/config.h"
#include "plugin/localizer.h"

namespace vapush::push {

// One catalog's text: `name` says where it came from (a file path) for errors.
struct CatalogSource {
  std::string language;  // BCP 47 tag, e.g. "pt-BR" (the file name without .json)
  std::string json;
  std::string name;
};

// The catalogs built from packaging/i18n/ (generated at build time).
const std::vector<CatalogSource>& builtinCatalogs();

class IcuLocalizer final : public Localizer {
 public:
  ~IcuLocalizer() override;
  // The built-in catalogs, then the operator's directory over them. nullptr with `error`
  // (file, key and reason) when a file is not a JSON object of strings, names an unknown
  // key, holds a pattern ICU cannot parse, or a language lacks a key (an override of a
  // built-in language may name only the keys it changes); also when the default language
  // has no catalog.
  static std::unique_ptr<IcuLocalizer> load(const I18nConfig& config, std::string& error);
  // The same from explicit sources, in order (later ones override earlier ones).
  static std::unique_ptr<IcuLocalizer> fromSources(const std::vector<CatalogSource>& sources,
                                                   const std::string& default_language,
                                                   std::string& error);

  std::string text(std::string_view key, std::string_view language, int64_t count = 0,
                   const std::vector<std::string>& args = {}) const override;
  // The catalog language a device with `language` gets ("pt" -> "pt-BR", "xx" -> the
  // default), for logs and tests.
  std::string catalogFor(std::string_view language) const;
  std::vector<std::string> languages() const;

 private:
  struct Impl;  // ICU types stay in the .cpp
  IcuLocalizer();
  std::unique_ptr<Impl> impl_;
};

// Truncates `s` (UTF-8) to at most `max_bytes` on a grapheme cluster boundary (ICU
// BreakIterator), so no code point, combining mark (Arabic harakat, Hebrew niqqud) or
// emoji sequence is split.
std::string truncateGraphemes(const std::string& s, size_t max_bytes);

}  // namespace vapush::push
