//! Numbered pages for long lists: the first, the last, and the pages around the current one,
//! with gaps between, and the total. Every link keeps the list's filters (the caller's `link`).

/// One item of a pager: a page to go to, the current page, or a gap.
pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

/// A list's pages, for `templates/pager.html`.
pub struct Pager {
    pub links: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// Pages of `total` items, `per_page` each, on page `current` (1-based).
    pub fn new(current: i64, total: i64, per_page: i64, link: impl Fn(i64) -> String) -> Pager {
        let last = ((total + per_page - 1) / per_page.max(1)).max(1);
        let current = current.clamp(1, last);
        let mut links = Vec::new();
        let mut shown_up_to = 0;
        for p in 1..=last {
            let near = (p - current).abs() <= 2;
            if p == 1 || p == last || near {
                if p > shown_up_to + 1 {
                    links.push(PageLink { label: "…".into(), href: None, current: false });
                }
                links.push(PageLink {
                    label: p.to_string(),
                    href: (p != current).then(|| link(p)),
                    current: p == current,
                });
                shown_up_to = p;
            }
        }
        Pager {
            prev: (current > 1).then(|| link(current - 1)),
            next: (current < last).then(|| link(current + 1)),
            links: if last > 1 { links } else { Vec::new() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(p: &Pager) -> Vec<String> {
        p.links.iter().map(|l| if l.current { format!("[{}]", l.label) } else { l.label.clone() }).collect()
    }

    #[test]
    fn pages_show_the_ends_and_the_neighbourhood() {
        let p = Pager::new(10, 1000, 50, |n| format!("?page={n}"));
        assert_eq!(labels(&p), ["1", "…", "8", "9", "[10]", "11", "12", "…", "20"]);
        assert_eq!(p.prev.as_deref(), Some("?page=9"));
        assert_eq!(p.next.as_deref(), Some("?page=11"));
        assert!(p.links.iter().find(|l| l.current).unwrap().href.is_none());
    }

    #[test]
    fn one_page_needs_no_pager_and_past_the_end_is_the_last() {
        assert!(Pager::new(1, 10, 50, |n| n.to_string()).links.is_empty());
        let p = Pager::new(99, 120, 50, |n| n.to_string());
        assert_eq!(labels(&p), ["1", "2", "[3]"]);
        assert!(p.next.is_none());
    }
}
