// Internal to db/pg: PostgreSQL array literals ('{"a","b",NULL}') for passing whole columns of a
// batch as one text parameter that the statement turns back into rows with unnest($n::text[]).
// Pure string code (no libpqxx), so it is unit-tested without a database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ruru::db::pg {

// Builds a one-dimensional array literal. Every text element is double-quoted, with '"' and '\'
// escaped by a backslash, so any bytes PostgreSQL accepts in a text value (commas, braces, spaces,
// quotes, the word NULL, the empty string) come back unchanged; nullopt/AddNull() is SQL NULL.
// The literal is then passed as a parameter (never spliced into SQL) and cast to the element type.
class ArrayLiteral {
 public:
  ArrayLiteral() { out_.push_back('{'); }

  void Add(std::string_view text);
  void AddOptional(const std::optional<std::string>& text);
  void AddNull();
  void AddInt(int64_t value);
  void AddBool(bool value);

  size_t size() const { return count_; }
  // The literal so far, closed: "{}" when empty. The builder stays usable.
  std::string Finish() const { return out_ + '}'; }

 private:
  void Separator();

  std::string out_;
  size_t count_ = 0;
};

// Appends `text` as one quoted array element (the escaping ArrayLiteral uses).
void AppendQuotedArrayElement(std::string& out, std::string_view text);

}  // namespace ruru::db::pg
