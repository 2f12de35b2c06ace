//! Responses Halo makes itself, built on the codec's byte-exact HAProxy messages
//! (`http::errors`, `http::reply`): error pages, and the replies of `deny`/`return`/`redirect`
//! rules rendered for one transaction.

use bytes::{Bytes, BytesMut};

use super::txn::StreamSource;
use crate::http::errors::{error_reply, raw_error};
use crate::http::reply::{self as http_reply, Reply as HttpReply};
use crate::http::{HeaderList, ResponseHead, Version};
use crate::rules::{Redirect, Reply, ReplyBody};
use crate::sample::logformat::StreamLog;

/// What HAProxy's HTTP/1 layer writes itself for a request it cannot parse or that never
/// completes (400, 408, 422): the stored message, connection closed after it.
pub fn raw_page(status: u16) -> Bytes {
    match raw_error(status) {
        Some(b) => Bytes::from_static(b),
        None => Bytes::from_static(raw_error(400).expect("400 exists")),
    }
}

/// HAProxy's page for `status` as a stream sends it (deny, 502, 503, 504...).
pub fn page(status: u16) -> HttpReply {
    error_reply(status).unwrap_or_else(|| http_reply::http_return(status, None, Bytes::new()))
}

/// Writes `reply` for a request of `version`; returns the bytes and whether the client
/// connection stays open.
pub fn write(reply: &HttpReply, version: Version, keep: bool) -> (Bytes, bool) {
    let mut out = BytesMut::with_capacity(reply.body.len() + 256);
    let keep = reply.write(version, keep, &mut out);
    (out.freeze(), keep)
}

/// A `deny` (`deny` true) or `return` reply for this transaction.
pub async fn render_reply(
    reply: &Reply,
    deny: bool,
    src: &mut StreamSource,
    log: &StreamLog,
) -> HttpReply {
    let body: Option<Vec<u8>> = match &reply.body {
        ReplyBody::None => None,
        ReplyBody::String(b) => Some(b.to_vec()),
        ReplyBody::LfString(f) => Some(f.render(src, log).await),
    };
    let mut extra = HeaderList::new();
    for (name, fmt) in &reply.headers {
        let v = fmt.render(src, log).await;
        extra.add(Bytes::from(name.to_ascii_lowercase()), Bytes::from(v));
    }
    let mut r = match body {
        // A bare `deny`: HAProxy's own message for the status (`return`, or a `deny` with
        // `hdr` lines, without payload is an empty response).
        None if deny && reply.content_type.is_none() && reply.headers.is_empty() => {
            page(reply.status)
        }
        body => {
            // HAProxy's order (`http_reply_to_htx`): the rule's headers, content-length, then
            // content-type when there is a body.
            let body = Bytes::from(body.unwrap_or_default());
            let mut head = ResponseHead::new(reply.status);
            for h in extra.iter() {
                head.headers.add(h.name.clone(), h.value.clone());
            }
            // No length on a 204 or 1xx (HAProxy still sends one with a 304).
            if !(reply.status < 200 || reply.status == 204) {
                head.headers
                    .add("content-length", Bytes::from(body.len().to_string()));
            }
            if let Some(ct) = &reply.content_type
                && !body.is_empty()
            {
                head.headers.add("content-type", Bytes::from(ct.clone()));
            }
            HttpReply {
                head,
                body,
                close: false,
            }
        }
    };
    let is_head = src.txn.borrow().req.as_ref().is_some_and(|q| q.is_head());
    if is_head {
        r.body = Bytes::new();
    }
    r
}

/// A `redirect` reply, or `None` when `ignore-empty` applies (see `Redirect::response`).
pub async fn render_redirect(
    r: &Redirect,
    src: &mut StreamSource,
    log: &StreamLog,
) -> Option<HttpReply> {
    let target = r.target.render(src, log).await;
    let (uri, host) = {
        let t = src.txn.borrow();
        let req = t.req.as_ref()?;
        (req.uri.clone(), req.headers.get(b"host").cloned())
    };
    let resp = r.response(&target, &uri, host.as_deref())?;
    let mut head = ResponseHead::new(resp.status);
    for (name, value) in resp.headers {
        head.headers.add(name, value);
    }
    Some(HttpReply {
        head,
        body: Bytes::new(),
        close: false,
    })
}
