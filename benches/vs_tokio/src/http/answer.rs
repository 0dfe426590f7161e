//! What the raw responder ([`super::raw`]) says to each request, with as
//! little HTTP work as the protocol allows: for HTTP/1.1, find the end of
//! each request head; for HTTP/2, read frame headers (no header decoding)
//! and answer each stream that ends its request.

use super::loadgen::Tool;

/// hyper's HTTP/1.1 answer to the hello row's requests, byte for byte but
/// the date (fixed, of the same length).
const HTTP1_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\nHello, World!";

/// The end of an HTTP/1.1 request head (the row's requests have no body).
const HEAD_END: &[u8] = b"\r\n\r\n";

/// The HTTP/2 client connection preface.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// HTTP/2 frame types and flags (RFC 9113, section 6).
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

/// The header block of every HTTP/2 answer: `:status 200`, index 8 of
/// HPACK's static table.
const STATUS_200: u8 = 0x88;

/// The body of every answer.
const BODY: &[u8] = b"Hello, World!";

/// Appends one HTTP/2 frame to `out`.
fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct Answerer {
    tool: Tool,
    /// HTTP/2: the client's preface has been read (and our settings sent).
    started: bool,
}

impl Answerer {
    /// A fresh connection of the protocol `tool` speaks.
    pub fn new(tool: Tool) -> Answerer {
        Answerer {
            tool,
            started: false,
        }
    }

    /// Appends to `out` the answers to everything whole in `input`;
    /// returns how many bytes of `input` it consumed.
    ///
    /// # Panics
    ///
    /// If an HTTP/2 connection does not start with the preface.
    pub fn answer(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        match self.tool {
            Tool::Wrk => http1(input, out),
            Tool::H2load => self.http2(input, out),
        }
    }

    fn http2(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        let mut at = 0;
        if !self.started {
            if input.len() < PREFACE.len() {
                return 0;
            }
            assert!(input.starts_with(PREFACE), "raw HTTP/2: no preface");
            at = PREFACE.len();
            self.started = true;
            frame(out, SETTINGS, 0, 0, &[]);
        }
        while let Some(head) = input.get(at..at + 9) {
            let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let Some(payload) = input.get(at + 9..at + 9 + len) else {
                break;
            };
            let (kind, flags) = (head[3], head[4]);
            let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
            match kind {
                HEADERS if flags & END_STREAM != 0 => {
                    frame(out, HEADERS, END_HEADERS, stream, &[STATUS_200]);
                    frame(out, DATA, END_STREAM, stream, BODY);
                }
                SETTINGS if flags & ACK == 0 => frame(out, SETTINGS, ACK, 0, &[]),
                PING if flags & ACK == 0 => frame(out, PING, ACK, 0, payload),
                _ => {}
            }
            at += 9 + len;
        }
        at
    }
}

/// HTTP/1.1: one answer per whole request head.
fn http1(input: &[u8], out: &mut Vec<u8>) -> usize {
    let mut at = 0;
    while let Some(end) = input[at..]
        .windows(HEAD_END.len())
        .position(|w| w == HEAD_END)
    {
        at += end + HEAD_END.len();
        out.extend_from_slice(HTTP1_RESPONSE);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http1_answers_whole_heads_only() {
        let mut out = Vec::new();
        let mut a = Answerer::new(Tool::Wrk);
        let input = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHo";
        assert_eq!(a.answer(input, &mut out), 27);
        assert_eq!(out, HTTP1_RESPONSE);
        assert!(std::str::from_utf8(HTTP1_RESPONSE)
            .unwrap()
            .contains("content-length: 13\r\n"));
    }

    #[test]
    fn http2_greets_acks_and_answers_ended_streams() {
        let mut a = Answerer::new(Tool::H2load);
        let mut out = Vec::new();
        assert_eq!(a.answer(&PREFACE[..10], &mut out), 0);
        let mut input = PREFACE.to_vec();
        frame(&mut input, SETTINGS, 0, 0, &[0, 4, 0, 0, 0xff, 0xff]);
        frame(
            &mut input,
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &[0x82, 0x86],
        );
        frame(&mut input, HEADERS, END_HEADERS, 3, &[0x83]);
        frame(&mut input, PING, 0, 0, &[7; 8]);
        let whole = input.len();
        input.extend_from_slice(&[0, 0, 5, HEADERS]);
        assert_eq!(a.answer(&input, &mut out), whole);
        let mut want = Vec::new();
        frame(&mut want, SETTINGS, 0, 0, &[]);
        frame(&mut want, SETTINGS, ACK, 0, &[]);
        frame(&mut want, HEADERS, END_HEADERS, 1, &[STATUS_200]);
        frame(&mut want, DATA, END_STREAM, 1, BODY);
        frame(&mut want, PING, ACK, 0, &[7; 8]);
        assert_eq!(out, want);
    }
}
