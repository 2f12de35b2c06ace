//! Shared pieces of the fuzz targets (the targets themselves are in `fuzz_targets/`).

pub mod sandbox;
pub mod split;
