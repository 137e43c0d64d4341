//! N5 — the arithmetic of need metrics.
//!
//! Metrics are read from roll-ups kept beside the ledger (one row of counts per month,
//! division, category and assignee, and duration histograms), not from the ledger's rows: a
//! month of a busy community is a hundred thousand needs, and a committee opens the page many
//! times a day. Counts add exactly. Medians and p90 cannot be added, so durations are kept as
//! histograms with buckets 5% wide that remember the sum of what fell in them; a percentile is
//! the mean of its bucket, which is exact when the bucket holds one distinct value and within
//! 5% otherwise.

use crate::error::FieldError;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// China Standard Time, in which months begin.
const UTC8: i64 = crate::LOCAL_OFFSET_MS;

/// A calendar month in China Standard Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1–12.
    month: u32,
}

impl Month {
    /// `YYYY-MM`, years 2000–2999.
    pub fn parse(raw: &str) -> Result<Month, FieldError> {
        let bad = || FieldError::new("month", "errors.month.invalid");
        let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return Err(bad());
        }
        let (year, month) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?);
        if !(2000..3000).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The month holding the instant `ms` (UTC milliseconds).
    pub fn of(ms: i64) -> Month {
        let (year, month, _) = civil_from_days((ms + UTC8).div_euclid(DAY));
        Month { year, month }
    }

    /// `yyyymm`, the key roll-ups are stored under.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    pub fn from_key(key: i64) -> Option<Month> {
        let (year, month) = (i32::try_from(key / 100).ok()?, u32::try_from(key % 100).ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// First instant of the month (UTC milliseconds).
    pub fn start(self) -> i64 {
        days_from_civil(self.year, self.month, 1) * DAY - UTC8
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// The month `n` months earlier.
    pub fn back(self, n: u32) -> Month {
        let idx = self.year * 12 + self.month as i32 - 1 - n as i32;
        Month { year: idx.div_euclid(12), month: idx.rem_euclid(12) as u32 + 1 }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// The part of a need's area path that metrics break down by: the community and the first
/// level below it (a grid, or whatever the community divides into), or the community itself
/// for a need filed for the whole community. Community codes are the 12-digit statutory ones
/// ([`crate::areas`]), which is how the community's segment is found.
pub fn division_path(area_path: &str) -> &str {
    let mut end = 0;
    let mut community_seen = false;
    for seg in area_path.split_inclusive('/') {
        end += seg.len();
        if community_seen {
            return &area_path[..end];
        }
        community_seen = seg.trim_end_matches('/').len() == 12;
    }
    area_path
}

/// The community's own path within a need's area path (the whole path when no community
/// segment is found).
pub fn community_path(area_path: &str) -> &str {
    let mut end = 0;
    for seg in area_path.split_inclusive('/') {
        end += seg.len();
        if seg.trim_end_matches('/').len() == 12 {
            return &area_path[..end];
        }
    }
    area_path
}

/// Bucket width: each bucket is 5% longer than the one before it, so a bucket's mean and any
/// value in it differ by less than 5%.
const GROWTH: f64 = 1.05;

/// The histogram bucket of a duration: 0 for under a minute, then buckets growing by 5%.
pub fn duration_bucket(ms: i64) -> i64 {
    if ms < 60_000 {
        return 0;
    }
    1 + ((ms as f64 / 60_000.0).ln() / GROWTH.ln()).floor() as i64
}

/// Counts that add across needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub needs: i64,
    pub responded: i64,
    pub responded_on_time: i64,
    pub resolved: i64,
    pub reopened: i64,
    pub rated: i64,
    pub rating_sum: i64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.needs += o.needs;
        self.responded += o.responded;
        self.responded_on_time += o.responded_on_time;
        self.resolved += o.resolved;
        self.reopened += o.reopened;
        self.rated += o.rated;
        self.rating_sum += o.rating_sum;
    }

    pub fn negated(&self) -> Counts {
        Counts {
            needs: -self.needs,
            responded: -self.responded,
            responded_on_time: -self.responded_on_time,
            resolved: -self.resolved,
            reopened: -self.reopened,
            rated: -self.rated,
            rating_sum: -self.rating_sum,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }
}

/// What one need adds to the metrics of the month it was filed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub counts: Counts,
    pub respond_ms: Option<i64>,
    pub resolve_ms: Option<i64>,
}

/// The facts of one need that its metrics depend on.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub created_at: i64,
    pub responded_at: Option<i64>,
    pub respond_due: i64,
    pub resolved_at: Option<i64>,
    pub rating: Option<i64>,
    pub reopened: i64,
    /// Merged needs are counted once, in the need they were merged into.
    pub merged: bool,
}

