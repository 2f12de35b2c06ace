//! HAProxy 2.6's answer to an unknown rule action: every action keyword it knows for that rule
//! set, in its registration order (`action_build_list`: suffix keywords shown as `name(*)`, the
//! scripts' `lua.<name>` actions last), and its "Did you mean" suggestion (`action_suggest`).
//! Halo lists HAProxy's keywords, not only its own, so `-c` output is HAProxy's byte for byte;
//! a listed keyword Halo lacks gets its own "not supported by Halo yet" error instead.

use crate::config::best_action_match;

/// `'a', 'b(*)', 'lua.x'`.
pub fn list(keywords: &[&str], lua: &[String]) -> String {
    keywords
        .iter()
        .map(|k| format!("'{k}'"))
        .chain(lua.iter().map(|n| format!("'{n}'")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `" Did you mean 'x' maybe ?"`, or nothing when no candidate is close enough. Candidates
/// are the registered keywords (suffix ones by their prefix, with a larger tolerance), the Lua
/// actions, then the words a rule parser knows without registering them (`extras`).
pub fn did_you_mean(act: &str, keywords: &[&str], lua: &[String], extras: &[&str]) -> String {
    let cands = keywords
        .iter()
        .map(|k| match k.strip_suffix("(*)") {
            Some(p) => (p, true),
            None => (*k, false),
        })
        .chain(lua.iter().map(|n| (n.as_str(), false)))
        .chain(extras.iter().map(|e| (*e, false)));
    match best_action_match(act, cands) {
        Some(best) => format!(" Did you mean '{best}' maybe ?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_as_haproxy_makes_them() {
        // Recorded from haproxy 2.6 `-c`.
        let kws = ["set-header", "set-mark", "track-sc(*)", "set-var(*)"];
        let lua = vec!["lua.tag".to_string()];
        let s = |w| did_you_mean(w, &kws, &lua, &[]);
        assert_eq!(s("set-heade"), " Did you mean 'set-header' maybe ?");
        assert_eq!(s("set-mar"), " Did you mean 'set-mark' maybe ?");
        assert_eq!(s("trac-sc0"), " Did you mean 'track-sc' maybe ?");
        assert_eq!(s("luatag"), " Did you mean 'lua.tag' maybe ?");
        assert_eq!(s("x"), "");
        assert_eq!(
            did_you_mean("acept", &["ot-group"], &[], &["accept", "reject"]),
            " Did you mean 'accept' maybe ?"
        );
        assert_eq!(list(&kws[..2], &lua), "'set-header', 'set-mark', 'lua.tag'");
    }
}
