//! HAProxy's sample machinery: typed values and casts, fetches, converters, expressions, the
//! source trait the engine implements, ACLs and conditions, and log formats.

pub mod acl;
pub mod arg;
pub mod catalogue;
pub mod conv;
pub mod conv_hash;
pub mod conv_map;
pub mod conv_text;
pub mod conv_time;
pub mod expr;
pub mod fetch;
pub mod fetch_http;
pub mod fetch_internal;
pub mod logformat;
pub mod patfile;
pub mod pattern;
pub mod placement;
pub mod source;
#[cfg(test)]
pub(crate) mod testsrc;
pub mod value;
pub mod vars;

pub use acl::{AclSet, Cond};
pub use expr::SampleExpr;
pub use logformat::LogFormat;
pub use source::{Dir, LuaSamples, SampleSource};
pub use value::{Method, Sample, SampleType};
pub use vars::{VarName, VarScope, Vars};
