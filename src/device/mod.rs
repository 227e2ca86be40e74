//! Conductance-level physics of one cell population.

pub mod conductance;
