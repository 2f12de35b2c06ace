//! Message heads: the version, the request head (method, URI, headers) and the response head
//! (status, reason, headers), with the URI surgery of HAProxy's `set-path`, `set-query`,
//! `set-uri` and `set-method` actions and the `path`/`query` views its fetches use.

use super::headers::HeaderList;
use super::reason::default_reason;
use bytes::{BufMut, Bytes, BytesMut};

/// The protocol version. HAProxy accepts any `HTTP/<digit>.<digit>` and treats everything from
/// 1.1 up as 1.1 and everything below as 1.0 (it forwards `HTTP/1.2` or `HTTP/2.0` requests as
/// `HTTP/1.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Version::Http10 => b"HTTP/1.0",
            Version::Http11 => b"HTTP/1.1",
        }
    }

    /// `HTTP/<major>.<minor>` with single digits, as HAProxy's parser accepts it.
    pub fn parse(v: &[u8]) -> Option<Version> {
        match v {
            [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
                if major.is_ascii_digit() && minor.is_ascii_digit() =>
            {
                Some(if (*major, *minor) >= (b'1', b'1') {
                    Version::Http11
                } else {
                    Version::Http10
                })
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: Bytes,
    pub uri: Bytes,
    pub version: Version,
    pub headers: HeaderList,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    pub version: Version,
    pub status: u16,
    pub reason: Bytes,
    pub headers: HeaderList,
}

/// Where the path starts and ends in a URI: HAProxy's `http_get_path()` (origin form, or the
/// part after the authority of an absolute URI; none for `*`, for an authority alone and for
/// an absolute URI without a slash), then cut at the `?`. `None` when there is no path.
fn path_range(uri: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    match uri.first() {
        None | Some(b'*') => return None,
        Some(c) if c.is_ascii_alphabetic() => {
            i = 1;
            while i < uri.len() && (uri[i].is_ascii_alphanumeric() || b"+-.".contains(&uri[i])) {
                i += 1;
            }
            if uri.get(i..i + 3) != Some(b"://") {
                return None;
            }
            i += 3;
        }
        _ => {}
    }
    let start = i + memchr::memchr(b'/', &uri[i..])?;
    let end = memchr::memchr(b'?', &uri[start..]).map_or(uri.len(), |q| start + q);
    Some((start, end))
}

impl RequestHead {
    /// The path: the URI before `?`, without the scheme and authority of an absolute URI
    /// (HAProxy's `path` fetch). Empty when the URI has none (`*`, `http://host`).
    pub fn path(&self) -> Bytes {
        match path_range(&self.uri) {
            Some((s, e)) => self.uri.slice(s..e),
            None => Bytes::new(),
        }
    }

    /// The query string after the first `?`, without it (HAProxy's `query` fetch); `None`
    /// when the URI has no `?`.
    pub fn query(&self) -> Option<Bytes> {
        memchr::memchr(b'?', &self.uri).map(|q| self.uri.slice(q + 1..))
    }

    /// `http-request set-path`: replaces the path, keeping the scheme/authority before it and
    /// the query after it. A URI without a path gets it after its authority.
    pub fn set_path(&mut self, path: &[u8]) {
        let (s, e) = path_range(&self.uri).unwrap_or_else(|| {
            // No path: insert before any query, at the end of the authority.
            let at = memchr::memchr(b'?', &self.uri).unwrap_or(self.uri.len());
            (at, at)
        });
        self.uri = splice(&self.uri, s, e, path);
    }

    /// `http-request set-query`: replaces what follows the `?` (keeping an empty `?` when the
    /// new query is empty); without a `?`, appends `?query` unless the query is empty.
    pub fn set_query(&mut self, query: &[u8]) {
        match memchr::memchr(b'?', &self.uri) {
            Some(q) => self.uri = splice(&self.uri, q + 1, self.uri.len(), query),
            None if query.is_empty() => {}
            None => {
                let mut b = BytesMut::with_capacity(self.uri.len() + 1 + query.len());
                b.put_slice(&self.uri);
                b.put_u8(b'?');
                b.put_slice(query);
                self.uri = b.freeze();
            }
        }
    }

    /// `http-request set-uri`.
    pub fn set_uri(&mut self, uri: impl Into<Bytes>) {
        self.uri = uri.into();
    }

    /// `http-request set-method`.
    pub fn set_method(&mut self, method: impl Into<Bytes>) {
        self.method = method.into();
    }

    pub fn is_head(&self) -> bool {
        &self.method[..] == b"HEAD"
    }
}

fn splice(uri: &[u8], start: usize, end: usize, with: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(uri.len() - (end - start) + with.len());
    b.put_slice(&uri[..start]);
    b.put_slice(with);
    b.put_slice(&uri[end..]);
    b.freeze()
}

impl ResponseHead {
    /// A response with HAProxy's default reason phrase and no header.
    pub fn new(status: u16) -> ResponseHead {
        ResponseHead {
            version: Version::Http11,
            status,
            reason: Bytes::from_static(default_reason(status).as_bytes()),
            headers: HeaderList::new(),
        }
    }

    /// `http-response set-status <code> [reason <str>]`: without a reason, HAProxy's default
    /// phrase for the code.
    pub fn set_status(&mut self, status: u16, reason: Option<Bytes>) {
        self.status = status;
        self.reason =
            reason.unwrap_or_else(|| Bytes::from_static(default_reason(status).as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &'static str) -> RequestHead {
        RequestHead {
            method: Bytes::from_static(b"GET"),
            uri: Bytes::from_static(uri.as_bytes()),
            version: Version::Http11,
            headers: HeaderList::new(),
        }
    }

    #[test]
    fn versions() {
        assert_eq!(Version::parse(b"HTTP/1.0"), Some(Version::Http10));
        assert_eq!(Version::parse(b"HTTP/0.9"), Some(Version::Http10));
        assert_eq!(Version::parse(b"HTTP/1.2"), Some(Version::Http11));
        assert_eq!(Version::parse(b"HTTP/3.5"), Some(Version::Http11));
        for bad in [&b"HTTP/1.10"[..], b"http/1.1", b"HTTP/1", b"HTTP/1.1 ", b""] {
            assert_eq!(Version::parse(bad), None);
        }
    }

    #[test]
    fn path_and_query() {
        let cases: [(&str, &str, Option<&str>); 8] = [
            ("/a/b?x=1?y", "/a/b", Some("x=1?y")),
            ("/", "/", None),
            ("http://h:80/p?q", "/p", Some("q")),
            ("http://h", "", None),
            ("http://h?q", "", Some("q")),
            ("*", "", None),
            ("h.example:443", "", None),
            ("x/y", "", None),
        ];
        for (uri, path, query) in cases {
            let r = req(uri);
            assert_eq!(r.path(), path, "{uri}");
            assert_eq!(r.query().as_deref(), query.map(str::as_bytes), "{uri}");
        }
    }

    #[test]
    fn uri_rewrites() {
        let mut r = req("http://h/a?q=1");
        r.set_path(b"/new/a");
        assert_eq!(r.uri, "http://h/new/a?q=1");
        r.set_query(b"z");
        assert_eq!(r.uri, "http://h/new/a?z");
        r.set_query(b"");
        assert_eq!(r.uri, "http://h/new/a?");
        let mut r = req("/a");
        r.set_query(b"");
        assert_eq!(r.uri, "/a");
        r.set_query(b"q=1");
        assert_eq!(r.uri, "/a?q=1");
        let mut r = req("http://h?x");
        r.set_path(b"/p");
        assert_eq!(r.uri, "http://h/p?x");
        r.set_uri("/u");
        r.set_method("PUT");
        assert_eq!((&r.uri[..], &r.method[..]), (&b"/u"[..], &b"PUT"[..]));
    }

    #[test]
    fn status() {
        let mut r = ResponseHead::new(200);
        assert_eq!(r.reason, "OK");
        r.set_status(503, None);
        assert_eq!(r.reason, "Service Unavailable");
        r.set_status(200, Some(Bytes::from_static(b"Fine")));
        assert_eq!((r.status, &r.reason[..]), (200, &b"Fine"[..]));
    }
}
