// SPDX-License-Identifier: Apache-2.0
// XEP-0004 data form helpers.
#include "plugin/form.h"

namespace vapush {

std::string Form::formType() const { return value("FORM_TYPE"); }

const FormField* Form::field(const std::string& var) const {
  for (const auto& f : fields) {
    if (f.var == var) return &f;
  }
  return nullptr;
}

std::string Form::value(const std::string& var) const {
  const FormField* f = field(var);
  if (f == nullptr || f->values.empty()) return {};
  return f->values.front();
}

FormField& Form::add(std::string var, std::string type, std::string label,
                     std::vector<std::string> values) {
  FormField f;
  f.var = std::move(var);
  f.type = std::move(type);
  f.label = std::move(label);
  f.values = std::move(values);
  fields.push_back(std::move(f));
  return fields.back();
}

}  // namespace vapush
