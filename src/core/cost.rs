//! The cost report of a core's reads (energy, latency, area): accessors over
//! the counters the reads keep (`crate::cost`).

use super::Core;
use crate::array::Op;
use crate::batch::Batch;
use crate::cost::{BlockCount, Tally};
use crate::error::Result;
use crate::mapping::Mapping;

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

    /// What an MVM of `x` (`batch × cols`, row-major) adds to the counters,
    /// computed without reading the arrays (input scaling, DAC and counting
    /// only) and not recorded; with `count` false, the input scaling and DAC
    /// alone (an empty tally). For timing the counting (benches/cost.rs): the
    /// difference of the two is what counting adds to a read.
    #[doc(hidden)]
    pub fn cost_replay(&mut self, x: &[f64], batch: usize, count: bool) -> Result<Tally> {
        self.require_real("cost_replay")?;
        self.require_programmed("cost_replay")?;
        super::check_data("x", x, batch * self.cols, "batch x cols")?;
        let xb = Batch::from_vec(self.cols, batch, x.to_vec());
        let s_in = self.input_scales(Op::Mvm, xb.view());
        let ncb = self.tiling.col_blocks.len();
        let stamp = self.counters.arrays_state();
        let row_blocks = &self.tiling.row_blocks;
        self.cost.prepare(
            &self.blocks,
            stamp,
            |i| row_blocks[i / ncb].1,
            |b: &Mapping, rows: usize| self.backend.line_sums(b, rows),
            Op::Mvm,
        )?;
        let mut tally = Tally::default();
        for (ri, &(_, nr)) in self.tiling.row_blocks.iter().enumerate() {
            for (ci, &(c0, nc)) in self.tiling.col_blocks.iter().enumerate() {
                let i = ri * ncb + ci;
                let block = &self.blocks[i];
                let xd = block.dac_outputs(Op::Mvm, &xb.sub(c0, nc), &s_in);
                if !count {
                    std::hint::black_box(&xd);
                    continue;
                }
                BlockCount {
                    params: &self.params,
                    figures: &self.cost.figures,
                    line_sums: self.cost.sums(i, Op::Mvm),
                    nets: self.cost.nets(i, Op::Mvm),
                    tally: &mut tally,
                }
                .count(block, Op::Mvm, &xd, nr)?;
            }
        }
        if count {
            tally.finish_call(batch, self.cost.figures.arrays_concurrent);
        }
        Ok(tally)
    }
}
