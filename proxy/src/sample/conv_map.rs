//! The `map*` converters (map.c): `map_<method>[_<output>](file[,default])` looks the input
//! up in a map file with the method's matching (`str beg sub dir dom end reg int ip`; `map`
//! is `map_str`) and returns the value as a string, an integer (`_int`) or an address (`_ip`);
//! `map_regm` is `map_reg` with the value's `\1`... replaced by the groups of the match.
//!
//! The file is loaded when the converter is parsed (configuration; from Lua's `txn.c` only
//! files already loaded are served), through the process-wide `patfile` store, so
//! `core.set_map`/`del_map` change what every converter on that file sees. An entry without a value (added by `core.add_acl`)
//! yields the integer 1, as in HAProxy.

use std::sync::Arc;

use super::arg::{Arg, ArgSpec, ArgType};
use super::conv::ConvDef;
use super::patfile::{ExprKind, MapOut, PatExpr, PatStore};
use super::pattern::MatchMethod;
use super::source::SampleSource;
use super::value::{Sample, SampleType};

/// A map converter's loaded map: what its file argument becomes once validated.
#[derive(Clone, Debug)]
pub struct MapArg {
    /// The file name as written.
    pub name: String,
    pub expr: Arc<PatExpr>,
}

impl PartialEq for MapArg {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.expr, &other.expr)
    }
}

impl Eq for MapArg {}

/// The match methods, as const generic parameters of `validate`.
const STR: u8 = 0;
const BEG: u8 = 1;
const SUB: u8 = 2;
const DIR: u8 = 3;
const DOM: u8 = 4;
const END: u8 = 5;
const REG: u8 = 6;
const INT: u8 = 7;
const IP: u8 = 8;

/// The outputs, as const generic parameters.
const O_STR: u8 = 0;
const O_INT: u8 = 1;
const O_IP: u8 = 2;

fn method_of(m: u8) -> MatchMethod {
    match m {
        BEG => MatchMethod::Beg,
        SUB => MatchMethod::Sub,
        DIR => MatchMethod::Dir,
        DOM => MatchMethod::Dom,
        END => MatchMethod::End,
        REG => MatchMethod::Reg,
        INT => MatchMethod::Int,
        IP => MatchMethod::Ip,
        _ => MatchMethod::Str,
    }
}

fn out_of(o: u8) -> MapOut {
    match o {
        O_INT => MapOut::Int,
        O_IP => MapOut::Ip,
        _ => MapOut::Str,
    }
}

/// `sample_load_map`: loads the file (an absent name is the empty name, which fails to open
/// like in HAProxy), then parses an `_ip` converter's default as an address.
fn validate<const M: u8, const O: u8>(args: &mut [Arg]) -> Result<(), String> {
    let name = args
        .first()
        .map(|a| String::from_utf8_lossy(a.as_bytes()).into_owned())
        .unwrap_or_default();
    let out = out_of(O);
    let kind = ExprKind {
        method: method_of(M),
        ignore_case: false,
        out: Some(out),
    };
    // From Lua at run time (`txn.c:map(...)`) a file is never read: that would block the
    // worker. HAProxy refuses every map there; Halo serves the maps already loaded.
    use crate::lua::invocation::{ExecContext, current_context};
    let expr = if !matches!(current_context(), ExecContext::Body | ExecContext::Init) {
        PatStore::global().expr_loaded(&name, kind)?
    } else {
        PatStore::global().expr(&name, kind)?
    };
    if out == MapOut::Ip
        && let Some(def) = args.get_mut(1)
    {
        let text = def.as_bytes().to_vec();
        *def = match MapOut::Ip.parse(&text) {
            Some(Sample::Ipv4(a)) => Arg::Ipv4(a),
            Some(Sample::Ipv6(a)) => Arg::Ipv6(a),
            _ => {
                return Err(format!(
                    "map: cannot parse default ip <{}>.",
                    String::from_utf8_lossy(&text)
                ));
            }
        };
    }
    if let Some(first) = args.first_mut() {
        *first = Arg::Map(MapArg { name, expr });
    }
    Ok(())
}

