//! Dotted paths into the parameter tree (`"xbar.adc.mvm.bits"`): splitting,
//! navigating with messages that name the allowed keys, and turning a
//! path-and-value into a partial document.

use super::json::{self, ADC_SECTIONS};
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// The keys of a dotted path; the empty path is the whole tree.
pub(crate) fn split(path: &str) -> Result<Vec<&str>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(Error::params(format!("{path}: malformed path (empty key)")));
    }
    Ok(keys)
}

/// The section `obj` at `at` cannot hold `key`: the error lists its keys.
fn unknown(at: &str, key: &str, obj: &Map<String, Value>) -> Error {
    let model = ADC_SECTIONS
        .contains(&at)
        .then(|| obj.get("model").and_then(Value::as_str))
        .flatten();
    json::unknown_key(at, key, obj.keys().map(String::as_str), model)
}

/// The section at `at` is a value, so `key` cannot be below it.
fn not_a_section(at: &str, key: &str) -> Error {
    Error::params(format!("{}: {at} is a value, not a section", json::join(at, key)))
}

/// The value reached by following `keys` from `root`.
pub(crate) fn navigate<'a>(root: &'a Value, keys: &[&str]) -> Result<&'a Value> {
    let mut v = root;
    let mut at = String::new();
    for k in keys {
        v = match v {
            Value::Object(m) => m.get(*k).ok_or_else(|| unknown(&at, k, m))?,
            _ => return Err(not_a_section(&at, k)),
        };
        at = json::join(&at, k);
    }
    Ok(v)
}

/// Checks that `keys` names something that can be set in `root`: every key
/// but the last must exist, and the last must exist or be a circuit-ADC key
/// of an ADC section (whether the section's model has it is checked after
/// the value is applied, since the same set may switch the model).
pub(crate) fn check_settable(root: &Value, keys: &[&str]) -> Result<()> {
    let Some((last, parent)) = keys.split_last() else {
        return Ok(());
    };
    let at = parent.join(".");
    match navigate(root, parent)? {
        Value::Object(m) => {
            let ok = m.contains_key(*last) || (ADC_SECTIONS.contains(&at.as_str()) && json::is_circuit_key(last));
            if ok {
                Ok(())
            } else {
                Err(unknown(&at, last, m))
            }
        }
        _ => Err(not_a_section(&at, last)),
    }
}

/// A partial document holding `value` at `keys` (`value` itself for the root).
pub(crate) fn nest(keys: &[&str], value: Value) -> Value {
    keys.iter().rev().fold(value, |v, k| {
        let mut m = Map::new();
        m.insert((*k).to_string(), v);
        Value::Object(m)
    })
}
