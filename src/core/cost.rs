//! The cost report of a core's reads (energy, latency, area): accessors over
//! the counters the reads keep (`crate::cost`).

use super::Core;
use crate::error::Result;

impl Core {
    /// The cost report of the reads as JSON: `"last_call"` and
    /// `"since_program"` (energy by component in J, latency in s, event
    /// counts) and the area of the arrays and periphery in m² (see
    /// docs/models.md, "Cost model"). `Error::NotProgrammed` before `program`.
    pub fn cost_json(&self) -> Result<String> {
        self.require_programmed("cost_json")?;
        let m = &self.cost;
        Ok(crate::cost::report::json(
            &m.last,
            &m.total,
            &self.blocks,
            &m.figures,
            &self.params,
        ))
    }
    /// The tallies of the last read call and of every call since programming.
    pub fn cost_tallies(&self) -> (&crate::cost::Tally, &crate::cost::Tally) {
        (&self.cost.last, &self.cost.total)
    }
    /// The resolved figures of `xbar.cost`.
    pub fn cost_figures(&self) -> &crate::cost::Figures {
        &self.cost.figures
    }
    /// Energy (J) by component of the last read call and since programming.
    pub fn cost_energy(&self) -> (crate::cost::Energy, crate::cost::Energy) {
        let m = &self.cost;
        let e = |t| crate::cost::Energy::of(t, &m.figures, &self.params);
        (e(&m.last), e(&m.total))
    }
    /// Area (m²) by component of the programmed arrays and their periphery.
    pub fn cost_area(&self) -> crate::cost::Area {
        crate::cost::Area::of(&self.blocks, &self.cost.figures, &self.params)
    }
    /// Clears the cost counters (last call and since programming).
    pub fn reset_cost(&mut self) {
        self.cost.reset();
    }
}
