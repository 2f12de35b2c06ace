//! `core.tokenize(str, separators[, noblank])`: the pieces of `str` between any of the
//! separator bytes, as a list; with `noblank`, empty pieces are dropped. HAProxy's loop
//! exactly: both strings are C strings (they stop at a NUL), the end of the string closes the
//! last piece (so "" gives `{""}`), and a third argument must be a boolean when present (a
//! fourth one turns the check and the option off). Allowed in every context.

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use super::cstr::c_str;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// The pieces, as HAProxy's `hlua_tokenize` cuts them.
pub fn tokenize<'a>(s: &'a [u8], seps: &[u8], noblank: bool) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=s.len() {
        if i == s.len() || seps.contains(&s[i]) {
            if !noblank || i > start {
                out.push(&s[start..i]);
            }
            start = i + 1;
        }
    }
    out
}

pub fn core_tokenize<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let seps = check_string(ctx, &stack, 1)?;
    let noblank = if stack.len() == 3 {
        match stack.get(2) {
            Value::Boolean(b) => b,
            _ => return Err(Error::bad_arg(3, "boolean expected")),
        }
    } else {
        false
    };
    let list = Table::new(ctx.mc);
    for (i, piece) in tokenize(c_str(s.as_bytes()), c_str(seps.as_bytes()), noblank)
        .into_iter()
        .enumerate()
    {
        list.set_int(ctx.mc, i as i64 + 1, Value::String(ctx.bytes(piece)));
    }
    stack.replace(&[Value::Table(list)]);
    Ok(Action::Return)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, seps: &str, nb: bool) -> Vec<String> {
        tokenize(s.as_bytes(), seps.as_bytes(), nb)
            .into_iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }

    // Checked against haproxy 2.6.
    #[test]
    fn pieces() {
        assert_eq!(
            t(
                "This function is useful, for tokenizing an entry.",
                "., ",
                true
            ),
            [
                "This",
                "function",
                "is",
                "useful",
                "for",
                "tokenizing",
                "an",
                "entry"
            ]
        );
        assert_eq!(t("a,,b,", ",", false), ["a", "", "b", ""]);
        assert_eq!(t("", ",", false), [""]);
        assert!(t("", ",", true).is_empty());
        assert_eq!(t("abc", "", false), ["abc"]);
    }
}