impl Facts {
    pub fn contribution(&self) -> Option<Contribution> {
        if self.merged {
            return None;
        }
        let counts = Counts {
            needs: 1,
            responded: i64::from(self.responded_at.is_some()),
            responded_on_time: i64::from(self.responded_at.is_some_and(|t| t <= self.respond_due)),
            resolved: i64::from(self.resolved_at.is_some()),
            reopened: i64::from(self.reopened > 0),
            rated: i64::from(self.rating.is_some()),
            rating_sum: self.rating.unwrap_or(0),
        };
        Some(Contribution {
            counts,
            respond_ms: self.responded_at.map(|t| t - self.created_at),
            resolve_ms: self.resolved_at.map(|t| t - self.created_at),
        })
    }
}

/// Durations grouped by [`duration_bucket`]: `bucket → (count, sum of milliseconds)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram(pub std::collections::BTreeMap<i64, (i64, i64)>);

impl Histogram {
    pub fn add(&mut self, bucket: i64, n: i64, total_ms: i64) {
        let e = self.0.entry(bucket).or_default();
        e.0 += n;
        e.1 += total_ms;
    }

    pub fn merge(&mut self, o: &Histogram) {
        for (b, (n, t)) in &o.0 {
            self.add(*b, *n, *t);
        }
    }

    /// The nearest-rank percentile `p` (0–1) in hours: the mean of the bucket holding the
    /// value of rank `round((n − 1) · p)`, the rank the exact computation uses.
    pub fn percentile_h(&self, p: f64) -> Option<f64> {
        let total: i64 = self.0.values().map(|v| v.0).sum();
        if total <= 0 {
            return None;
        }
        let rank = ((total - 1) as f64 * p).round() as i64;
        let mut seen = 0;
        for (n, sum) in self.0.values() {
            if *n <= 0 {
                continue;
            }
            seen += n;
            if seen > rank {
                return Some(*sum as f64 / *n as f64 / HOUR as f64);
            }
        }
        None
    }
}

/// N5 figures for a set of needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub counts: Counts,
    pub respond_median_h: Option<f64>,
    pub respond_p90_h: Option<f64>,
    pub resolve_median_h: Option<f64>,
    pub resolve_p90_h: Option<f64>,
}

impl Figures {
    pub fn from_parts(counts: Counts, respond: &Histogram, resolve: &Histogram) -> Figures {
        Figures {
            counts,
            respond_median_h: respond.percentile_h(0.5),
            respond_p90_h: respond.percentile_h(0.9),
            resolve_median_h: resolve.percentile_h(0.5),
            resolve_p90_h: resolve.percentile_h(0.9),
        }
    }

