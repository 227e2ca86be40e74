//! Time since programming: the drifted state of the programmed devices and
//! the global drift compensation.

use super::Core;
use crate::device::cells::{Cells, Draws};
use crate::error::{Error, Result};
use crate::mapping::Mapping;
use crate::params::DeviceModel;

impl Core {
    /// Moves the programmed arrays to their state `seconds` after programming,
    /// as the enabled drift model describes it (SONOS counts in days, PCMLike
    /// in seconds); without a drift model the arrays do not change. Each call
    /// starts again from the programmed state: the same devices (the same
    /// programming draws) seen at another time. With
    /// `xbar.device.drift_compensation`, later outputs are scaled by
    /// `β₀/β_t` from reference reads at programming and now.
    pub fn set_time(&mut self, seconds: f64) -> Result<()> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(Error::InvalidArgument(format!(
                "set_time: seconds must be finite and >= 0, got {seconds}"
            )));
        }
        self.require_programmed("set_time")?;
        let d = &self.params.xbar.device;
        if !d.drift_error.enable {
            return Ok(());
        }
        let time = match d.drift_error.model {
            DeviceModel::Sonos => seconds / 86400.0,
            _ => seconds,
        };
        let cells = Cells::new(d, time)?;
        let mut next = self.clone();
        next.cells = cells;
        next.time = time;
        next.counters.time_calls += 1;
        if self.updated {
            next.matrix = self.read_phys()?;
            next.weight_limits = next.weight_limits(&next.matrix);
            next.updated = false;
        }
        next.blocks = next.program_blocks(&next.matrix, next.weight_limits, self.counters.program_calls)?;
        next.drift_factor = 1.0;
        if next.params.xbar.device.drift_compensation {
            next.drift_factor = next.drift_reference / next.reference_read()?;
        }
        *self = next;
        Ok(())
    }

    /// Writes later updates through the measured lookup tables `model`
    /// (replacing the update model of the parameters); each cell is assigned
    /// one of the model's tables from the core's seed.
    pub fn set_lookup_table(&mut self, model: std::sync::Arc<crate::device::update::lookup_table::LookupTableModel>) {
        let gmin = self.params.xbar.device.gmin_norm();
        self.update_model = std::sync::Arc::new(model.bind(gmin, self.seed));
    }

    /// aihwkit's PCM pair mode (`xbar.device.pcm_pair = "aihwkit"`): the
    /// freshly programmed `blocks` hold their target conductances, and every
    /// balanced pair is drifted as one net conductance
    /// ([`Cells::drift_net_pair`]) with the draws of write `program_call`.
    /// Nothing happens in the physical mode.
    pub(super) fn drift_net_pairs(&self, blocks: &mut [Mapping], program_call: u64) -> Result<()> {
        if !self.cells.drifts_net_pairs() {
            return Ok(());
        }
        let draws = Draws {
            seed: self.seed,
            program_call,
            time_call: self.counters.time_calls,
        };
        for block in blocks.iter_mut() {
            let Mapping::Balanced(b) = block else {
                return Err(Error::Internal(
                    "xbar.device.pcm_pair = \"aihwkit\" on a block that is not a balanced pair".into(),
                ));
            };
            let pair = &mut b.pair;
            let mut gp = pair.pos.g.as_f64().into_owned();
            let mut gn = pair.neg.g.as_f64().into_owned();
            self.cells
                .drift_net_pair(&mut gp, &mut gn, (pair.pos.id, pair.neg.id), &draws);
            for (a, g) in [(&mut pair.pos, gp), (&mut pair.neg, gn)] {
                a.g.assign(&g);
                if a.noise.is_some() {
                    a.noise = self.cells.read_noise(&a.g);
                }
                a.refresh()?;
            }
            block.refresh()?;
        }
        Ok(())
    }

    /// Time since programming in the drift model's unit (days for SONOS, seconds otherwise).
    pub fn time(&self) -> f64 {
        self.time
    }
}
