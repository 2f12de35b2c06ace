//! One physical configuration line -> words, exactly like HAProxy 2.6's `parse_line()` as
//! `readcfgfile()` calls it (comments, backslash escapes, single and double quotes, `"${VAR}"`
//! expansion with `${VAR-default}` and `${VAR[*]}` word splitting).
//!
//! What HAProxy does, and so what this does:
//! - words are separated by unquoted whitespace; leading whitespace is skipped;
//! - an unquoted `#` ends the line (even inside a word: `a#b` is the word `a`);
//! - outside single quotes a backslash escapes ` `, `\`, `#`, `'`, `"`, gives `\t` `\n` `\r`
//!   and `\xHH`; `\$` only inside double quotes; any other `\c` stays as both characters;
//! - environment variables are expanded only inside double quotes (`$NAME`, `${NAME}`,
//!   `${NAME-default}`, `${NAME[*]}` which splits the value into words on whitespace);
//! - a trailing empty word (`foo ""`) is dropped, as HAProxy's argument counting does;
//! - there is no line continuation: a final `\` is a word of its own.

/// HAProxy's `MAX_LINE_ARGS`: words beyond this are an error.
pub const MAX_LINE_ARGS: usize = 64;

/// Why a line could not be split; positions are byte offsets in the raw line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// An opening quote without its closing one (`pos` is the opening quote).
    UnmatchedQuote { pos: usize },
    /// `${` without `}` (`pos` is the brace).
    UnmatchedBrace { pos: usize },
    /// `\x` not followed by two hexadecimal digits (`pos` is the backslash).
    BadHex { pos: usize },
    /// `$` inside double quotes not followed by a letter, `_` or `.` (`pos` is that character).
    BadVarName { pos: usize },
    /// `${NAME[` not followed by `*]` (`pos` is the `[`).
    BadWordExpansion { pos: usize },
    /// More than [`MAX_LINE_ARGS`] words; `word` is the last one kept, `offset` its 1-based
    /// position in HAProxy's output buffer (the words joined with NUL bytes).
    TooManyWords { word: String, offset: usize },
}

impl TokenError {
    /// HAProxy's message (what follows `parsing [file:line]: `), including the excerpt of the
    /// line with a caret under the error for the position-carrying errors.
    pub fn message(&self, raw: &[u8]) -> String {
        let (what, pos) = match self {
            TokenError::UnmatchedQuote { pos } => ("unmatched quote", *pos),
            TokenError::UnmatchedBrace { pos } => {
                ("unmatched brace in environment variable name", *pos)
            }
            TokenError::BadHex { pos } => ("truncated or invalid hexadecimal sequence", *pos),
            TokenError::BadVarName { pos } => {
                ("forbidden first char in environment variable name", *pos)
            }
            TokenError::BadWordExpansion { pos } => {
                ("truncated or invalid word expansion sequence", *pos)
            }
            TokenError::TooManyWords { word, offset } => {
                return format!(
                    "too many words, truncating after word {MAX_LINE_ARGS}, position {offset}: <{word}>."
                );
            }
        };
        format!("{what} at position {}:{}", pos + 1, excerpt(raw, pos))
    }
}

/// The two lines HAProxy prints under a positioned error: the line from its first non-blank
/// character, sanitized to 80 columns, and a caret under byte `pos` of `raw`.
pub fn excerpt(raw: &[u8], pos: usize) -> String {
    let pos = pos.min(raw.len());
    let start = raw
        .iter()
        .position(|b| !is_space(*b))
        .unwrap_or(raw.len())
        .min(pos);
    let (shown, newpos) = sanitize_for_printing(&raw[start..], pos - start, 80);
    format!(
        "\n  {shown}\n  {caret:>width$}",
        caret = "^",
        width = newpos + 1
    )
}

/// HAProxy's `sanitize_for_printing()`: non-printable bytes become `?`, blanks become spaces,
/// and a line longer than `width` is cut around `pos` with `...` marks. Returns the text and
/// the new position of `pos` in it.
fn sanitize_for_printing(line: &[u8], pos: usize, width: usize) -> (String, usize) {
    let mut out = String::new();
    let push = |out: &mut String, bytes: &[u8]| {
        for &b in bytes {
            out.push(if is_space(b) {
                ' '
            } else if b.is_ascii_graphic() {
                b as char
            } else {
                '?'
            });
        }
    };
    if pos < width {
        push(&mut out, &line[..line.len().min(width)]);
        return (out, pos);
    }
    // Put <pos> in the middle of the window, with `...` on both sides.
    let shift = pos - width / 2;
    let from = (shift + 3).min(line.len());
    let to = (from + width - 6).min(line.len());
    out.push_str("...");
    push(&mut out, &line[from..to]);
    out.push_str("...");
    (out, pos - shift)
}

