//! The HAProxy configuration: tokenizing, sections and keywords, the typed model.

mod line;

pub use line::{ConfigError, Line, Loc};
