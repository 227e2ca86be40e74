//! JSON plumbing of the parameter tree: applying a partial document onto a
//! full one (deep merge, paired sections kept in step, ADC model switches),
//! checking keys and integer ranges on the raw value so that messages name the
//! dotted path even for values the typed tree cannot hold (-3 for a `u32`),
//! decoding with paths, and writing CrossSim's 4-space layout.

use super::adc_json::model_keys;
use super::enums::AdcModel;
use super::tree::Params;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};

/// The paired sections (`_match`, `mvm`, `vmm`), as dotted paths.
pub(crate) const PAIRED: [&str; 3] = ["core.mapping.inputs", "xbar.adc", "xbar.dac"];

/// The ADC sections, whose allowed keys depend on their `model`.
pub(crate) const ADC_SECTIONS: [&str; 2] = ["xbar.adc.mvm", "xbar.adc.vmm"];

/// Largest value of a `u32` field.
const U32: u64 = u32::MAX as u64;
/// Largest value of a `usize` field.
const USIZE: u64 = usize::MAX as u64;

/// Integer fields: dotted path (`*` stands for `mvm` and `vmm`), least and
/// greatest allowed value. Checked on the JSON value, so a negative or
/// fractional number gets the same message as one that is too large.
const INT_FIELDS: [(&str, u64, u64); 15] = [
    ("core.rows_max", 0, USIZE),
    ("core.cols_max", 0, USIZE),
    ("core.weight_bits", 0, 52),
    ("core.bit_sliced.num_slices", 1, U32),
    ("simulation.convolution.x_par", 1, U32),
    ("simulation.convolution.y_par", 1, U32),
    ("simulation.convolution.Nwindows", 1, U32),
    ("simulation.analytics.ntest", 0, U32),
    ("simulation.gpu_id", 0, U32),
    ("simulation.Niters_max_parasitics", 0, U32),
    ("xbar.device.cell_bits", 0, 32),
    ("xbar.adc.*.bits", 0, 32),
    ("xbar.adc.*.group_size", 1, U32),
    ("xbar.dac.*.bits", 0, 32),
    ("xbar.dac.*.slice_size", 1, U32),
];

/// `parent.key`, or `key` at the root.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A path for messages: the dotted path, or `(root)` for the whole tree.
pub(crate) fn show(path: &str) -> &str {
    if path.is_empty() {
        "(root)"
    } else {
        path
    }
}

/// The value at a dotted path, if every step exists.
pub(crate) fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The value at a dotted path, mutably, if every step exists.
fn lookup_mut<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(v, |v, k| v.get_mut(k))
}

/// The parameters as a JSON value (enums as integers, as in `to_json`).
pub(crate) fn to_value(p: &Params) -> Result<Value> {
    serde_json::to_value(p).map_err(|e| Error::Internal(format!("parameters to JSON: {e}")))
}

/// `v` as CrossSim writes JSON: pretty-printed with a 4-space indent.
pub(crate) fn pretty<T: Serialize + ?Sized>(v: &T) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    // Writing into a Vec cannot fail and every map key is a string, so the
    // only possible error is unreachable; an empty string would be caught by
    // any reader.
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// Every circuit-ADC key of any model.
fn all_circuit_keys() -> impl Iterator<Item = &'static str> {
    AdcModel::ALL.iter().flat_map(|m| model_keys(*m).iter().copied())
}

/// True for a key that some ADC model has beyond the common ones.
pub(crate) fn is_circuit_key(key: &str) -> bool {
    all_circuit_keys().any(|k| k == key)
}

/// "path.key: unknown key (allowed: a, b, ...)"; for an ADC section the
/// model is named, since the allowed keys depend on it.
pub(crate) fn unknown_key<'a>(
    parent: &str,
    key: &str,
    allowed: impl Iterator<Item = &'a str>,
    model: Option<&str>,
) -> Error {
    let list: Vec<&str> = allowed.collect();
    let what = match model {
        Some(m) if is_circuit_key(key) => format!("unknown key for model \"{m}\""),
        _ => "unknown key".to_string(),
    };
    Error::params(format!("{}: {what} (allowed: {})", join(parent, key), list.join(", ")))
}

/// Deep-merges `patch` onto `base`: objects merge key by key, anything else
/// replaces; a null patch for an object keeps the object (CrossSim: `None`
/// means defaults). When a patch switches an ADC section's model, the circuit
/// keys of the old model that the new one lacks are dropped (unless the patch
/// gives them, which is then reported as unknown); the new model's keys keep
/// their defaults.
pub(crate) fn merge(base: &mut Value, patch: Value, path: &str) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            if ADC_SECTIONS.contains(&path) {
                drop_foreign_adc_keys(b, &p);
            }
            for (k, v) in p {
                let sub = join(path, &k);
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v, &sub),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Object(_), Value::Null) => {}
        (b, p) => *b = p,
    }
}

