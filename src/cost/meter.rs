//! A core's cost state: the figures of its parameters, the tallies of its
//! last read call and of every call since it was programmed, and the
//! conductance sums of every block's input lines (computed once per
//! conductance state, not per read).

use super::circuit::{networks, Net};
use super::counts::Tally;
use super::library::Figures;
use crate::array::Op;
use crate::error::Result;
use crate::mapping::Mapping;
use crate::params::Params;

/// The conductance state the cached sums belong to: the core's program,
/// update and time-change call counts.
pub type Stamp = (u64, u64, u64);

/// Cost counters of one core.
#[derive(Debug, Clone)]
pub struct Meter {
    pub figures: Figures,
    /// The last read call (an `mvm`/`vmm` batch larger than one call's random
    /// streams is several calls; see `Core::apply`).
    pub last: Tally,
    /// Every read call since the core was last programmed (or reset).
    pub total: Tally,
    /// Per block, and the conductance state they belong to.
    blocks: Option<(Stamp, Vec<BlockState>)>,
}

/// What a block's counting keeps per conductance state.
#[derive(Debug, Clone)]
struct BlockState {
    /// `[MVM, VMM]` input-line conductance sums.
    sums: [Vec<f64>; 2],
    /// `[MVM, VMM]` factorised networks when wires are modelled (built at
    /// the first read of that operation; `Some(None)`: ideal wires).
    nets: [Option<Option<Vec<Net>>>; 2],
}

fn index(op: Op) -> usize {
    match op {
        Op::Mvm => 0,
        Op::Vmm => 1,
    }
}

impl Meter {
    /// An empty meter with the figures of `params.xbar.cost`.
    pub fn new(params: &Params) -> Meter {
        Meter {
            figures: Figures::resolve(&params.xbar.cost),
            last: Tally::default(),
            total: Tally::default(),
            blocks: None,
        }
    }

    /// Clears both tallies (the sums stay valid).
    pub fn reset(&mut self) {
        self.last = Tally::default();
        self.total = Tally::default();
    }

    /// Makes the conductance sums, and the networks of `op`, current for
    /// `blocks` in state `stamp`; `rows(i)` is block i's matrix rows, and
    /// `sums(block, rows)` its input lines' conductance sums
    /// ([`super::counts::line_sums`], where the backend keeps the arrays).
    pub fn prepare(
        &mut self,
        blocks: &[Mapping],
        stamp: Stamp,
        rows: impl Fn(usize) -> usize,
        sums: impl Fn(&Mapping, usize) -> Result<[Vec<f64>; 2]>,
        op: Op,
    ) -> Result<()> {
        if !self
            .blocks
            .as_ref()
            .is_some_and(|(s, v)| *s == stamp && v.len() == blocks.len())
        {
            let v = blocks
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    Ok(BlockState {
                        sums: sums(b, rows(i))?,
                        nets: [None, None],
                    })
                })
                .collect::<Result<_>>()?;
            self.blocks = Some((stamp, v));
        }
        let states = &mut self.blocks.as_mut().expect("set above").1;
        for (b, st) in blocks.iter().zip(states.iter_mut()) {
            let k = index(op);
            if st.nets[k].is_none() {
                st.nets[k] = Some(networks(b, op, st.sums[k].len())?);
            }
        }
        Ok(())
    }

    fn state(&self, i: usize) -> &BlockState {
        &self
            .blocks
            .as_ref()
            .expect("Meter::prepare runs before a counted read")
            .1[i]
    }

    /// Block `i`'s input-line conductance sums for `op` (after [`Meter::prepare`]).
    pub fn sums(&self, i: usize, op: Op) -> &[f64] {
        &self.state(i).sums[index(op)]
    }

    /// Block `i`'s factorised networks for `op`, when wires are modelled.
    pub fn nets(&self, i: usize, op: Op) -> Option<&[Net]> {
        self.state(i).nets[index(op)].as_ref().and_then(|n| n.as_deref())
    }

    /// Records a finished call.
    pub fn record(&mut self, call: Tally) {
        self.total.add(&call);
        self.last = call;
    }
}
