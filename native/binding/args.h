// Argument checks for the addon's functions. Every check names the function
// and the argument, says what was expected and what was received, and
// throws a JS Error (a Napi::Error, with C++ exceptions enabled) before any
// memory is touched.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace descent_binding {

// "Float32Array of length 3", "null", "a string \"abc\"", "12.5", ...
std::string describe(const Napi::Value& value);

// Throws a JS Error with message "<where>: <message>".
[[noreturn]] void fail(const Napi::Env& env, const std::string& where, const std::string& message);
// Same as fail, as a RangeError / TypeError.
[[noreturn]] void fail_range(const Napi::Env& env, const std::string& where, const std::string& message);
[[noreturn]] void fail_type(const Napi::Env& env, const std::string& where, const std::string& message);

// A float typed array argument and its length. Null when allow_null and the
// value is null or undefined. Fails when the value is not a Float32Array, is
// detached, or holds fewer than `need` elements (`why` says what the size
// means, e.g. "batch * outputs = 3 * 7").
struct FloatArg {
  float* data;
  std::size_t length;
};
FloatArg float_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why, bool allow_null = false);
// Exactly `need` elements.
FloatArg float_array_exact(const Napi::Env& env, const std::string& where, const std::string& name,
                           const Napi::Value& v, std::size_t need, const std::string& why);

struct Int32Arg {
  std::int32_t* data;
  std::size_t length;
};
Int32Arg int32_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why, bool allow_null = false);

struct Uint8Arg {
  std::uint8_t* data;
  std::size_t length;
};
Uint8Arg uint8_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why);

struct Uint32Arg {
  std::uint32_t* data;
  std::size_t length;
};
Uint32Arg uint32_array(const Napi::Env& env, const std::string& where, const std::string& name,
                       const Napi::Value& v);

// An integer in [min, max].
std::int64_t integer(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::int64_t min, std::int64_t max);
// A finite number.
double finite(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v);
bool boolean(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v);
Napi::Object object(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v);

// The number as text ("NaN", "12.5", "1e+300").
std::string number_text(double value);

// Every label a class index for `outputs` output units: [0, outputs), or
// 0/1 for a single unit. Names the first offender.
void check_labels(const Napi::Env& env, const std::string& where, const std::string& name, const std::int32_t* labels,
                  std::size_t count, int outputs);

// The most rows a dataset or a predict call may have (an order holds uint32 row indices).
constexpr std::int64_t kMaxRows = 4294967295LL;

// "n * inputs = 3 * 7": how a required length is made, for messages.
std::string rows_text(const char* a, std::int64_t x, const char* b, std::int64_t y);

// Whether two float ranges share memory.
bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes);

}  // namespace descent_binding
