#pragma once
// CSV fields as RFC 4180 writes them: quoted only when they hold a comma, quote or line break.
#include <string>

namespace vit::train {

inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace vit::train
