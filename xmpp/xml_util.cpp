// SPDX-License-Identifier: Apache-2.0
// gloox::Tag helpers: forms, namespaces, error replies.
#include "xmpp/xml_util.h"

#include "plugin/text.h"

namespace vapush::xmpp {

std::string namespaceOf(const gloox::Tag* tag) {
  for (const gloox::Tag* t = tag; t != nullptr; t = t->parent()) {
    const std::string& ns = t->findAttribute("xmlns");
    if (!ns.empty()) return ns;
  }
  return {};
}

gloox::Tag* child(const gloox::Tag* parent, const std::string& name, const std::string& ns) {
  if (parent == nullptr) return nullptr;
  for (gloox::Tag* c : parent->children()) {
    if (c->name() == name && namespaceOf(c) == ns) return c;
  }
  return nullptr;
}

bool validUtf8(const std::string& s) { return isValidUtf8(s); }

std::optional<Form> parseForm(const gloox::Tag* x, std::string& error) {
  if (x == nullptr || x->name() != "x" || namespaceOf(x) != kNsData) {
    error = "expected a jabber:x:data form";
    return std::nullopt;
  }
  Form form;
  form.type = x->findAttribute("type");
  if (form.type != "form" && form.type != "submit" && form.type != "result" &&
      form.type != "cancel") {
    error = "data form has invalid type '" + form.type + "'";
    return std::nullopt;
  }
  for (const gloox::Tag* f : x->children()) {
    if (f->name() == "title") form.title = f->cdata();
    if (f->name() == "instructions") form.instructions = f->cdata();
    if (f->name() != "field") continue;
    FormField field;
    field.var = f->findAttribute("var");
    field.type = f->findAttribute("type");
    field.label = f->findAttribute("label");
    if (field.var.empty() && field.type != "fixed") {
      error = "data form field without var";
      return std::nullopt;
    }
    for (const gloox::Tag* v : f->children()) {
      if (v->name() == "value") field.values.push_back(v->cdata());
      if (v->name() == "required") field.required = true;
    }
    for (const auto& v : field.values) {
      if (!validUtf8(v)) {
        error = "field '" + field.var + "' is not valid UTF-8";
        return std::nullopt;
      }
    }
    form.fields.push_back(std::move(field));
  }
  return form;
}

gloox::Tag* formToTag(const Form& form) {
  auto* x = new gloox::Tag("x");
  x->setXmlns(kNsData);
  x->addAttribute("type", form.type.empty() ? "form" : form.type);
  if (!form.title.empty()) new gloox::Tag(x, "title", form.title);
  if (!form.instructions.empty()) new gloox::Tag(x, "instructions", form.instructions);
  for (const auto& f : form.fields) {
    auto* field = new gloox::Tag(x, "field");
    if (!f.var.empty()) field->addAttribute("var", f.var);
    if (!f.type.empty()) field->addAttribute("type", f.type);
    if (!f.label.empty()) field->addAttribute("label", f.label);
    if (!f.desc.empty()) new gloox::Tag(field, "desc", f.desc);
    if (f.required) new gloox::Tag(field, "required");
    // XEP-0004 §9 schema order: desc?, required?, value*, option*.
    for (const auto& v : f.values) new gloox::Tag(field, "value", v);
    for (const auto& o : f.options) {
      auto* opt = new gloox::Tag(field, "option");
      if (!o.label.empty()) opt->addAttribute("label", o.label);
      new gloox::Tag(opt, "value", o.value);
    }
  }
  return x;
}

namespace {
gloox::Tag* replySkeleton(const gloox::Tag* request, const char* type) {
  auto* reply = new gloox::Tag(request->name());
  reply->addAttribute("type", type);
  const std::string& id = request->findAttribute("id");
  if (!id.empty()) reply->addAttribute("id", id);
  reply->addAttribute("to", request->findAttribute("from"));
  const std::string& to = request->findAttribute("to");
  if (!to.empty()) reply->addAttribute("from", to);
  return reply;
}
}  // namespace

gloox::Tag* errorReply(const gloox::Tag* request, const StanzaError& e) {
  gloox::Tag* reply = replySkeleton(request, "error");
  auto* error = new gloox::Tag(reply, "error");
  error->addAttribute("type", e.type);
  auto* cond = new gloox::Tag(error, e.condition);
  cond->setXmlns(kNsStanzas);
  if (!e.text.empty()) {
    auto* text = new gloox::Tag(error, "text", e.text);
    text->setXmlns(kNsStanzas);
  }
  if (!e.app_condition.empty()) {
    auto* app = new gloox::Tag(error, e.app_condition);
    app->setXmlns(e.app_condition_ns);
  }
  return reply;
}

gloox::Tag* resultReply(const gloox::Tag* request, gloox::Tag* payload) {
  gloox::Tag* reply = replySkeleton(request, "result");
  if (payload != nullptr) reply->addChild(payload);
  return reply;
}

}  // namespace vapush::xmpp
