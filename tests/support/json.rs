//! Reading what `--format json` printed.

use serde_json::Value;

/// A json array of strings, sorted.
#[track_caller]
pub fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect();
    out.sort();
    out
}

/// `lint`'s findings (`json["findings"]`, none when it is missing), each read by `each`.
pub fn findings<T>(json: &Value, each: impl Fn(&Value) -> T) -> Vec<T> {
    json["findings"]
        .as_array()
        .map(|v| v.iter().map(each).collect())
        .unwrap_or_default()
}

/// The string `v[key]`, empty when it is not a string.
pub fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// The number `v[key]`, 0 when it is not one.
pub fn number(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_default()
}