/// C's `isspace` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Splits one raw line (without its final newline) into words. `env` looks up an environment
/// variable (the caller's view, which `setenv` and friends change as the file is read).
pub fn tokenize(
    raw: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, TokenError> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut squote: Option<usize> = None;
    let mut dquote: Option<usize> = None;
    let mut i = 0;
    let n = raw.len();
    let at = |k: usize| raw.get(k).copied().unwrap_or(0);

    while i < n && is_space(raw[i]) {
        i += 1;
    }
    // `cur` is always the word being built; words are pushed when a separator is seen.
    while i < n {
        let c = raw[i];
        if c == b'#' && squote.is_none() && dquote.is_none() {
            break;
        }
        if c == b'"' && squote.is_none() {
            dquote = if dquote.is_some() { None } else { Some(i) };
            i += 1;
        } else if c == b'\'' && dquote.is_none() {
            squote = if squote.is_some() { None } else { Some(i) };
            i += 1;
        } else if c == b'\\' && squote.is_none() {
            let next = at(i + 1);
            let (byte, used) = match next {
                b' ' | b'\\' => (next, 2),
                b't' => (b'\t', 2),
                b'n' => (b'\n', 2),
                b'r' => (b'\r', 2),
                b'#' | b'\'' | b'"' => (next, 2),
                b'$' if dquote.is_some() => (b'$', 2),
                b'x' => {
                    let (h, l) = (at(i + 2), at(i + 3));
                    if !h.is_ascii_hexdigit() || !l.is_ascii_hexdigit() {
                        return Err(TokenError::BadHex { pos: i });
                    }
                    (hex(h) * 16 + hex(l), 4)
                }
                _ => (b'\\', 1),
            };
            cur.push(byte);
            i += used;
        } else if is_space(c) && squote.is_none() && dquote.is_none() {
            while i < n && is_space(raw[i]) {
                i += 1;
            }
            words.push(std::mem::take(&mut cur));
        } else if c == b'$' && dquote.is_some() {
            i += 1;
            let brace = if at(i) == b'{' {
                i += 1;
                Some(i - 1)
            } else {
                None
            };
            let first = at(i);
            if !first.is_ascii_alphabetic() && first != b'_' && first != b'.' {
                return Err(TokenError::BadVarName { pos: i });
            }
            let name_start = i;
            if first == b'.' {
                i += 1;
            }
            while i < n && (raw[i].is_ascii_alphanumeric() || raw[i] == b'_') {
                i += 1;
            }
            let name = String::from_utf8_lossy(&raw[name_start..i]).into_owned();
            let mut value: Option<Vec<u8>> = env(&name).map(String::into_bytes);
            let mut word_expand = false;
            if let Some(brace_pos) = brace {
                if at(i) == b'[' {
                    let open = i;
                    if at(i + 1) != b'*' || at(i + 2) != b']' {
                        return Err(TokenError::BadWordExpansion { pos: open });
                    }
                    word_expand = true;
                    i += 3;
                }
                if at(i) == b'-' {
                    let dflt_start = i + 1;
                    while i < n && raw[i] != b'}' {
                        i += 1;
                    }
                    if i >= n {
                        return Err(TokenError::UnmatchedBrace { pos: brace_pos });
                    }
                    if value.is_none() {
                        value = Some(raw[dflt_start..i].to_vec());
                    }
                } else if at(i) != b'}' || i >= n {
                    return Err(TokenError::UnmatchedBrace { pos: brace_pos });
                }
                i += 1; // the closing brace
            }
            if let Some(value) = value {
                let mut k = 0;
                while k < value.len() {
                    if word_expand && is_space(value[k]) {
                        words.push(std::mem::take(&mut cur));
                        while k < value.len() && is_space(value[k]) {
                            k += 1;
                        }
                    } else {
                        cur.push(value[k]);
                        k += 1;
                    }
                }
            }
        } else {
            cur.push(c);
            i += 1;
        }
    }
    if let Some(pos) = squote.or(dquote) {
        return Err(TokenError::UnmatchedQuote { pos });
    }
    // HAProxy does not count an empty word that ends the line (trailing blanks, `""`).
    if !cur.is_empty() {
        words.push(cur);
    }
    if words.len() > MAX_LINE_ARGS {
        let offset = words[..MAX_LINE_ARGS - 1]
            .iter()
            .map(|w| w.len() + 1)
            .sum::<usize>()
            + 1;
        return Err(TokenError::TooManyWords {
            word: String::from_utf8_lossy(&words[MAX_LINE_ARGS - 1]).into_owned(),
            offset,
        });
    }
    Ok(words
        .into_iter()
        .map(|w| String::from_utf8_lossy(&w).into_owned())
        .collect())
}

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("a b  c".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn words(line: &str) -> Vec<String> {
        tokenize(line.as_bytes(), &env).unwrap()
    }

    fn err(line: &str) -> String {
        tokenize(line.as_bytes(), &env)
            .unwrap_err()
            .message(line.as_bytes())
    }

    #[test]
    fn expansion_only_in_double_quotes() {
        assert_eq!(words(r#"x "[${FOO}]""#), ["x", "[a b  c]"]);
        assert_eq!(words(r#"x [${FOO}]"#), ["x", "[${FOO}]"]);
        assert_eq!(words(r#"x '[${FOO}]'"#), ["x", "[${FOO}]"]);
        assert_eq!(words(r#"x "[$FOO]""#), ["x", "[a b  c]"]);
        assert_eq!(words(r#"x "[$FOO.x]""#), ["x", "[a b  c.x]"]);
        assert_eq!(words(r#"x "[${NOPE-def val}]""#), ["x", "[def val]"]);
        assert_eq!(words(r#"x "[${FOO-def val}]""#), ["x", "[a b  c]"]);
        assert_eq!(words(r#"x "[${FOO[*]}]""#), ["x", "[a", "b", "c]"]);
        assert_eq!(words(r#"x "[${NOPE}]""#), ["x", "[]"]);
    }

    #[test]
    fn escapes_quotes_comments() {
        assert_eq!(words(r#"x [a#b]"#), ["x", "[a"]);
        assert_eq!(words(r#"x "[a\x41\tb\"\$x]""#), ["x", "[aA\tb\"$x]"]);
        assert_eq!(words(r#"x [a\ b\#\'\"\$\q]"#), ["x", "[a b#'\"\\$\\q]"]);
        assert_eq!(words(r#"x "[a"'b'"c]""#), ["x", "[abc]"]);
        assert_eq!(words(r#"x [tail] \"#), ["x", "[tail]", "\\"]);
        assert_eq!(words("   # only a comment"), Vec::<String>::new());
        assert_eq!(words("x \"\""), ["x"]);
        assert_eq!(words("x \"\" y"), ["x", "", "y"]);
        assert_eq!(words("x \"${EMPTY}\"   "), ["x", ""]);
        assert_eq!(words("\tx\ty  \r"), ["x", "y"]);
    }

    #[test]
    fn errors_match_haproxy() {
        assert_eq!(
            err(r#"    errorfile 400 "[$]""#),
            "forbidden first char in environment variable name at position 22:\n  errorfile 400 \"[$]\"\n                   ^"
        );
        assert_eq!(
            err(r#"    errorfile 400 "abc"#),
            "unmatched quote at position 19:\n  errorfile 400 \"abc\n                ^"
        );
        assert_eq!(
            err(r#"    errorfile 400 "${FOO""#),
            "unmatched brace in environment variable name at position 21:\n  errorfile 400 \"${FOO\"\n                  ^"
        );
        assert_eq!(
            err(r#"    errorfile 400 "${FOO[x]}""#),
            "truncated or invalid word expansion sequence at position 25:\n  errorfile 400 \"${FOO[x]}\"\n                      ^"
        );
        assert_eq!(
            err(r#"    errorfile 400 "a\x4g""#),
            "truncated or invalid hexadecimal sequence at position 21:\n  errorfile 400 \"a\\x4g\"\n                  ^"
        );
        assert_eq!(
            err("\terrorfile 400 \"aaa\tbb"),
            "unmatched quote at position 16:\n  errorfile 400 \"aaa bb\n                ^"
        );
        let many: Vec<String> = (1..=66).map(|i| format!("a{i}")).collect();
        assert_eq!(
            err(&format!("    {}", many.join(" "))),
            "too many words, truncating after word 64, position 244: <a64>."
        );
    }

    #[test]
    fn long_lines_are_cut_like_haproxy() {
        let a74 = "a".repeat(74);
        let a61 = "a".repeat(61);
        let line = format!("    errorfile 400 \"{a74}${{{a61}");
        assert_eq!(
            err(&line),
            format!(
                "unmatched brace in environment variable name at position 95:\n  ...{}${{{}...\n  {:>41}",
                "a".repeat(36),
                "a".repeat(36),
                "^"
            )
        );
        let a117 = "a".repeat(117);
        let line = format!("    errorfile 400 \"{a117}");
        assert_eq!(
            err(&line),
            format!(
                "unmatched quote at position 19:\n  errorfile 400 \"{}\n  {:>15}",
                "a".repeat(65),
                "^"
            )
        );
        // The error at the very end of a long line: both `...` marks stay.
        let a90 = "a".repeat(90);
        let line = format!("    errorfile \"{a90}${{");
        assert_eq!(
            err(&line),
            format!(
                "forbidden first char in environment variable name at position 108:\n  ...{}${{...\n  {:>41}",
                "a".repeat(35),
                "^"
            )
        );
    }
}
