//! The HTTP/1.1 protocol, as pure functions over bytes (no sockets): heads parsed out of a
//! `BytesMut` read buffer into `Bytes` slices, body framing and chunked coding, heads written
//! back into a `BytesMut`, HAProxy's error and reply messages, and the connection rules of its
//! keep-alive modes. The engine drives it from tokio streams. See ARCHITECTURE.md.

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
