//! The CPU backend: a block's reference pipeline ([`Mapping::apply`]) with
//! the products of `product/` and the circuit solvers, each array read from
//! its own storage.

use super::{ArrayReads, Backend, BlockRead};
use crate::array::{Array, Op, ReadKey};
use crate::batch::Batch;
use crate::error::Result;
use crate::mapping::Mapping;

/// Reads run on the CPU.
#[derive(Debug, Clone, Copy)]
pub struct Cpu;

impl ArrayReads for Cpu {
    fn read(&self, a: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        a.read(op, x, key)
    }

    fn difference(&self, pos: &Array, neg: &Array, single: bool, op: Op, x: &Batch, _: &ReadKey) -> Result<Batch> {
        pos.difference_product(neg, single, op, x)
    }
}

impl Backend for Cpu {
    fn read_block(&self, block: &Mapping, read: BlockRead, y: &mut Batch, out0: usize) -> Result<()> {
        let part = block.apply(
            read.op,
            &read.inputs(),
            read.s_in,
            read.s_out,
            read.key,
            read.count,
            self,
        )?;
        y.add_into(out0, &part);
        Ok(())
    }
}
