//! The ordered header list of an HTTP message.
//!
//! Invariant: header names are stored lowercase, as HAProxy's HTX stores them (it lowercases
//! names when it parses a message and emits them lowercase on both sides). Values are kept
//! byte-for-byte (the parser has already trimmed surrounding blanks). Order and duplicates are
//! kept: `add` appends, `set` removes every occurrence then appends, like `http-request
//! set-header`.

use bytes::Bytes;

/// One header field. `name` is lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: Bytes,
    pub value: Bytes,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderList {
    entries: Vec<Header>,
}

/// Lowercases `name`, copying only when it has an uppercase byte.
fn lowercase_name(name: Bytes) -> Bytes {
    if name.iter().any(u8::is_ascii_uppercase) {
        Bytes::from(name.to_ascii_lowercase())
    } else {
        name
    }
}

impl HeaderList {
    pub fn new() -> Self {
        HeaderList {
            entries: Vec::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        HeaderList {
            entries: Vec::with_capacity(n),
        }
    }

    /// Appends a header whose name the caller guarantees is already lowercase (the parser,
    /// which lowercased it in place).
    pub(crate) fn push_lowercase(&mut self, name: Bytes, value: Bytes) {
        debug_assert!(!name.iter().any(u8::is_ascii_uppercase));
        self.entries.push(Header { name, value });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every header in order, duplicates included.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.entries.iter()
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &[u8]) -> Option<&Bytes> {
        self.entries
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| &h.value)
    }

    /// The value of every occurrence of `name`, in order (case-insensitive).
    pub fn get_all<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.entries
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| &h.value)
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// Appends `name: value` (the name is lowercased).
    pub fn add(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.entries.push(Header {
            name: lowercase_name(name.into()),
            value: value.into(),
        });
    }

    /// Removes every occurrence of `name`, then appends `name: value`: HAProxy's `set-header`.
    pub fn set(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        let name = lowercase_name(name.into());
        self.remove(&name);
        self.entries.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Removes every occurrence of `name`; returns how many there were.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        let before = self.entries.len();
        self.entries.retain(|h| !h.name.eq_ignore_ascii_case(name));
        before - self.entries.len()
    }

    /// Keeps only the headers for which `keep` returns true, in order.
    pub fn retain(&mut self, keep: impl FnMut(&Header) -> bool) {
        self.entries.retain(keep);
    }

    /// Mutable access to each header, for in-place value rewrites (`replace-value`).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Header> {
        self.entries.iter_mut()
    }

    /// Every comma-separated value of every occurrence of `name`, trimmed, as HAProxy's
    /// `req.hdr(name)` / `hdr_cnt` see them: commas inside double quotes do not split,
    /// empty elements are kept.
    pub fn split_values<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).flat_map(|v| split_comma_list(v))
    }
}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// Splits a header value on commas that are outside double quotes (a backslash escapes the
/// next byte inside quotes), trimming spaces and tabs around each element, like HAProxy's
/// `http_find_hdr_value_end`. An empty value yields one empty element, as `hdr_cnt` counts it.
pub fn split_comma_list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let v = rest?;
        let mut in_quotes = false;
        let mut i = 0;
        let mut end = v.len();
        while i < v.len() {
            match v[i] {
                b'"' => in_quotes = !in_quotes,
                b'\\' if in_quotes => i += 1,
                b',' if !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if end < v.len() {
            rest = Some(&v[end + 1..]);
        } else {
            rest = None;
        }
        Some(trim_blanks(&v[..end.min(v.len())]))
    })
}

/// Trims spaces and horizontal tabs on both sides.
pub fn trim_blanks(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_duplicates_and_case() {
        let mut h = HeaderList::new();
        h.add("Host", "a");
        h.add("X-A", "1");
        h.add("x-a", "2");
        assert_eq!(h.get(b"HOST").unwrap(), "a");
        assert_eq!(h.get_all(b"x-A").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(h.iter().next().unwrap().name, "host");
        h.set("X-A", "3");
        let names: Vec<_> = h.iter().map(|h| h.name.clone()).collect();
        assert_eq!(names, ["host", "x-a"]);
        assert_eq!(h.get(b"x-a").unwrap(), "3");
        assert_eq!(h.remove(b"X-a"), 1);
        assert_eq!(h.remove(b"nope"), 0);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn comma_splitting_like_req_hdr() {
        let mut h = HeaderList::new();
        h.add("x", " a , b,\"c,d\" ,");
        h.add("x", "");
        h.add("x", "\"e\\\",f\",g");
        let v: Vec<_> = h.split_values(b"X").collect();
        assert_eq!(
            v,
            [&b"a"[..], b"b", b"\"c,d\"", b"", b"", b"\"e\\\",f\"", b"g"]
        );
        // Sent to haproxy 2.6: req.hdr(x-a) gave "" (the last element), req.hdr(x-a,2)
        // gave "\"2,3\"", req.hdr_cnt(x-a) gave 5.
        let mut h = HeaderList::new();
        h.add("X-A", "1, \"2,3\" , 4");
        h.add("X-A", "5,");
        let v: Vec<_> = h.split_values(b"x-a").collect();
        assert_eq!(v, [&b"1"[..], b"\"2,3\"", b"4", b"5", b""]);
        // An unterminated quote or a trailing backslash never reads out of bounds.
        assert_eq!(
            split_comma_list(b"\"a\\").collect::<Vec<_>>(),
            [&b"\"a\\"[..]]
        );
    }
}
