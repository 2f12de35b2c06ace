//! What the loaded Lua scripts registered, by name and shape: the `core.register_*` calls made
//! while `lua-load` files run. Rule compilation checks `lua.<name>` references against it (as
//! HAProxy does, which runs `lua-load` while it parses the configuration); the functions
//! themselves stay inside the Lua states.

use std::collections::{HashMap, HashSet};

/// The rule sets an action may be registered for (`core.register_action`'s second argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    TcpReq,
    TcpRes,
    HttpReq,
    HttpRes,
    HttpAfterRes,
}

impl ActionKind {
    /// The name scripts use: `tcp-req`, `tcp-res`, `http-req`, `http-res`, `http-after-res`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "tcp-req" => ActionKind::TcpReq,
            "tcp-res" => ActionKind::TcpRes,
            "http-req" => ActionKind::HttpReq,
            "http-res" => ActionKind::HttpRes,
            "http-after-res" => ActionKind::HttpAfterRes,
            _ => return None,
        })
    }
}

/// A registered action: where it may be used and how many arguments its rule line passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInfo {
    pub kinds: Vec<ActionKind>,
    pub nb_args: usize,
}

/// `core.register_service`'s mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceMode {
    Tcp,
    Http,
}

#[derive(Clone, Debug, Default)]
pub struct LuaNames {
    pub actions: HashMap<String, ActionInfo>,
    /// Action names in registration order (HAProxy lists them so in its messages).
    pub action_order: Vec<String>,
    pub services: HashMap<String, ServiceMode>,
    pub fetches: HashSet<String>,
    pub converters: HashSet<String>,
}
