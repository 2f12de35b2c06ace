//! halo: the proxy. Not started yet (see the proxy issue); this crate holds its place in the workspace.
