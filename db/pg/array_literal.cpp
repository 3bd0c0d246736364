#include "db/pg/array_literal.h"

namespace ruru::db::pg {

void AppendQuotedArrayElement(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    // Inside a quoted element only the quote and the backslash are special (array_in); whitespace,
    // commas and braces are kept as they are.
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void ArrayLiteral::Separator() {
  if (count_++ > 0) out_.push_back(',');
}

void ArrayLiteral::Add(std::string_view text) {
  Separator();
  AppendQuotedArrayElement(out_, text);
}

void ArrayLiteral::AddOptional(const std::optional<std::string>& text) {
  if (text) {
    Add(std::string_view(*text));
  } else {
    AddNull();
  }
}

void ArrayLiteral::AddNull() {
  Separator();
  out_ += "NULL";
}

void ArrayLiteral::AddInt(int64_t value) {
  Separator();
  out_ += std::to_string(value);
}

void ArrayLiteral::AddBool(bool value) {
  Separator();
  out_.push_back(value ? 't' : 'f');
}

}  // namespace ruru::db::pg
