//! The head of a response an HTTP applet (Lua `AppletHTTP`) produces, as haproxy 2.6 frames it
//! (checked with `core.register_service(..., "http", ...)` on haproxy 2.6):
//! - the status line takes the request's version (`HTTP/1.0` for an HTTP/1.0 client);
//! - with a `content-length` set by the script, that is the framing;
//! - without one, an HTTP/1.1 request gets `transfer-encoding: chunked` appended after the
//!   script's headers and a chunked body (also for HEAD: the header, no body; an empty body is
//!   just `0\r\n\r\n`); an HTTP/1.0 request gets the body until close;
//! - a 1xx/204/304 without `content-length` gets neither and ends the connection.
//!
//! Connection headers are then the business of `connection::prepare_response_for_client`
//! (`connection: close` comes after `transfer-encoding`, as in haproxy).

use super::body::{BodyFraming, FramingError, response_framing};
use super::head::{RequestHead, ResponseHead, Version};

/// Frames an applet's response head for `req`; returns how to write the body (`Chunked`:
/// `body::write_chunk` for each send, `body::write_last_chunk` at the end). A script's invalid
/// `content-length` is a 500.
pub fn prepare_applet_response(
    head: &mut ResponseHead,
    req: &RequestHead,
) -> Result<BodyFraming, FramingError> {
    head.version = req.version;
    let no_body_status = head.status < 200 || head.status == 204 || head.status == 304;
    if head.headers.contains(b"content-length") || head.headers.contains(b"transfer-encoding") {
        return response_framing(head, req.is_head()).map_err(|e| FramingError {
            status: 500,
            reason: e.reason,
        });
    }
    if no_body_status {
        // haproxy 2.6 adds no transfer-encoding to these, so their length is unknown to it
        // and it closes the connection after them (`connection: close` for HTTP/1.1).
        return Ok(BodyFraming::UntilClose);
    }
    if req.version == Version::Http11 {
        head.headers.add("transfer-encoding", "chunked");
        if req.is_head() {
            return Ok(BodyFraming::Empty);
        }
        return Ok(BodyFraming::Chunked);
    }
    if req.is_head() {
        return Ok(BodyFraming::Empty);
    }
    Ok(BodyFraming::UntilClose)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpMode;
    use crate::http::body::{write_chunk, write_last_chunk};
    use crate::http::connection::{
        client_keep_alive, client_keep_alive_after_response, prepare_response_for_client,
    };
    use crate::http::headers::HeaderList;
    use crate::http::parse::{Limits, Parsed, parse_request};
    use crate::http::write::write_response_head;
    use bytes::BytesMut;

    /// The bytes haproxy 2.6 sent for a service doing `set_status`, `add_header`s,
    /// `start_response` and one `send` per element of `sends`.
    fn serve(req: &str, status: u16, headers: &[(&str, &str)], sends: &[&str]) -> String {
        let Ok(Parsed::Complete { head: req, .. }) =
            parse_request(&mut BytesMut::from(req.as_bytes()), &Limits::default())
        else {
            panic!()
        };
        let mut resp = ResponseHead::new(status);
        for (n, v) in headers {
            resp.headers.add(n.to_string(), v.to_string());
        }
        let framing = prepare_applet_response(&mut resp, &req).unwrap();
        let keep =
            client_keep_alive_after_response(client_keep_alive(&req, HttpMode::KeepAlive), framing);
        prepare_response_for_client(&mut resp, req.version, keep);
        let mut out = BytesMut::new();
        write_response_head(&resp, &mut out);
        let body: String = sends.concat();
        match framing {
            BodyFraming::Chunked => {
                write_chunk(body.as_bytes(), &mut out);
                write_last_chunk(&HeaderList::new(), &mut out);
            }
            BodyFraming::Empty => {}
            _ => out.extend_from_slice(body.as_bytes()),
        }
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn like_haproxy_services() {
        let mixed = [("X-Mixed", "A")];
        let hw = ["hello", " world"];
        assert_eq!(
            serve("GET /nolen HTTP/1.1\r\nHost: a\r\n\r\n", 200, &mixed, &hw),
            "HTTP/1.1 200 OK\r\nx-mixed: A\r\ntransfer-encoding: chunked\r\n\r\nB\r\nhello world\r\n0\r\n\r\n"
        );
        assert_eq!(
            serve("GET /nolen HTTP/1.0\r\n\r\n", 200, &mixed, &hw),
            "HTTP/1.0 200 OK\r\nx-mixed: A\r\n\r\nhello world"
        );
        assert_eq!(
            serve(
                "GET /nolen HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                200,
                &mixed,
                &hw
            ),
            "HTTP/1.0 200 OK\r\nx-mixed: A\r\n\r\nhello world"
        );
        assert_eq!(
            serve("HEAD /nolen HTTP/1.1\r\nHost: a\r\n\r\n", 200, &mixed, &hw),
            "HTTP/1.1 200 OK\r\nx-mixed: A\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        assert_eq!(
            serve(
                "GET /nolen HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                200,
                &mixed,
                &hw
            ),
            "HTTP/1.1 200 OK\r\nx-mixed: A\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\nB\r\nhello world\r\n0\r\n\r\n"
        );
        let len = [("content-length", "5")];
        assert_eq!(
            serve(
                "GET /withlen HTTP/1.1\r\nHost: a\r\n\r\n",
                201,
                &len,
                &["hello"]
            ),
            "HTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nhello"
        );
        assert_eq!(
            serve("GET /withlen HTTP/1.0\r\n\r\n", 201, &len, &["hello"]),
            "HTTP/1.0 201 Created\r\ncontent-length: 5\r\n\r\nhello"
        );
        assert_eq!(
            serve(
                "GET /withlen HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                201,
                &len,
                &["hello"]
            ),
            "HTTP/1.0 201 Created\r\ncontent-length: 5\r\nconnection: keep-alive\r\n\r\nhello"
        );
        assert_eq!(
            serve("GET /empty HTTP/1.1\r\nHost: a\r\n\r\n", 200, &[], &[]),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
        );
        assert_eq!(
            serve("GET /empty HTTP/1.0\r\n\r\n", 200, &[], &[]),
            "HTTP/1.0 200 OK\r\n\r\n"
        );
        assert_eq!(
            serve("GET /s204 HTTP/1.1\r\nHost: a\r\n\r\n", 204, &[], &[]),
            "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn invalid_script_length_is_500() {
        let Ok(Parsed::Complete { head: req, .. }) = parse_request(
            &mut BytesMut::from(&b"GET / HTTP/1.1\r\n\r\n"[..]),
            &Limits::default(),
        ) else {
            panic!()
        };
        let mut resp = ResponseHead::new(200);
        resp.headers.add("content-length", "x");
        assert_eq!(
            prepare_applet_response(&mut resp, &req).map_err(|e| e.status),
            Err(500)
        );
    }
}
