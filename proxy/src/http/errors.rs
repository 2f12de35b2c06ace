//! haproxy 2.6's default error messages, byte for byte (`http_err_msgs[]`, taken from the
//! installed binary and checked against what it sends).
//!
//! haproxy sends them in two shapes:
//! - raw, as stored (`raw_error`): what its HTTP/1 layer writes itself when a request cannot
//!   even be parsed or never completes (400 on a bad request, 408 on `timeout http-request`,
//!   422 on an unsupported transfer coding): mixed-case names in their stored order, the
//!   stored `Connection: close` of 400 and 408;
//! - through a stream (`error_reply`): `http-request deny`, a 503 for no server, 502 for a
//!   bad response, 504 on `timeout server`: the message is parsed, so names are lowercase and
//!   the stored `Connection: close` becomes the connection decision (`Reply::close`), written
//!   last as `connection: close` by the connection rules.

use super::connection::connection_tokens;
use super::parse::{Limits, Parsed, parse_response};
use super::reply::Reply;
use bytes::{Bytes, BytesMut};

/// The statuses haproxy has a default message for.
pub const ERROR_STATUSES: [u16; 19] = [
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504,
];

/// The stored message for `status`, exactly as haproxy's HTTP/1 layer writes it.
pub fn raw_error(status: u16) -> Option<&'static [u8]> {
    Some(match status {
        200 => b"HTTP/1.1 200 OK\r\n\
     Content-length: 58\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n",
        400 => b"HTTP/1.1 400 Bad request\r\n\
     Content-length: 90\r\n\
     Cache-Control: no-cache\r\n\
     Connection: close\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n",
        401 => b"HTTP/1.1 401 Unauthorized\r\n\
     Content-length: 112\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
        403 => b"HTTP/1.1 403 Forbidden\r\n\
     Content-length: 93\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n",
        404 => b"HTTP/1.1 404 Not Found\r\n\
     Content-length: 83\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>404 Not Found</h1>\nThe resource could not be found.\n</body></html>\n",
        405 => b"HTTP/1.1 405 Method Not Allowed\r\n\
     Content-length: 146\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>405 Method Not Allowed</h1>\nA request was made of a resource using a request method not supported by that resource\n</body></html>\n",
        407 => b"HTTP/1.1 407 Unauthorized\r\n\
     Content-length: 112\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>407 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
        408 => b"HTTP/1.1 408 Request Time-out\r\n\
     Content-length: 110\r\n\
     Cache-Control: no-cache\r\n\
     Connection: close\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n",
        410 => b"HTTP/1.1 410 Gone\r\n\
     Content-length: 114\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>410 Gone</h1>\nThe resource is no longer available and will not be available again.\n</body></html>\n",
        413 => b"HTTP/1.1 413 Payload Too Large\r\n\
     Content-length: 106\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.\n</body></html>\n",
        421 => b"HTTP/1.1 421 Misdirected Request\r\n\
     Content-length: 104\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>421 Misdirected Request</h1>\nRequest sent to a non-authoritative server.\n</body></html>\n",
        422 => b"HTTP/1.1 422 Unprocessable Content\r\n\
     Content-length: 116\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n",
        425 => b"HTTP/1.1 425 Too Early\r\n\
     Content-length: 80\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>425 Too Early</h1>\nYour browser sent early data.\n</body></html>\n",
        429 => b"HTTP/1.1 429 Too Many Requests\r\n\
     Content-length: 117\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n",
        500 => b"HTTP/1.1 500 Internal Server Error\r\n\
     Content-length: 97\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n",
        501 => b"HTTP/1.1 501 Not Implemented\r\n\
     Content-length: 136\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>501 Not Implemented</h1>\n.The server does not support the functionality required to fulfill the request.\n</body></html>\n",
        502 => b"HTTP/1.1 502 Bad Gateway\r\n\
     Content-length: 107\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n",
        503 => b"HTTP/1.1 503 Service Unavailable\r\n\
     Content-length: 107\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n",
        504 => b"HTTP/1.1 504 Gateway Time-out\r\n\
     Content-length: 92\r\n\
     Cache-Control: no-cache\r\n\
     Content-Type: text/html\r\n\
     \r\n\
     <html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n",
        _ => return None,
    })
}

/// The message for `status` as a reply that goes through a stream: what `http-request deny
/// [deny_status N]` and haproxy's own 502/503/504 send. `None` for a status without a
/// default message.
pub fn error_reply(status: u16) -> Option<Reply> {
    let raw = raw_error(status)?;
    let mut buf = BytesMut::from(raw);
    let Ok(Parsed::Complete { mut head, .. }) = parse_response(&mut buf, &Limits::default()) else {
        return None;
    };
    let close = connection_tokens(&head.headers).close;
    head.headers.remove(b"connection");
    Some(Reply {
        head,
        body: Bytes::from_static(&raw[raw.len() - buf.len()..]),
        close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_well_formed() {
        for s in ERROR_STATUSES {
            let r = error_reply(s).unwrap();
            assert_eq!(r.head.status, s);
            let cl: usize = std::str::from_utf8(r.head.headers.get(b"content-length").unwrap())
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(cl, r.body.len(), "{s}");
            assert_eq!(r.close, s == 400 || s == 408);
        }
        assert!(raw_error(302).is_none());
        assert!(error_reply(999).is_none());
    }
}
