//! Keeps the parameter reference (`docs/parameters.md`) true: it must list
//! exactly the dotted parameter paths the code accepts, each once, with the
//! default the code has.
//!
//! The accepted paths are derived from the code, not written here: every leaf
//! of `Params::default().to_json()` (a list such as `calibrated_range` is one
//! leaf), plus the model-specific keys of the ADC sections, found by switching
//! `xbar.adc.mvm.model` to every ADC model and collecting the keys that appear.
//!
//! A documented parameter is a table row whose first cell is a code span with
//! the path; `{mvm,vmm}` in a path stands for both. The fourth cell starts
//! with the default as a JSON code span (enums by their integer or name, as
//! the JSON file writes them).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use xbar::params::AdcModel;
use xbar::Params;

const DOC: &str = "docs/parameters.md";

/// Every leaf below `v` as (dotted path, value).
fn leaves(v: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, sub) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(sub, &p, out);
            }
        }
        other => {
            out.insert(path.to_string(), other.clone());
        }
    }
}

/// The paths the code accepts, with their defaults; a model-specific ADC key
/// maps to the set of defaults it has across the models that have it.
fn accepted() -> BTreeMap<String, BTreeSet<String>> {
    let mut all: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |p: &Params| {
        let v: Value = serde_json::from_str(&p.to_json()).expect("to_json is JSON");
        let mut m = BTreeMap::new();
        leaves(&v, "", &mut m);
        for (k, v) in m {
            all.entry(k).or_default().insert(v.to_string());
        }
    };
    let base = Params::default();
    add(&base);
    for model in AdcModel::ALL {
        let mut p = base.clone();
        p.set_json("xbar.adc.mvm.model", &format!("\"{}\"", model.name()))
            .expect("every ADC model can be selected");
        // The model's own name is not a default of `model`.
        let mut v: Value = serde_json::from_str(&p.to_json()).unwrap();
        for op in ["mvm", "vmm"] {
            v["xbar"]["adc"][op]["model"] = serde_json::to_value(AdcModel::Ideal.name()).unwrap();
        }
        let mut m = BTreeMap::new();
        leaves(&v, "", &mut m);
        for (k, v) in m {
            all.entry(k).or_default().insert(v.to_string());
        }
    }
    all
}

/// The cells of a Markdown table row.
fn cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(str::trim).collect()
}

/// The first `code span` of a cell.
fn code(cell: &str) -> Option<&str> {
    let start = cell.find('`')? + 1;
    let len = cell[start..].find('`')?;
    Some(&cell[start..start + len])
}

/// A documented path with `{a,b}` expanded.
fn expand(path: &str) -> Vec<String> {
    match (path.find('{'), path.find('}')) {
        (Some(a), Some(b)) if a < b => path[a + 1..b]
            .split(',')
            .flat_map(|alt| expand(&format!("{}{}{}", &path[..a], alt.trim(), &path[b + 1..])))
            .collect(),
        _ => vec![path.to_string()],
    }
}

/// (path, default text, line number) of every documented parameter.
fn documented() -> Vec<(String, String, usize)> {
    let text = std::fs::read_to_string(DOC).expect("docs/parameters.md exists");
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let c = cells(line);
        if !line.trim_start().starts_with("| `") || c.len() < 4 {
            continue;
        }
        let path = code(c[0]).expect("a path cell is a code span");
        let default = code(c[3]).unwrap_or_else(|| panic!("{DOC}:{}: no `default` in the fourth cell", n + 1));
        for p in expand(path) {
            out.push((p, default.to_string(), n + 1));
        }
    }
    out
}

#[test]
fn reference_lists_exactly_the_accepted_parameters() {
    let code = accepted();
    let doc = documented();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for (path, _, line) in &doc {
        if !seen.insert(path.clone()) {
            problems.push(format!("{DOC}:{line}: {path} is listed twice"));
        }
        if !code.contains_key(path) {
            problems.push(format!("{DOC}:{line}: {path} is not a parameter the code accepts"));
        }
    }
    for path in code.keys() {
        if !seen.contains(path) {
            problems.push(format!("{DOC}: {path} is accepted by the code but not documented"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn reference_gives_the_defaults_of_the_code() {
    let code = accepted();
    let mut problems = Vec::new();
    for (path, default, line) in documented() {
        let Some(defaults) = code.get(&path) else { continue };
        let Ok(doc_value) = serde_json::from_str::<Value>(&default) else {
            problems.push(format!("{DOC}:{line}: {path}: default `{default}` is not JSON"));
            continue;
        };
        // Enums are written as integers; the reference may give the name instead.
        let mut p = Params::default();
        let by_name = p.set_json(&path, &default).is_ok()
            && p.get_json(&path).is_ok_and(|v| {
                let v: Value = serde_json::from_str(&v).unwrap();
                defaults.contains(&v.to_string())
            });
        if !defaults.contains(&doc_value.to_string()) && !by_name {
            problems.push(format!(
                "{DOC}:{line}: {path}: documented default {doc_value}, the code has {}",
                defaults.iter().cloned().collect::<Vec<_>>().join(" / ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Prints the accepted paths and defaults (`cargo test --test param_reference -- --ignored --nocapture`),
/// a starting point when a parameter is added.
#[test]
#[ignore]
fn print_accepted_parameters() {
    for (path, defaults) in accepted() {
        println!("{path} = {}", defaults.into_iter().collect::<Vec<_>>().join(" / "));
    }
}