/// `sample_conv_map`: the matching entry's value, else the default, else failure.
fn run(args: &[Arg], smp: Sample, _src: &mut dyn SampleSource) -> Option<Sample> {
    let Some(Arg::Map(map)) = args.first() else {
        return None;
    };
    match map.expr.lookup(smp) {
        Some(Some(v)) => Some(v),
        Some(None) => Some(Sample::Sint(1)),
        None => match args.get(1)? {
            Arg::Str(s) => Some(Sample::Str(s.clone())),
            Arg::Sint(i) => Some(Sample::Sint(*i)),
            Arg::Ipv4(a) => Some(Sample::Ipv4(*a)),
            Arg::Ipv6(a) => Some(Sample::Ipv6(*a)),
            _ => None,
        },
    }
}

/// `map_regm`: like `map_reg`, the value's `\1`... replaced by the matched groups.
fn run_regm(args: &[Arg], smp: Sample, _src: &mut dyn SampleSource) -> Option<Sample> {
    let Some(Arg::Map(map)) = args.first() else {
        return None;
    };
    let Sample::Str(s) = smp else {
        return None;
    };
    match map.expr.lookup_regm(&s) {
        Some(Some(Some(v))) => Some(Sample::Str(v)),
        Some(Some(None)) => None,
        Some(None) => Some(Sample::Sint(1)),
        None => match args.get(1)? {
            Arg::Str(d) => Some(Sample::Str(d.clone())),
            _ => None,
        },
    }
}

const STR_ARGS: ArgSpec = ArgSpec::new(0, &[ArgType::Str, ArgType::Str]);
const INT_ARGS: ArgSpec = ArgSpec::new(0, &[ArgType::Str, ArgType::Sint]);

macro_rules! map_conv {
    ($name:literal, $m:ident, $o:ident) => {
        ConvDef {
            name: $name,
            args: if $o == O_INT { INT_ARGS } else { STR_ARGS },
            validate: Some(validate::<$m, $o>),
            input: match $m {
                INT => SampleType::Sint,
                IP => SampleType::Addr,
                _ => SampleType::Str,
            },
            out: match $o {
                O_INT => SampleType::Sint,
                O_IP => SampleType::Addr,
                _ => SampleType::Str,
            },
            run,
        }
    };
}

/// Every map converter, as HAProxy 2.6 names them (`map_regm` has no `_int`/`_ip` forms) (`conv.rs` lists them in its table).
pub static MAP_CONVERTERS: [ConvDef; 29] = [
    map_conv!("map", STR, O_STR),
    map_conv!("map_str", STR, O_STR),
    map_conv!("map_beg", BEG, O_STR),
    map_conv!("map_sub", SUB, O_STR),
    map_conv!("map_dir", DIR, O_STR),
    map_conv!("map_dom", DOM, O_STR),
    map_conv!("map_end", END, O_STR),
    map_conv!("map_reg", REG, O_STR),
    ConvDef {
        run: run_regm,
        ..map_conv!("map_regm", REG, O_STR)
    },
    map_conv!("map_int", INT, O_STR),
    map_conv!("map_ip", IP, O_STR),
    map_conv!("map_str_int", STR, O_INT),
    map_conv!("map_beg_int", BEG, O_INT),
    map_conv!("map_sub_int", SUB, O_INT),
    map_conv!("map_dir_int", DIR, O_INT),
    map_conv!("map_dom_int", DOM, O_INT),
    map_conv!("map_end_int", END, O_INT),
    map_conv!("map_reg_int", REG, O_INT),
    map_conv!("map_int_int", INT, O_INT),
    map_conv!("map_ip_int", IP, O_INT),
    map_conv!("map_str_ip", STR, O_IP),
    map_conv!("map_beg_ip", BEG, O_IP),
    map_conv!("map_sub_ip", SUB, O_IP),
    map_conv!("map_dir_ip", DIR, O_IP),
    map_conv!("map_dom_ip", DOM, O_IP),
    map_conv!("map_end_ip", END, O_IP),
    map_conv!("map_reg_ip", REG, O_IP),
    map_conv!("map_int_ip", INT, O_IP),
    map_conv!("map_ip_ip", IP, O_IP),
];
