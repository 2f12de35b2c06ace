//! Arbitrary bytes as what a client sends on one connection, through the proxy's HTTP/1.1
//! request path the way the engine drives it (`halo::http` module doc): head parsing, framing,
//! connection decisions, `option forwardfor`, writing the head for the server, body decoding
//! and re-chunking, then the next pipelined request. The first byte says how the stream is
//! cut into reads. Checked on top of "no panic":
//! - fed in pieces or all at once, the stream gives the same requests, bodies and errors
//!   (`Incomplete` must leave the buffer alone and never hide an error that more bytes
//!   cannot fix);
//! - a head the parser accepted, once written for the server, parses again.
#![no_main]

use bytes::BytesMut;
use halo::http::{
    self, BodyDecoder, BodyEvent, HttpMode, Limits, Parsed, body, connection, errors,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Event {
    Head(String),
    Body(Vec<u8>),
    End(String),
    Error(String),
}

enum Phase {
    Head,
    Body(BodyDecoder, bool),
    Closed,
}

/// Runs the request path over `reads`, then the client's close.
fn drive<'a>(reads: impl Iterator<Item = &'a [u8]>) -> Vec<Event> {
    let limits = Limits::default();
    let mut events = Vec::new();
    let mut buf = BytesMut::new();
    let mut phase = Phase::Head;
    let mut body_bytes = Vec::new();
    let mut out = BytesMut::new();
    for read in reads {
        buf.extend_from_slice(read);
        step(
            &mut phase,
            &mut buf,
            &limits,
            &mut events,
            &mut body_bytes,
            &mut out,
        );
        if matches!(phase, Phase::Closed) {
            return events;
        }
    }
    if let Phase::Body(dec, _) = &mut phase {
        match dec.eof() {
            Ok(Some(BodyEvent::End { trailers })) => {
                events.push(Event::Body(std::mem::take(&mut body_bytes)));
                events.push(Event::End(format!("{trailers:?}")));
            }
            Ok(_) => {}
            Err(e) => events.push(Event::Error(e.to_string())),
        }
    }
    events
}

fn step(
    phase: &mut Phase,
    buf: &mut BytesMut,
    limits: &Limits,
    events: &mut Vec<Event>,
    body_bytes: &mut Vec<u8>,
    out: &mut BytesMut,
) {
    loop {
        match phase {
            Phase::Closed => return,
            Phase::Head => {
                let before = buf.clone();
                match http::parse_request(buf, limits) {
                    Ok(Parsed::Incomplete) => {
                        assert_eq!(*buf, before, "Incomplete changed the buffer");
                        return;
                    }
                    Err(e) => {
                        assert!(errors::raw_error(e.status).is_some());
                        events.push(Event::Error(e.to_string()));
                        *phase = Phase::Closed;
                        return;
                    }
                    Ok(Parsed::Complete { mut head, consumed }) => {
                        assert!(consumed <= before.len());
                        let framing = match body::request_framing(&mut head) {
                            Ok(f) => f,
                            Err(e) => {
                                events.push(Event::Error(e.to_string()));
                                *phase = Phase::Closed;
                                return;
                            }
                        };
                        events.push(Event::Head(format!("{head:?} {framing:?}")));
                        let _ = (head.path(), head.query(), head.is_head());
                        let _ = connection::expects_continue(&head);
                        let keep = connection::client_keep_alive(&head, HttpMode::KeepAlive);
                        connection::add_forwarded_for(
                            &mut head,
                            "::ffff:10.0.0.1".parse().unwrap(),
                            None,
                        );
                        connection::prepare_request_for_server(&mut head, HttpMode::KeepAlive);
                        let start = out.len();
                        http::write_request_head(&head, out);
                        let mut again = BytesMut::from(&out[start..]);
                        let roomy = Limits {
                            bufsize: 1 << 20,
                            maxrewrite: 0,
                            max_headers: 1 << 16,
                        };
                        match http::parse_request(&mut again, &roomy) {
                            Ok(Parsed::Complete { .. }) => {}
                            other => panic!(
                                "written head does not parse again: {other:?}\n{:?}",
                                bytes::Bytes::copy_from_slice(&out[start..])
                            ),
                        }
                        *phase = Phase::Body(BodyDecoder::new(framing, *limits), keep);
                    }
                }
            }
            Phase::Body(dec, keep) => match dec.decode(buf) {
                Ok(None) => return,
                Ok(Some(BodyEvent::Data(d))) => {
                    body_bytes.extend_from_slice(&d);
                    body::write_chunk(&d, out);
                }
                Ok(Some(BodyEvent::End { trailers })) => {
                    body::write_last_chunk(&trailers, out);
                    events.push(Event::Body(std::mem::take(body_bytes)));
                    events.push(Event::End(format!("{trailers:?}")));
                    *phase = if *keep { Phase::Head } else { Phase::Closed };
                    out.clear();
                }
                Err(e) => {
                    events.push(Event::Error(e.to_string()));
                    *phase = Phase::Closed;
                    return;
                }
            },
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let whole = drive(std::iter::once(stream));
    let piece = usize::from(cut % 64) + 1;
    let pieces = drive(stream.chunks(piece));
    assert_eq!(whole, pieces, "pieces of {piece} bytes");
});
