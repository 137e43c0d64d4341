//! What the capabilities add to the shared parts, listed once: their reactions to each
//! other's events, and the steps that follow a migration. `Db::connect` and `Db::migrate`
//! live here so that every database this crate opens reacts the same way, and the shared
//! modules (`db`, `audit`, `events`, `cache`) never name a capability.

use crate::db::Durability;
use crate::events::Reaction;
use crate::{AppError, Db};

/// Every reaction to a domain event, in the order they run.
pub static REACTIONS: &[Reaction] = &[
    // R3: a need reassigned, resolved or closed ends its claim.
    crate::claims::on_need_step,
    // S4: a new organization is found in the directory at once.
    crate::directory::on_organization_created,
    // V3: a mediation recorded on a need earns its recorder points.
    crate::volunteers::on_need_step,
];

impl Db {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, AppError> {
        Self::connect_with(url, Durability::Normal).await
    }

    /// As [`Db::connect`], choosing how SQLite syncs its log.
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Db, AppError> {
        Db::open(url, durability, REACTIONS).await
    }

    /// Applies every migration not yet applied, each in its own transaction, then what a
    /// capability must compute once for data that was there before its migration.
    pub async fn migrate(&self) -> Result<Vec<i64>, AppError> {
        let applied = self.apply_migrations().await?;
        // N5: roll-ups arrived after ledgers already held needs: compute them once.
        if applied.contains(&9) {
            crate::needs::metrics::rebuild(self).await?;
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    //! The shape ARCHITECTURE.md describes, checked on the sources.

    use std::path::{Path, PathBuf};

    /// Each capability and the tables it owns; only its own module or folder writes them.
    const OWNERS: &[(&str, &[&str])] = &[
        ("areas", &["areas"]),
        ("people", &["people"]),
        ("organizations", &["organizations", "memberships"]),
        ("directory", &["search_terms"]),
        ("accounts", &["users", "grants", "sessions", "api_tokens"]),
        ("audit", &["audit_chains", "audit_entries", "audit_head", "audit_log"]),
        ("notifications", &["notifications", "outbox", "broadcasts", "broadcast_outbox"]),
        (
            "needs",
            &[
                "need_categories",
                "needs",
                "need_events",
                "whistles",
                "need_photos",
                "need_rollups",
                "need_rollup_times",
                "saved_views",
                "work_calendars",
            ],
        ),
        ("claims", &["claim_listings", "need_claims"]),
        ("bookings", &["bookings", "booking_slots", "calendar_feeds"]),
        ("resources", &["resources", "resource_exceptions", "resource_stock_moves"]),
        ("open311", &["open311_keys"]),
        (
            "volunteers",
            &[
                "volunteers",
                "volunteer_groups",
                "volunteer_trainings",
                "activities",
                "activity_signups",
                "service_records",
                "points_rules",
                "points_settings",
                "points_items",
                "points_redemptions",
                "points_entries",
                "courses",
                "mentorships",
                "mentorship_notes",
            ],
        ),
        (
            "emergency",
            &[
                "emergency_plans",
                "incidents",
                "incident_areas",
                "incident_log",
                "emergency_alerts",
                "checkins",
                "checkin_events",
                "supply_issues",
                "supply_offers",
                "functionality_readings",
                "situation_reports",
                "incident_reviews",
            ],
        ),
        ("db", &["schema_migrations"]),
    ];

    /// The shared parts: they serve every capability and name none.
    const SHARED: &[&str] = &["db", "audit", "events", "cache", "clock", "error", "mail", "sheets"];

    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).expect("source folder").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(&root).expect("under src").to_string_lossy().replace('\\', "/");
                let module = rel.split(['/', '.']).next().unwrap_or("").to_string();
                let text = std::fs::read_to_string(&p).expect("readable source");
                // Test modules may set up whatever they need.
                let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                (module, code)
            })
            .collect()
    }

    /// The table names an SQL text writes to.
    fn written(code: &str) -> Vec<String> {
        let mut out = Vec::new();
        for verb in ["INSERT INTO ", "UPDATE ", "DELETE FROM "] {
            let mut rest = code;
            while let Some(i) = rest.find(verb) {
                let tail = &rest[i + verb.len()..];
                let name: String =
                    tail.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
                if !name.is_empty() {
                    out.push(name);
                }
                rest = tail;
            }
        }
        out
    }

    #[test]
    fn only_a_capability_writes_its_tables() {
        let mut wrong = Vec::new();
        let files = sources();
        assert!(files.len() > 40, "found {} sources", files.len());
        for (module, code) in &files {
            for table in written(code) {
                if let Some((owner, _)) = OWNERS.iter().find(|(_, ts)| ts.contains(&table.as_str()))
                    && owner != module
                {
                    wrong.push(format!("{module} writes {table}, which {owner} owns"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_shared_parts_name_no_capability() {
        let capabilities: Vec<&str> = OWNERS.iter().map(|(c, _)| *c).filter(|c| !SHARED.contains(c)).collect();
        let mut wrong = Vec::new();
        for (module, code) in sources() {
            if !SHARED.contains(&module.as_str()) {
                continue;
            }
            for cap in &capabilities {
                if code.contains(&format!("crate::{cap}::")) || code.contains(&format!("crate::{cap};")) {
                    wrong.push(format!("{module} names {cap}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_table_scan_sees_writes() {
        let mut found =
            written("query(\"UPDATE needs SET x = 1\"); \"INSERT INTO need_events (a)\"; \"DELETE FROM outbox\"");
        found.sort();
        assert_eq!(found, ["need_events", "needs", "outbox"]);
    }
}
