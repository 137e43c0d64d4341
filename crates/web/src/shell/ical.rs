//! iCalendar (RFC 5545) feeds for bookings (X5, R4): `VCALENDAR` with one `VEVENT` per booking,
//! text escaped (§3.3.11) and lines folded at 75 octets without splitting a UTF-8 character
//! (§3.1), CRLF line ends.
//!
//! A feed is subscribed to by its address, not sent as an iTIP message, so it carries no
//! `METHOD` (RFC 5546 §3.2.1 would then require an `ORGANIZER` we do not have). Times are
//! Asia/Shanghai local times with their `VTIMEZONE`, as people booked them; the time zone is
//! also the component that keeps a feed without bookings valid (§3.6 wants at least one).

/// One event of a feed.
pub struct Event {
    pub uid: String,
    /// When the feed was made: with `METHOD` present, DTSTAMP is the object's creation (§3.8.7.2).
    pub stamp: i64,
    pub start: i64,
    pub end: i64,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// `CONFIRMED`, `TENTATIVE` or `CANCELLED` (§3.8.1.11).
    pub status: &'static str,
    /// Incremented on every change, so calendar apps replace the old copy (§3.8.7.4).
    pub sequence: i64,
}

/// Local date-time form `19980119T070000` for use with `TZID=Asia/Shanghai` (§3.3.5, form #3).
pub fn local(ms: i64) -> String {
    wushe_app::clock::local_text(ms, "%Y%m%dT%H%M%S")
}

/// UTC date-time form `19980119T070000Z` (§3.3.5, form #2).
pub fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default()
}

/// TEXT value escaping: backslash, semicolon, comma and new lines.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no physical line exceeds 75 octets.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Wushe//Community bookings//ZH-CN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Asia/Shanghai");
    for l in [
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19910915T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ] {
        line(&mut out, l);
    }
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", e.uid));
        line(&mut out, &format!("DTSTAMP:{}", utc(e.stamp)));
        line(&mut out, &format!("DTSTART;TZID=Asia/Shanghai:{}", local(e.start)));
        line(&mut out, &format!("DTEND;TZID=Asia/Shanghai:{}", local(e.end)));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        line(&mut out, &format!("STATUS:{}", e.status));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// Undoes folding (§3.1): for tests and for reading feeds back.
pub fn unfold(s: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in s.split("\r\n") {
        if let Some(rest) = raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t'))
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        if !raw.is_empty() {
            lines.push(raw.to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let e = Event {
            uid: "booking-1@wushe".into(),
            stamp: 0,
            start: 1_764_547_200_000,
            end: 1_764_550_800_000,
            summary: "社区议事厅：居民议事会, 关于楼道堆物; 第二次".repeat(3),
            location: String::new(),
            description: "一\n二".into(),
            status: "CONFIRMED",
            sequence: 2,
        };
        let text = calendar("S社区 议事厅", &[e]);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let lines = unfold(&text);
        let summary = lines.iter().find(|l| l.starts_with("SUMMARY:")).unwrap();
        assert!(summary.contains("居民议事会\\, 关于楼道堆物\\; 第二次"));
        assert!(lines.contains(&"DESCRIPTION:一\\n二".to_string()));
        assert!(lines.contains(&"DTSTART;TZID=Asia/Shanghai:20251201T080000".to_string()), "{lines:?}");
        assert!(lines.contains(&"DTEND;TZID=Asia/Shanghai:20251201T090000".to_string()));
        assert!(!lines.iter().any(|l| l.starts_with("METHOD:")), "a subscribed feed is no iTIP message");
        assert!(lines.contains(&"X-WR-CALNAME:S社区 议事厅".to_string()));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn a_feed_without_bookings_still_holds_a_component() {
        let lines = unfold(&calendar("空", &[]));
        let begins: Vec<&String> = lines.iter().filter(|l| l.starts_with("BEGIN:")).collect();
        assert_eq!(begins, ["BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", "BEGIN:STANDARD"]);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a\\b;c,d\r\ne"), "a\\\\b\\;c\\,d\\ne");
    }
}
