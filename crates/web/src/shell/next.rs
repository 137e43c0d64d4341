//! Where a person is sent next (after login, a preference change or an action): only a path
//! on this site.

/// Only a path on this site is followed after login or a preference change. Browsers drop
/// tabs and line breaks from a URL and read `\\` as `/`, so `/\t/evil.example` would become
/// `//evil.example` (another origin): any control character, space or backslash refuses the
/// path, and so does a second leading slash. Anything else outside visible ASCII is
/// percent-encoded, so the Location header is always valid.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".to_string() };
    let bad = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !n.starts_with('/') || n.starts_with("//") || n.chars().any(bad) {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}
