//! The HTTP/1.1 protocol, as pure functions over bytes (no sockets): heads parsed out of a
//! `BytesMut` read buffer into `Bytes` slices, body framing and chunked coding, heads written
//! back into a `BytesMut`, HAProxy's error and reply messages, and the connection rules of its
//! keep-alive modes. The engine drives it from tokio streams. Every rule was checked against
//! haproxy 2.6 (docs/COMPAT.md lists what differs).
//!
//! One request/response exchange, as the engine runs it:
//!
//! ```
//! use bytes::BytesMut;
//! use halo::http::{self, body, connection, BodyDecoder, BodyEvent, HttpMode, Limits, Parsed};
//!
//! let limits = Limits::default();
//! // Bytes read from the client (a second, pipelined request stays in the buffer).
//! let mut client_in = BytesMut::from(&b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /y HTTP/1.1\r\n\r\n"[..]);
//! let mut req = match http::parse_request(&mut client_in, &limits) {
//!     Ok(Parsed::Complete { head, .. }) => head,
//!     Ok(Parsed::Incomplete) => return, // read more, then call again
//!     Err(e) => {
//!         // Answer haproxy's raw page for e.status (400) and close.
//!         let _page = http::errors::raw_error(e.status);
//!         return;
//!     }
//! };
//! let framing = body::request_framing(&mut req).expect("400/422 page otherwise");
//! let client_keep = connection::client_keep_alive(&req, HttpMode::KeepAlive);
//! connection::add_forwarded_for(&mut req, "10.0.0.1".parse().unwrap(), None);
//! let request_version = req.version;
//! let server_keep = connection::prepare_request_for_server(&mut req, HttpMode::KeepAlive);
//! let mut server_out = BytesMut::new();
//! http::write_request_head(&req, &mut server_out);
//! let mut dec = BodyDecoder::new(framing, limits);
//! while let Some(event) = dec.decode(&mut client_in).unwrap() {
//!     match event {
//!         BodyEvent::Data(chunk) => server_out.extend_from_slice(&chunk), // or write it as is
//!         BodyEvent::End { .. } => {}
//!     }
//! }
//! assert_eq!(&server_out[..], b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\nx-forwarded-for: 10.0.0.1\r\n\r\nok");
//!
//! // The server's answer.
//! let mut server_in = BytesMut::from(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"[..]);
//! let Ok(Parsed::Complete { head: mut resp, .. }) = http::parse_response(&mut server_in, &limits) else { return };
//! let framing = body::response_framing(&mut resp, req.is_head()).expect("502 page otherwise");
//! let _reuse_server = connection::server_keep_alive_after_response(server_keep, &resp, framing);
//! let keep = connection::client_keep_alive_after_response(client_keep, framing);
//! connection::prepare_response_for_client(&mut resp, request_version, keep);
//! let mut client_out = BytesMut::new();
//! http::write_response_head(&resp, &mut client_out);
//! let mut dec = BodyDecoder::new(framing, limits);
//! while let Some(event) = dec.decode(&mut server_in).unwrap() {
//!     match event {
//!         // The response is re-chunked, as haproxy does.
//!         BodyEvent::Data(chunk) => body::write_chunk(&chunk, &mut client_out),
//!         BodyEvent::End { trailers } => body::write_last_chunk(&trailers, &mut client_out),
//!     }
//! }
//! assert_eq!(&client_out[..], b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
//! assert!(keep);
//! ```

pub mod applet;
pub mod body;
pub mod connection;
pub mod errors;
pub mod head;
pub mod headers;
pub mod parse;
mod parse_fast;
pub mod reason;
pub mod reply;
pub mod write;

pub use body::{BodyDecoder, BodyError, BodyEvent, BodyFraming, FramingError};
pub use connection::HttpMode;
pub use head::{RequestHead, ResponseHead, Version};
pub use headers::{Header, HeaderList};
pub use parse::{Limits, ParseError, ParseErrorKind, Parsed, parse_request, parse_response};
pub use reply::Reply;
pub use write::{write_request_head, write_response_head};
