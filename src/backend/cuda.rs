//! The CUDA GPU behind the [`Backend`] seam: an array's conductances are
//! kept on the device ([`Resident`]) and read there by `kernels/mvm.cu`.

use super::{Backend, Placed};
use crate::batch::Batch;
use crate::device::cells::ReadNoise;
use crate::error::Result;
use crate::gpu::select::GpuBackend;
use crate::gpu::Resident;
use crate::product::Op;
use crate::rng::NoiseStream;
use std::sync::Arc;

impl Placed for Resident {
    fn read(&self, op: Op, x: &Batch, noise: Option<&ReadNoise>, streams: NoiseStream) -> Result<Batch> {
        Resident::read(self, op, x, noise, streams)
    }

    fn replace(&self, g: &[f64], noise: Option<&ReadNoise>) -> Result<Arc<dyn Placed>> {
        Ok(Arc::new(self.reupload(g, noise)?))
    }
}

impl Backend for GpuBackend {
    fn place(&self, rows: usize, cols: usize, g: &[f64], noise: Option<&ReadNoise>) -> Result<Option<Arc<dyn Placed>>> {
        let r = Resident::upload(&self.gpu, self.precision, rows, cols, g, noise)?;
        Ok(Some(Arc::new(r)))
    }

    fn gpu(&self) -> Option<&crate::gpu::Gpu> {
        Some(&self.gpu)
    }
}