/// Removes from an ADC section the circuit keys the patch's new model lacks.
fn drop_foreign_adc_keys(base: &mut Map<String, Value>, patch: &Map<String, Value>) {
    let Some(model) = patch.get("model").and_then(Value::as_str).and_then(AdcModel::from_name) else {
        return;
    };
    let keep = model_keys(model);
    base.retain(|k, _| !is_circuit_key(k) || keep.contains(&k.as_str()) || patch.contains_key(k));
}

/// Keeps matched pairs in step in a patch: where a paired section's `_match`
/// is true (from the patch, else from `base`) and the patch gives only one of
/// `mvm` / `vmm`, the same values are given for the other. (CrossSim instead
/// rejects a file that gives only `mvm` with non-default values.)
pub(crate) fn mirror_pairs(patch: &mut Value, base: &Value) {
    for p in PAIRED {
        let base_match = lookup(base, p)
            .and_then(|s| s.get("_match"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let Some(Value::Object(sec)) = lookup_mut(patch, p) else {
            continue;
        };
        if !sec.get("_match").and_then(Value::as_bool).unwrap_or(base_match) {
            continue;
        }
        match (sec.get("mvm").cloned(), sec.get("vmm").cloned()) {
            (Some(m), None) => {
                sec.insert("vmm".into(), m);
            }
            (None, Some(v)) => {
                sec.insert("mvm".into(), v);
            }
            _ => {}
        }
    }
}

/// Checks that every key of `v` exists in `schema` (the full default tree)
/// and that sections are objects; an ADC section also allows the circuit keys
/// of its model.
pub(crate) fn check_keys(v: &Value, schema: &Value, path: &str) -> Result<()> {
    let Value::Object(s) = schema else { return Ok(()) };
    let Value::Object(o) = v else {
        return Err(Error::params(format!(
            "{}: expected an object (a section), got {v}",
            show(path)
        )));
    };
    let model = ADC_SECTIONS
        .contains(&path)
        .then(|| o.get("model").and_then(Value::as_str))
        .flatten();
    let extra: Vec<&str> = match model.map(AdcModel::from_name) {
        Some(Some(m)) => model_keys(m).to_vec(),
        // An unknown model name: leave its keys to the error on `model`.
        Some(None) => all_circuit_keys().collect(),
        None => Vec::new(),
    };
    for (k, sub) in o {
        match s.get(k) {
            Some(ss) => check_keys(sub, ss, &join(path, k))?,
            None if extra.contains(&k.as_str()) => {}
            None => {
                let allowed = s.keys().map(String::as_str).chain(extra.iter().copied());
                return Err(unknown_key(path, k, allowed, model));
            }
        }
    }
    Ok(())
}

/// The concrete paths of a pattern (`*` = `mvm` and `vmm`).
fn expand(pattern: &str) -> Vec<String> {
    if pattern.contains('*') {
        vec![pattern.replace('*', "mvm"), pattern.replace('*', "vmm")]
    } else {
        vec![pattern.to_string()]
    }
}

/// Value-level checks: integer fields are integers in range, and ADC
/// calibrated ranges have one of their accepted shapes.
pub(crate) fn check_values(v: &Value) -> Result<()> {
    for (pattern, lo, hi) in INT_FIELDS {
        for path in expand(pattern) {
            let Some(x) = lookup(v, &path) else { continue };
            if !x.as_u64().is_some_and(|n| (lo..=hi).contains(&n)) {
                return Err(Error::params(format!(
                    "{path}: expected an integer {lo}..={hi}, got {x}"
                )));
            }
        }
    }
    for path in expand("xbar.adc.*.calibrated_range") {
        let Some(x) = lookup(v, &path) else { continue };
        let is_nums = |a: &Vec<Value>| a.iter().all(Value::is_number);
        let ok = match x {
            Value::Null => true,
            Value::Array(a) => is_nums(a) || a.iter().all(|e| matches!(e, Value::Array(p) if is_nums(p))),
            _ => false,
        };
        if !ok {
            return Err(Error::params(format!(
                "{path}: expected [], [min, max] or a list of [min, max] pairs (one per weight slice), got {x}"
            )));
        }
    }
    Ok(())
}

/// The typed tree from a full JSON value; a type error names the dotted path.
pub(crate) fn decode(v: Value) -> Result<Params> {
    serde_path_to_error::deserialize(v).map_err(|e| Error::params(format!("{}: {}", e.path(), e.inner())))
}

/// Applies a partial document onto a full tree and returns the validated
/// result: mirrors matched pairs, merges, checks keys and integer ranges,
/// decodes and validates.
pub(crate) fn apply(mut base: Value, mut patch: Value) -> Result<Params> {
    mirror_pairs(&mut patch, &base);
    merge(&mut base, patch, "");
    check_keys(&base, &to_value(&Params::default())?, "")?;
    check_values(&base)?;
    let p = decode(base)?;
    p.validate()?;
    Ok(p)
}
