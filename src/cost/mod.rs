//! Energy, latency and area of a core's reads (docs/models.md, "Cost model").
//!
//! | file | what |
//! | --- | --- |
//! | `counts.rs` | the events of one block read, from its read plan, and the array term `Σ v²·g` |
//! | `circuit.rs` | with wires: the drivers' `Σ V·I` from the exact circuit solve |
//! | `meter.rs` | a core's tallies (last call, since programming) and cached conductance sums |
//! | `laws.rs` | converter energy (fixed, Walden, Schreier) and ADC time (fixed, SAR, flash, ramp) |
//! | `library.rs` | `xbar.cost` resolved against its library; the `"isaac-32nm"` figures |
//! | `report.rs` | energy and area by component; the JSON report |

pub mod circuit;
pub mod counts;
pub mod laws;
pub mod library;
pub mod meter;
pub mod report;

pub use counts::{BlockCount, Converter, Tally};
pub use library::Figures;
pub use meter::Meter;
pub use report::{Area, Energy};
