//! Responses Halo makes itself: HAProxy 2.6's error pages (`http_err_msgs`), and the replies of
//! `deny`/`return`/`redirect` rules rendered for one transaction.

use bytes::{BufMut, Bytes, BytesMut};

use super::txn::StreamSource;
use crate::http::reason::default_reason;
use crate::rules::{Redirect, Reply, ReplyBody};
use crate::sample::logformat::StreamLog;

/// The body of HAProxy's page for `status`.
fn page_text(status: u16) -> &'static str {
    match status {
        400 => "Your browser sent an invalid request.",
        401 => "You need a valid user and password to access this content.",
        403 => "Request forbidden by administrative rules.",
        405 => {
            "A request was made of a resource using a request method not supported by that resource"
        }
        407 => "You need a valid user and password to access this content.",
        408 => "Your browser didn't send a complete request in time.",
        410 => "The resource is no longer available and will not be available again.",
        413 => "The request entity exceeds the maximum allowed.",
        425 => "Your browser sent early data.",
        429 => "You sent too many requests in a given amount of time.",
        500 => "An internal server error occurred.",
        501 => "The server does not support the functionality required to fulfill the request.",
        502 => "The server returned an invalid or incomplete response.",
        503 => "No server is available to handle this request.",
        504 => "The server didn't respond in time.",
        _ => "",
    }
}

/// HAProxy's reason phrase on its own pages (a few differ from `http_get_reason`).
fn page_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        408 => "Request Time-out",
        504 => "Gateway Time-out",
        other => default_reason(other),
    }
}

/// Whether HAProxy's page closes the connection (`connection: close` in the message).
pub fn page_closes(status: u16) -> bool {
    matches!(status, 400 | 408 | 500 | 502 | 503 | 504)
}

/// HAProxy's complete error message for `status`.
pub fn error_page(status: u16) -> Bytes {
    let reason = page_reason(status);
    let body = format!(
        "<html><body><h1>{status} {reason}</h1>\n{}\n</body></html>\n",
        page_text(status)
    );
    let mut out = BytesMut::with_capacity(body.len() + 160);
    out.put_slice(
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n",
            body.len()
        )
        .as_bytes(),
    );
    if matches!(status, 400 | 408) {
        out.put_slice(b"connection: close\r\n");
    }
    out.put_slice(b"\r\n");
    out.put_slice(body.as_bytes());
    out.freeze()
}

/// A `deny`/`return` reply for this transaction (head and body, no connection header).
pub async fn render_reply(
    reply: &Reply,
    src: &mut StreamSource,
    log: &StreamLog,
    is_head: bool,
) -> Bytes {
    let body: Option<Vec<u8>> = match &reply.body {
        ReplyBody::None => None,
        ReplyBody::String(b) => Some(b.to_vec()),
        ReplyBody::LfString(f) => Some(f.render(src, log).await),
    };
    let Some(body) = body else {
        if reply.content_type.is_none()
            && reply.headers.is_empty()
            && !page_text(reply.status).is_empty()
        {
            return error_page(reply.status);
        }
        return head_only(reply.status, reply, src, log).await;
    };
    let mut out = BytesMut::with_capacity(body.len() + 128);
    out.put_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            reply.status,
            default_reason(reply.status)
        )
        .as_bytes(),
    );
    if let Some(ct) = &reply.content_type {
        out.put_slice(format!("content-type: {ct}\r\n").as_bytes());
    }
    for (name, fmt) in &reply.headers {
        let v = fmt.render(src, log).await;
        out.put_slice(name.to_ascii_lowercase().as_bytes());
        out.put_slice(b": ");
        out.put_slice(&v);
        out.put_slice(b"\r\n");
    }
    out.put_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    if !is_head {
        out.put_slice(&body);
    }
    out.freeze()
}

async fn head_only(status: u16, reply: &Reply, src: &mut StreamSource, log: &StreamLog) -> Bytes {
    let mut out = BytesMut::with_capacity(128);
    out.put_slice(format!("HTTP/1.1 {status} {}\r\n", default_reason(status)).as_bytes());
    for (name, fmt) in &reply.headers {
        let v = fmt.render(src, log).await;
        out.put_slice(name.to_ascii_lowercase().as_bytes());
        out.put_slice(b": ");
        out.put_slice(&v);
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"content-length: 0\r\n\r\n");
    out.freeze()
}

/// A `redirect` reply, or `None` when `ignore-empty` applies (see `Redirect::response`).
pub async fn render_redirect(
    r: &Redirect,
    src: &mut StreamSource,
    log: &StreamLog,
) -> Option<Bytes> {
    let target = r.target.render(src, log).await;
    let (uri, host) = {
        let t = src.txn.borrow();
        let req = t.req.as_ref()?;
        (req.uri.clone(), req.headers.get(b"host").cloned())
    };
    let resp = r.response(&target, &uri, host.as_deref())?;
    let mut out = BytesMut::with_capacity(128);
    out.put_slice(format!("HTTP/1.1 {} {}\r\n", resp.status, resp.reason).as_bytes());
    for (name, value) in &resp.headers {
        out.put_slice(name.as_bytes());
        out.put_slice(b": ");
        out.put_slice(value);
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
    Some(out.freeze())
}
