//! The fetches and converters by name as Lua sees them: `txn.f:<name>(...)` and
//! `txn.c:<name>(...)` use the configuration name with `.`, `-` and `+` turned into `_`
//! (`req.hdr` → `req_hdr`, `set-var` → `set_var`), and runtime arguments converted to the
//! declared types.

use super::arg::{Arg, args_from_samples};
use super::conv::{ConvDef, all_converters};
use super::fetch::{FETCHES, FetchDef, FetchMode};
use super::source::SampleSource;
use super::value::Sample;

/// A configuration name as Lua spells it.
pub fn lua_name(name: &str) -> String {
    name.chars()
        .map(|c| if matches!(c, '.' | '-' | '+') { '_' } else { c })
        .collect()
}

/// The fetch Lua's `txn.f:<lua_name>` designates. Several configuration names can map to one
/// Lua name; the first in the table wins (as HAProxy registers them in order).
pub fn fetch_for_lua(lname: &str) -> Option<&'static FetchDef> {
    FETCHES.iter().find(|f| lua_name(f.name) == lname)
}

pub fn converter_for_lua(lname: &str) -> Option<&'static ConvDef> {
    all_converters().find(|c| lua_name(c.name) == lname)
}

/// Every `(lua name, fetch)` pair, for building the `Fetches` class's methods once.
pub fn lua_fetches() -> impl Iterator<Item = (String, &'static FetchDef)> {
    FETCHES.iter().map(|f| (lua_name(f.name), f))
}

pub fn lua_converters() -> impl Iterator<Item = (String, &'static ConvDef)> {
    all_converters().map(|c| (lua_name(c.name), c))
}

impl FetchDef {
    /// Converts Lua's arguments to this fetch's typed arguments (validation included).
    pub fn args_from_lua(&'static self, values: &[Sample]) -> Result<Vec<Arg>, String> {
        let mut args = args_from_samples(values, &self.args)?;
        if let Some(v) = self.validate {
            v(&mut args)?;
        }
        Ok(args)
    }

    /// Runs the fetch the way `txn.f` does: the single value, `None` on failure.
    pub fn call(&self, args: &[Arg], src: &mut dyn SampleSource) -> Option<Sample> {
        (self.run)(args, src, FetchMode::Single).pop()
    }
}

impl ConvDef {
    pub fn args_from_lua(&'static self, values: &[Sample]) -> Result<Vec<Arg>, String> {
        let mut args = args_from_samples(values, &self.args)?;
        if let Some(v) = self.validate {
            v(&mut args)?;
        }
        Ok(args)
    }

    /// Runs the converter the way `txn.c` does: the input cast to the declared input type
    /// first; `None` when the cast or the converter fails.
    pub fn call(&self, args: &[Arg], input: Sample, src: &mut dyn SampleSource) -> Option<Sample> {
        (self.run)(args, input.cast(self.input)?, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::testsrc::TestSource;

    #[test]
    fn lua_side() {
        assert_eq!(lua_name("req.hdr"), "req_hdr");
        assert_eq!(lua_name("set-var"), "set_var");
        let f = fetch_for_lua("req_hdr").unwrap();
        assert_eq!(f.name, "req.hdr");
        let mut src = TestSource::http("/", &[("Host", "a"), ("host", "b")]);
        let args = f
            .args_from_lua(&[Sample::str("host"), Sample::Sint(1)])
            .unwrap();
        assert_eq!(f.call(&args, &mut src), Some(Sample::str("a")));
        let c = converter_for_lua("upper").unwrap();
        assert_eq!(
            c.call(&[], Sample::str("ab"), &mut src),
            Some(Sample::str("AB"))
        );
        assert_eq!(
            c.call(&[], Sample::Sint(12), &mut src),
            Some(Sample::str("12"))
        );
        let v = converter_for_lua("set_var").unwrap();
        let args = v.args_from_lua(&[Sample::str("txn.x")]).unwrap();
        v.call(&args, Sample::Sint(3), &mut src);
        let var = fetch_for_lua("var").unwrap();
        let args = var.args_from_lua(&[Sample::str("txn.x")]).unwrap();
        assert_eq!(var.call(&args, &mut src), Some(Sample::Sint(3)));
        assert!(var.args_from_lua(&[Sample::str("x")]).is_err());
        assert!(lua_fetches().any(|(n, _)| n == "req_fhdr"));
        assert!(lua_converters().any(|(n, _)| n == "unset_var"));
    }

    /// Every fetch and converter, called with awkward arguments and inputs, returns a value
    /// or fails, never panics.
    #[test]
    fn hostile_calls_never_panic() {
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let arg_pool = [
            Sample::Sint(0),
            Sample::Sint(-1),
            Sample::Sint(i64::MIN),
            Sample::Sint(i64::MAX),
            Sample::Sint(4),
            Sample::str(""),
            Sample::str("txn.x"),
            Sample::str(":"),
            Sample::str("%Y%%%"),
            Sample::str("(a|)*"),
            Sample::str("\\x"),
            Sample::str("ms"),
            Sample::str("utf8ps"),
            Sample::str("g"),
        ];
        let mut inputs = vec![
            Sample::Sint(i64::MIN),
            Sample::Sint(-1),
            Sample::Bool(true),
            Sample::Ipv4("1.2.3.4".parse().unwrap()),
            Sample::Ipv6("::1".parse().unwrap()),
            Sample::str(""),
            Sample::str("a=b; c=d, =; $x"),
            Sample::Meth(crate::sample::Method::Get),
        ];
        for _ in 0..20 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            inputs.push(Sample::Bin(bytes::Bytes::from(bytes.clone())));
            inputs.push(Sample::Str(bytes::Bytes::from(bytes)));
        }
        let mut sources = [
            TestSource::default(),
            TestSource::http(
                "http://1.2.3.4:99999/%zz?a&=&b=;c",
                &[("Cookie", "=; ;a"), ("X", "1.2.3.4:0"), ("Host", "")],
            ),
            TestSource::http("*", &[]),
        ];
        sources[0].body = Some(bytes::Bytes::from_static(b"\x03\x00Cookie: ="));
        for round in 0..200 {
            let n = (next() % 4) as usize;
            let args: Vec<Sample> = (0..n)
                .map(|_| arg_pool[(next() % arg_pool.len() as u64) as usize].clone())
                .collect();
            for (_, f) in lua_fetches() {
                if let Ok(a) = f.args_from_lua(&args) {
                    let src = &mut sources[round % 3];
                    let _ = f.call(&a, src);
                    let _ = (f.run)(&a, src, FetchMode::All);
                }
            }
            for (_, c) in lua_converters() {
                if let Ok(a) = c.args_from_lua(&args) {
                    for input in &inputs {
                        let _ = c.call(&a, input.clone(), &mut sources[1]);
                    }
                }
            }
        }
    }
}