    pub fn response_rate(&self) -> Option<f64> {
        let c = &self.counts;
        (c.needs > 0).then(|| c.responded as f64 / c.needs as f64)
    }
    pub fn on_time_rate(&self) -> Option<f64> {
        let c = &self.counts;
        (c.needs > 0).then(|| c.responded_on_time as f64 / c.needs as f64)
    }
    pub fn satisfaction(&self) -> Option<f64> {
        let c = &self.counts;
        (c.rated > 0).then(|| c.rating_sum as f64 / c.rated as f64)
    }
    pub fn reopen_rate(&self) -> Option<f64> {
        let c = &self.counts;
        (c.resolved > 0).then(|| c.reopened as f64 / c.resolved as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_begin_at_midnight_china_time() {
        let m = Month::parse("2026-11").unwrap();
        // 2026-11-01T00:00+08:00 = 2026-10-31T16:00Z = 1793462400000 ms.
        assert_eq!(m.start(), 1_793_462_400_000);
        assert_eq!(Month::of(m.start()), m);
        assert_eq!(Month::of(m.start() - 1), Month::parse("2026-10").unwrap());
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(Month::parse("2026-12").unwrap().next().to_string(), "2027-01");
        assert_eq!(m.back(11).to_string(), "2025-12");
        assert_eq!(Month::from_key(m.key()), Some(m));
        assert_eq!(m.key(), 202_611);
    }

    #[test]
    fn leap_days_and_month_ends_are_right() {
        let feb = Month::parse("2028-02").unwrap();
        assert_eq!((feb.next().start() - feb.start()) / DAY, 29);
        assert_eq!(
            (Month::parse("2026-02").unwrap().next().start() - Month::parse("2026-02").unwrap().start()) / DAY,
            28
        );
        for key in [200001, 202412, 209906] {
            let m = Month::from_key(key).unwrap();
            assert_eq!(Month::of(m.next().start() - 1), m);
        }
    }

    #[test]
    fn bad_months_name_the_field() {
        for raw in ["", "2026", "2026-13", "2026-0", "26-01", "abcd-01", "2026-1x"] {
            assert_eq!(Month::parse(raw).unwrap_err().field, "month", "{raw}");
        }
    }

    #[test]
    fn divisions_are_the_first_level_below_the_community() {
        let c = "51/5101/510104/510104001/510104001001/";
        assert_eq!(division_path(&format!("{c}51010400100101/5101040010010100101/")), format!("{c}51010400100101/"));
        assert_eq!(division_path(&format!("{c}51010400100102/")), format!("{c}51010400100102/"));
        assert_eq!(division_path(c), c);
        assert_eq!(community_path(&format!("{c}51010400100101/5101040010010100101/")), c);
        assert_eq!(community_path(c), c);
    }

    #[test]
    fn buckets_grow_and_percentiles_are_exact_for_single_values() {
        assert_eq!(duration_bucket(0), 0);
        assert_eq!(duration_bucket(59_999), 0);
        assert!(duration_bucket(2 * HOUR) < duration_bucket(6 * HOUR));
        let mut h = Histogram::default();
        for v in [2 * HOUR, 6 * HOUR] {
            h.add(duration_bucket(v), 1, v);
        }
        // Nearest rank of two values: the median is the upper one.
        assert_eq!(h.percentile_h(0.5), Some(6.0));
        assert_eq!(h.percentile_h(0.0), Some(2.0));
        assert_eq!(Histogram::default().percentile_h(0.5), None);
    }

    #[test]
    fn percentiles_stay_within_five_percent_of_the_exact_ones() {
        // A spread of durations from a minute to three weeks.
        let mut values: Vec<i64> = (1..4000).map(|i| (i * i * 7919) % (21 * DAY) + 60_000).collect();
        values.sort_unstable();
        let mut h = Histogram::default();
        for v in &values {
            h.add(duration_bucket(*v), 1, *v);
        }
        for p in [0.1, 0.5, 0.9, 0.99] {
            let exact = values[((values.len() - 1) as f64 * p).round() as usize] as f64 / HOUR as f64;
            let approx = h.percentile_h(p).unwrap();
            assert!((approx - exact).abs() <= exact * 0.05, "p{p}: {approx} vs {exact}");
        }
    }

    #[test]
    fn a_need_contributes_what_happened_to_it() {
        let f = Facts {
            created_at: 0,
            responded_at: Some(3 * HOUR),
            respond_due: 2 * HOUR,
            resolved_at: Some(10 * HOUR),
            rating: Some(4),
            reopened: 1,
            merged: false,
        };
        let c = f.contribution().unwrap();
        assert_eq!(
            c.counts,
            Counts { needs: 1, responded: 1, responded_on_time: 0, resolved: 1, reopened: 1, rated: 1, rating_sum: 4 }
        );
        assert_eq!((c.respond_ms, c.resolve_ms), (Some(3 * HOUR), Some(10 * HOUR)));
        assert_eq!(Facts { merged: true, ..f }.contribution(), None);
        let mut sum = c.counts;
        sum.add(&c.counts.negated());
        assert!(sum.is_zero());
    }
}
