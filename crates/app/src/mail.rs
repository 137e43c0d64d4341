//! E-mail as mail servers accept it: the message format (RFC 5322, RFC 2047 subjects, RFC 2045
//! transfer encodings) and a minimal SMTP conversation (RFC 5321) with a relay. The outbox
//! (`notifications`) decides what to send and when; this module only says it correctly.

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

/// The message as sent in DATA (RFC 5322): a `Date`, the subject as RFC 2047 encoded words
/// short enough to keep every header line within 76 characters, the notification's id as the
/// Message-ID, and the body with CRLF line ends only (no bare CR or LF), lines of at most 998
/// octets and dot-stuffing — as 8-bit text where the relay announced 8BITMIME, otherwise in
/// base64, which any relay carries.
#[allow(clippy::too_many_arguments)]
pub fn compose_email(from: &str, to: &str, subject: &str, body: &str, id: i64, at: i64, eight_bit: bool) -> String {
    let tz = crate::clock::local();
    let date = chrono::DateTime::from_timestamp_millis(at).unwrap_or_default().with_timezone(&tz).to_rfc2822();
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in subject.chars().filter(|c| !c.is_control()) {
        if chunk.len() + c.len_utf8() > 39 {
            words.push(format!("=?UTF-8?B?{}?=", base64_encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64_encode(chunk.as_bytes())));
    }
    let mut msg = format!(
        "Date: {date}\r\nFrom: <{from}>\r\nTo: <{to}>\r\nSubject: {}\r\nMessage-ID: <wushe-notification-{id}@wushe>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: {}\r\n\r\n",
        words.join("\r\n "),
        if eight_bit { "8bit" } else { "base64" }
    );
    let text = body.replace("\r\n", "\n").replace('\r', "\n");
    if eight_bit {
        for line in text.split('\n') {
            let mut rest = line;
            loop {
                let mut cut = rest.len().min(990);
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
                let (piece, tail) = rest.split_at(cut);
                // Dot-stuffing keeps a line with a lone "." from ending the message early.
                if piece.starts_with('.') {
                    msg.push('.');
                }
                msg.push_str(piece);
                msg.push_str("\r\n");
                if tail.is_empty() {
                    break;
                }
                rest = tail;
            }
        }
    } else {
        let encoded = base64_encode(text.replace('\n', "\r\n").as_bytes());
        for line in encoded.as_bytes().chunks(76) {
            msg.push_str(std::str::from_utf8(line).unwrap_or_default());
            msg.push_str("\r\n");
        }
    }
    msg.push_str(".\r\n");
    msg
}

/// A minimal SMTP conversation (RFC 5321) with a relay.
#[allow(clippy::too_many_arguments)]
pub(crate) fn send_smtp(
    addr: &str,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    id: i64,
    at: i64,
    timeout: Duration,
) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let target = addr.to_socket_addrs().map_err(|e| e.to_string())?.next().ok_or("no address")?;
    let stream = std::net::TcpStream::connect_timeout(&target, timeout).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    let mut w = stream.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(stream);
    // Reads a (multi-line) reply; returns its lines.
    let expect = |code: &str, r: &mut BufReader<std::net::TcpStream>| -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("connection closed".into());
            }
            if !line.starts_with(code) {
                return Err(format!("SMTP: {}", line.trim()));
            }
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line);
            if !more {
                return Ok(lines);
            }
        }
    };
    let say =
        |s: &str, w: &mut std::net::TcpStream| w.write_all(format!("{s}\r\n").as_bytes()).map_err(|e| e.to_string());
    expect("220", &mut r)?;
    say("EHLO wushe", &mut w)?;
    let ehlo = expect("250", &mut r)?;
    let eight_bit = ehlo.iter().any(|l| l.get(4..).is_some_and(|x| x.trim().eq_ignore_ascii_case("8BITMIME")));
    say(&format!("MAIL FROM:<{from}>{}", if eight_bit { " BODY=8BITMIME" } else { "" }), &mut w)?;
    expect("250", &mut r)?;
    say(&format!("RCPT TO:<{to}>"), &mut w)?;
    expect("250", &mut r)?;
    say("DATA", &mut w)?;
    expect("354", &mut r)?;
    w.write_all(compose_email(from, to, subject, body, id, at, eight_bit).as_bytes()).map_err(|e| e.to_string())?;
    expect("250", &mut r)?;
    let _ = say("QUIT", &mut w);
    Ok(())
}

fn base64_encode(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_is_what_mail_servers_accept() {
        let subject = "【五社】需求 #1234 已分派给您：".to_string() + &"楼道灯不亮，老人上下楼容易摔倒".repeat(20);
        let body = format!("第一行\r\n第二行\r孤立的回车\n.一个点开头\n{}", "长".repeat(2000));
        for eight_bit in [true, false] {
            let m = compose_email(
                "wushe@example.org",
                "a@example.org",
                &subject,
                &body,
                1234,
                1_795_000_000_000,
                eight_bit,
            );
            let (head, text) = m.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with("Date: ") && head.contains("+0800"), "{head}");
            assert!(head.contains("Message-ID: <wushe-notification-1234@wushe>"));
            for line in m.split("\r\n") {
                assert!(!line.contains('\r') && !line.contains('\n'), "no bare CR or LF");
                assert!(line.len() <= 998, "{} octets", line.len());
            }
            for line in head.split("\r\n") {
                assert!(line.len() <= 76, "header line of {} characters: {line}", line.len());
            }
            assert!(m.ends_with("\r\n.\r\n"));
            if eight_bit {
                assert!(text.contains("\r\n孤立的回车\r\n") && text.contains("\r\n..一个点开头\r\n"));
            } else {
                assert!(text.is_ascii(), "base64 for relays without 8BITMIME");
            }
        }
    }

    #[test]
    fn subjects_are_base64_encoded() {
        assert_eq!(base64_encode("需求".as_bytes()), "6ZyA5rGC");
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }
}
