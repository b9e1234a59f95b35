// SPDX-License-Identifier: Apache-2.0
// XEP-0004 data forms as plain values, independent of any XML library.
#pragma once

#include <string>
#include <vector>

namespace vapush {

struct FormOption {
  std::string label;
  std::string value;
};

struct FormField {
  std::string var;
  std::string type;  // XEP-0004 field type; empty = text-single
  std::string label;
  std::string desc;
  bool required = false;
  std::vector<std::string> values;
  std::vector<FormOption> options;
};

struct Form {
  std::string type;  // form | submit | result | cancel
  std::string title;
  std::string instructions;
  std::vector<FormField> fields;

  // FORM_TYPE hidden field value, or empty.
  std::string formType() const;
  const FormField* field(const std::string& var) const;
  // First value of `var`, or empty when the field is absent or has no value.
  std::string value(const std::string& var) const;
  bool has(const std::string& var) const { return field(var) != nullptr; }
  FormField& add(std::string var, std::string type, std::string label,
                 std::vector<std::string> values = {});
};

}  // namespace vapush
