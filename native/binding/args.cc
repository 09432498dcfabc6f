#include "args.h"

#include <cmath>
#include <sstream>


namespace descent_binding {

namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

// "a Float32Array", "an Int32Array", "a Uint32Array".
std::string with_article(const char* name) {
  const char c = name[0];
  const bool vowel = c == 'A' || c == 'E' || c == 'I' || c == 'O';
  return std::string(vowel ? "an " : "a ") + name;
}

}  // namespace

std::string number_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

namespace {

bool is_detached(const Napi::TypedArray& array) {
  bool detached = false;
  napi_value buffer = array.ArrayBuffer();
  return napi_is_detached_arraybuffer(array.Env(), buffer, &detached) == napi_ok && detached;
}

template <typename T>
T typed_arg(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
            napi_typedarray_type want, std::size_t need, const std::string& why, bool allow_null, bool exact) {
  if (allow_null && (v.IsNull() || v.IsUndefined())) return T{nullptr, 0};
  const std::string want_name = with_article(typed_array_name(want));
  std::string size_text = exact ? "of exactly " : "of at least ";
  size_text += std::to_string(need) + " elements";
  if (!why.empty()) size_text += " (" + why + ")";
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want) {
    fail_type(env, where,
              name + " must be " + want_name + (need > 0 ? " " + size_text : "") +
                  (allow_null ? " or null" : "") + ", received " + describe(v));
  }
  Napi::TypedArray array = v.As<Napi::TypedArray>();
  if (is_detached(array)) fail_type(env, where, name + " must be " + want_name + ", received one whose buffer is detached");
  const std::size_t length = array.ElementLength();
  if (exact ? length != need : length < need) {
    fail_range(env, where, name + " must be " + want_name + " " + size_text + ", received " + describe(v));
  }
  using Element = typename std::remove_pointer<decltype(T{}.data)>::type;
  return T{v.As<Napi::TypedArrayOf<Element>>().Data(), length};
}

}  // namespace

std::string describe(const Napi::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsUndefined()) return "undefined";
  if (value.IsNumber()) return number_text(value.As<Napi::Number>().DoubleValue());
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return "the string \"" + text + "\"";
  }
  if (value.IsTypedArray()) {
    Napi::TypedArray array = value.As<Napi::TypedArray>();
    return std::string(typed_array_name(array.TypedArrayType())) + " of length " +
           std::to_string(array.ElementLength());
  }
  if (value.IsArray()) return "an array of length " + std::to_string(value.As<Napi::Array>().Length());
  if (value.IsFunction()) return "a function";
  if (value.IsBigInt()) return "a bigint";
  if (value.IsSymbol()) return "a symbol";
  return "an object";
}

void fail(const Napi::Env& env, const std::string& where, const std::string& message) {
  throw Napi::Error::New(env, where + ": " + message);
}

void fail_range(const Napi::Env& env, const std::string& where, const std::string& message) {
  throw Napi::RangeError::New(env, where + ": " + message);
}

void fail_type(const Napi::Env& env, const std::string& where, const std::string& message) {
  throw Napi::TypeError::New(env, where + ": " + message);
}

FloatArg float_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why, bool allow_null) {
  return typed_arg<FloatArg>(env, where, name, v, napi_float32_array, need, why, allow_null, false);
}

FloatArg float_array_exact(const Napi::Env& env, const std::string& where, const std::string& name,
                           const Napi::Value& v, std::size_t need, const std::string& why) {
  return typed_arg<FloatArg>(env, where, name, v, napi_float32_array, need, why, false, true);
}

Int32Arg int32_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why, bool allow_null) {
  return typed_arg<Int32Arg>(env, where, name, v, napi_int32_array, need, why, allow_null, false);
}

Uint8Arg uint8_array(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::size_t need, const std::string& why) {
  return typed_arg<Uint8Arg>(env, where, name, v, napi_uint8_array, need, why, false, false);
}

Uint32Arg uint32_array(const Napi::Env& env, const std::string& where, const std::string& name,
                       const Napi::Value& v) {
  return typed_arg<Uint32Arg>(env, where, name, v, napi_uint32_array, 0, "", false, false);
}

std::int64_t integer(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v,
                     std::int64_t min, std::int64_t max) {
  const std::string expected =
      name + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], received ";
  if (!v.IsNumber()) fail_type(env, where, expected + describe(v));
  const double value = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || std::floor(value) != value || value < static_cast<double>(min) ||
      value > static_cast<double>(max)) {
    fail_range(env, where, expected + describe(v));
  }
  return static_cast<std::int64_t>(value);
}

double finite(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v) {
  if (!v.IsNumber()) fail_type(env, where, name + " must be a finite number, received " + describe(v));
  const double value = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value)) fail_range(env, where, name + " must be a finite number, received " + describe(v));
  return value;
}

bool boolean(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v) {
  if (!v.IsBoolean()) fail_type(env, where, name + " must be a boolean, received " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

Napi::Object object(const Napi::Env& env, const std::string& where, const std::string& name, const Napi::Value& v) {
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) {
    fail_type(env, where, name + " must be an object, received " + describe(v));
  }
  return v.As<Napi::Object>();
}

void check_labels(const Napi::Env& env, const std::string& where, const std::string& name, const std::int32_t* labels,
                  std::size_t count, int outputs) {
  const int classes = outputs == 1 ? 2 : outputs;
  for (std::size_t i = 0; i < count; i++) {
    if (labels[i] < 0 || labels[i] >= classes) {
      fail_range(env, where,
                 name + "[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                     " is out of range: labels must be class indices in [0, " + std::to_string(classes) + ")" +
                     (outputs == 1 ? " (0 or 1 for a single output unit)" : ""));
    }
  }
}

bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
  if (a == nullptr || b == nullptr || a_bytes == 0 || b_bytes == 0) return false;
  const auto x = reinterpret_cast<std::uintptr_t>(a);
  const auto y = reinterpret_cast<std::uintptr_t>(b);
  return x < y + b_bytes && y < x + a_bytes;
}

std::string rows_text(const char* a, std::int64_t x, const char* b, std::int64_t y) {
  return std::string(a) + " * " + b + " = " + std::to_string(x) + " * " + std::to_string(y);
}

}  // namespace descent_binding
