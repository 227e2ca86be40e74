//! The CrossSim 2 lookup-table file format (spec update-models.md §A.3), read
//! and written.
//!
//! Plain text, comma separated, fields trimmed of white space (shipped files pad
//! with tabs and spaces after the commas), conductances in siemens:
//!
//! | line | content |
//! | --- | --- |
//! | 1 | a title (ignored) |
//! | 2 | the G grid, NG values, strictly increasing, > 0 |
//! | 3 | the CDF grid, NC values, strictly increasing from 0 to 1 |
//! | 4 … 3+NC | the ΔG matrix: row k ↔ `CDF[k]`, column j ↔ `G[j]` (NG values a row) |
//!
//! Blank lines among and after the matrix rows are skipped (shipped files
//! have one before the matrix); lines keep their numbers in errors. Errors are [`Error::Parse`]
//! naming the file and the 1-based line.

use crate::error::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The title written on line 1 (the one the shipped CrossSim files carry).
pub const TITLE: &str =
    "1st Row = Gbins, 2nd Row = CDF Points, 3rd row onward = dG matrix (rows= CDF, columns = Gbins)";

/// One lookup-table file: the response of one device to one pulse polarity.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFile {
    /// Conductance grid (S), NG values, strictly increasing.
    pub g: Vec<f64>,
    /// CDF grid, NC values, strictly increasing from 0 to 1.
    pub cdf: Vec<f64>,
    /// ΔG per pulse (S), NC × NG row-major: `dg[k * NG + j]` is the `CDF[k]`
    /// quantile of the change at `G[j]`.
    pub dg: Vec<f64>,
}

impl TableFile {
    /// NG, the number of conductance nodes.
    pub fn ng(&self) -> usize {
        self.g.len()
    }
    /// NC, the number of CDF nodes.
    pub fn nc(&self) -> usize {
        self.cdf.len()
    }
    /// ΔG at CDF row `k`, conductance column `j`.
    pub fn at(&self, k: usize, j: usize) -> f64 {
        self.dg[k * self.g.len() + j]
    }
}

fn parse_err(name: &str, line: usize, msg: impl std::fmt::Display) -> Error {
    Error::Parse(format!("{name}:{line}: {msg}"))
}

/// The comma-separated numbers of one line (a trailing comma is allowed).
fn numbers(name: &str, line: usize, text: &str) -> Result<Vec<f64>> {
    let mut fields: Vec<&str> = text.split(',').map(str::trim).collect();
    if fields.len() > 1 && fields.last() == Some(&"") {
        fields.pop();
    }
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let v: f64 = f
                .parse()
                .map_err(|_| parse_err(name, line, format!("field {} is not a number: {f:?}", i + 1)))?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(parse_err(
                    name,
                    line,
                    format!("field {} is {v} (values must be finite)", i + 1),
                ))
            }
        })
        .collect()
}

/// Checks that `v` is strictly increasing, naming the first offending field.
fn increasing(name: &str, line: usize, what: &str, v: &[f64]) -> Result<()> {
    if v.len() < 2 {
        return Err(parse_err(
            name,
            line,
            format!("the {what} grid needs at least 2 values, got {}", v.len()),
        ));
    }
    match v.windows(2).position(|p| p[1] <= p[0]) {
        Some(i) => Err(parse_err(
            name,
            line,
            format!(
                "the {what} grid is not strictly increasing: field {} ({}) after field {} ({})",
                i + 2,
                v[i + 1],
                i + 1,
                v[i]
            ),
        )),
        None => Ok(()),
    }
}

/// Parses the text of a table file; `name` (usually the path) names it in errors.
pub fn parse(text: &str, name: &str) -> Result<TableFile> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
    if end < 4 {
        return Err(parse_err(
            name,
            end.max(1),
            "a lookup table needs a title line, a G line, a CDF line and at least one matrix row",
        ));
    }
    let g = numbers(name, 2, lines[1])?;
    increasing(name, 2, "G", &g)?;
    if g[0] <= 0.0 {
        return Err(parse_err(
            name,
            2,
            format!("conductances must be > 0, field 1 is {}", g[0]),
        ));
    }
    let cdf = numbers(name, 3, lines[2])?;
    increasing(name, 3, "CDF", &cdf)?;
    let tol = 1e-9;
    if cdf[0].abs() > tol || (cdf[cdf.len() - 1] - 1.0).abs() > tol {
        return Err(parse_err(
            name,
            3,
            format!(
                "the CDF grid must run from 0 to 1, got {} … {}",
                cdf[0],
                cdf[cdf.len() - 1]
            ),
        ));
    }
    let (ng, nc) = (g.len(), cdf.len());
    let rows: Vec<(usize, &str)> = (3..end)
        .filter(|&i| !lines[i].trim().is_empty())
        .map(|i| (i + 1, lines[i]))
        .collect();
    if rows.len() != nc {
        let line = rows.get(nc).map_or(end, |r| r.0);
        return Err(parse_err(
            name,
            line,
            format!(
                "expected {nc} matrix rows (one per CDF value) after line 3, got {}",
                rows.len()
            ),
        ));
    }
    let mut dg = Vec::with_capacity(nc * ng);
    for (line, l) in rows {
        let row = numbers(name, line, l)?;
        if row.len() != ng {
            return Err(parse_err(
                name,
                line,
                format!("ragged row: {} values, the G grid has {ng}", row.len()),
            ));
        }
        dg.extend_from_slice(&row);
    }
    Ok(TableFile { g, cdf, dg })
}

/// Reads a table file ([`Error::Io`] if it cannot be read, [`Error::Parse`] if malformed).
pub fn read(path: &Path) -> Result<TableFile> {
    parse(&read_text(path)?, &path.display().to_string())
}

/// The text of a data file: [`Error::Io`] if it cannot be read,
/// [`Error::Parse`] if its content is not UTF-8 text (a malformed file, not a
/// failed read).
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Parse(format!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The file text of `t` (values printed with 17 significant digits: reading
/// it back gives the same numbers).
pub fn to_text(t: &TableFile) -> String {
    let mut s = String::with_capacity(24 * (t.dg.len() + t.g.len() + t.cdf.len()) + TITLE.len() + 8);
    s.push_str(TITLE);
    s.push('\n');
    let mut line = |v: &[f64]| {
        for (i, x) in v.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "{x:.16e}");
        }
        s.push('\n');
    };
    line(&t.g);
    line(&t.cdf);
    for row in t.dg.chunks(t.g.len().max(1)) {
        line(row);
    }
    s
}

/// Writes `t` to `path` in the CrossSim format.
pub fn write(path: &Path, t: &TableFile) -> Result<()> {
    std::fs::write(path, to_text(t)).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_fields_blank_lines_and_trailing_commas() {
        let text = "title, with, commas\n 1e-5,\t2e-5 ,\n0., 1.,\n\n-1e-7, -2e-7\n\n 3e-7 ,4e-7,\n\n";
        let t = parse(text, "t.txt").unwrap();
        assert_eq!(t.g, vec![1e-5, 2e-5]);
        assert_eq!(t.cdf, vec![0.0, 1.0]);
        assert_eq!(t.dg, vec![-1e-7, -2e-7, 3e-7, 4e-7]);
        assert_eq!(t.at(1, 0), 3e-7);
        let e = parse("t\n1e-5, 2e-5\n0, 1\n1, 2\n\n3\n", "t.txt").unwrap_err();
        assert_eq!(
            e,
            Error::Parse("t.txt:6: ragged row: 1 values, the G grid has 2".into())
        );
    }
}
