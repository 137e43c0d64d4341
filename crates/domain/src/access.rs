//! Accounts, roles and the one authorization decision (MISSION §2, §11).
//!
//! Every route declares the [`Action`] it performs; [`Grants::decide`] is the only place that
//! says yes or no. A grant is a role scoped to an area subtree (its materialised path), so the
//! tenant rule "one community never sees another's data" is the same prefix test as "a grid
//! worker sees only their grid".

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    StreetOfficer,
    CommunityAdmin,
    GridWorker,
    SocialWorker,
    OrgMember,
    Volunteer,
    Donor,
    FoundationOfficer,
    Resident,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::StreetOfficer,
        Role::CommunityAdmin,
        Role::GridWorker,
        Role::SocialWorker,
        Role::OrgMember,
        Role::Volunteer,
        Role::Donor,
        Role::FoundationOfficer,
        Role::Resident,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::StreetOfficer => "street_officer",
            Role::CommunityAdmin => "community_admin",
            Role::GridWorker => "grid_worker",
            Role::SocialWorker => "social_worker",
            Role::OrgMember => "org_member",
            Role::Volunteer => "volunteer",
            Role::Donor => "donor",
            Role::FoundationOfficer => "foundation_officer",
            Role::Resident => "resident",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(FieldError::new("role", "errors.role.invalid"))
    }

    fn is_staff(self) -> bool {
        matches!(self, Role::StreetOfficer | Role::CommunityAdmin | Role::GridWorker | Role::SocialWorker)
    }
}

/// Everything a route can do. Adding a variant forces a decision in [`role_allows`] and in
/// the route × role test, because both match without a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Login page, health check, static assets, public directory: no account needed.
    Public,
    /// Pages about one's own account; any signed-in person.
    OwnAccount,
    /// Community overview figures.
    OverviewRead,
    /// Area tree browsing.
    AreaRead,
    /// Creating and renaming areas.
    AreaWrite,
    /// Residents and households, personal data masked.
    ResidentRead,
    /// Full phone and ID numbers (audited).
    ResidentReadSensitive,
    /// Registering and editing residents.
    ResidentWrite,
    /// Organizations, memberships and people's posts.
    OrganizationRead,
    /// Creating organizations and memberships.
    OrganizationWrite,
    /// Reading the audit log.
    AuditRead,
    /// The needs ledger of an area: list, read, export (N1–N5).
    NeedRead,
    /// A resident's own needs: submit, follow, confirm or reopen.
    NeedOwn,
    /// Recording a need on a resident's behalf (visit, hotline, walk-in, joint meeting).
    NeedRecord,
    /// Accepting, assigning, rejecting, merging, whistling.
    NeedManage,
    /// Working on assigned needs: start, resolve, comment, report to a whistle.
    NeedWork,
    /// Service-level metrics (N5).
    NeedMetricsRead,
    /// The community resource database: browse, search, see matches (R1, R2).
    ResourceRead,
    /// Maintaining resources: one's own (a volunteer's skills, an organization's services), or
    /// as a curator every resource of the area (checked again per record).
    ResourceOwn,
    /// Curating every resource of an area, stock moves, booking rules (R1, R4).
    ResourceManage,
    /// Seeing the list of needs open for claiming and claiming them (R3).
    NeedClaim,
    /// Booking a community space (R4).
    FacilityBook,
    /// Approving and rejecting bookings of spaces that need approval (R4).
    BookingManage,
    /// The outbox of a community's e-mail and SMS: what is pending, failed or sent, and
    /// sending again (A2).
    OutboxManage,
    /// Volunteers of an area: profiles, groups, totals, retention and the roll-up (V1, V5, V6).
    VolunteerRead,
    /// Approving registrations, entering volunteers, groups, points rules, the catalogue,
    /// roster imports and mentorship pairs (V1, V3, V4).
    VolunteerManage,
    /// Creating and running activities: slots, check-in codes, the organizer's hours (V2).
    ActivityOrganize,
    /// Verifying service hours: social workers (and an activity's organizer, per record) (V2).
    HoursVerify,
    /// A community's emergency pages: the situation board, its alerts, the incidents' history.
    /// Every member of the community; what each sees depends on their duty (E2).
    EmergencyRead,
    /// Declaring an incident and switching back to normal: the community's admins, and street
    /// officers for the communities of their street (E2).
    EmergencyDeclare,
    /// Writing the emergency plans (E1): admins and social workers.
    EmergencyPlan,
    /// Being on duty in an incident: checking on vulnerable residents, recording what was found.
    /// Staff of the area are always on duty; volunteers for the tasks dispatched to them (E3).
    EmergencyDuty,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::Public,
        Action::OwnAccount,
        Action::OverviewRead,
        Action::AreaRead,
        Action::AreaWrite,
        Action::ResidentRead,
        Action::ResidentReadSensitive,
        Action::ResidentWrite,
        Action::OrganizationRead,
        Action::OrganizationWrite,
        Action::AuditRead,
        Action::NeedRead,
        Action::NeedOwn,
        Action::NeedRecord,
        Action::NeedManage,
        Action::NeedWork,
        Action::NeedMetricsRead,
        Action::ResourceRead,
        Action::ResourceOwn,
        Action::ResourceManage,
        Action::NeedClaim,
        Action::FacilityBook,
        Action::BookingManage,
        Action::OutboxManage,
        Action::VolunteerRead,
        Action::VolunteerManage,
        Action::ActivityOrganize,
        Action::HoursVerify,
        Action::EmergencyRead,
        Action::EmergencyDeclare,
        Action::EmergencyPlan,
        Action::EmergencyDuty,
    ];
}

/// The policy: which roles may perform which action (within the grant's area).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::Public | Action::OwnAccount | Action::OverviewRead => true,
        Action::AreaRead | Action::ResidentRead => role.is_staff(),
        // Street officers read dashboards; they have no purpose for full personal data.
        Action::ResidentReadSensitive => matches!(role, CommunityAdmin | GridWorker | SocialWorker),
        Action::ResidentWrite => matches!(role, CommunityAdmin | GridWorker),
        Action::AreaWrite => matches!(role, CommunityAdmin),
        Action::OrganizationRead => {
            role.is_staff() || matches!(role, OrgMember | Volunteer | FoundationOfficer | Donor)
        }
        Action::OrganizationWrite => matches!(role, CommunityAdmin | SocialWorker),
        Action::AuditRead => matches!(role, CommunityAdmin | StreetOfficer),
        Action::NeedRead | Action::NeedMetricsRead => role.is_staff(),
        Action::NeedOwn => matches!(role, Resident),
        Action::NeedRecord | Action::NeedManage => matches!(role, CommunityAdmin | GridWorker | SocialWorker),
        Action::NeedWork => matches!(role, CommunityAdmin | GridWorker | SocialWorker | OrgMember | Volunteer),
        Action::ResourceRead => role.is_staff() || matches!(role, OrgMember | Volunteer | FoundationOfficer | Donor),
        Action::ResourceOwn => {
            matches!(role, CommunityAdmin | SocialWorker | OrgMember | Volunteer | FoundationOfficer | Donor)
        }
        Action::ResourceManage | Action::BookingManage => matches!(role, CommunityAdmin | SocialWorker),
        Action::OutboxManage => matches!(role, CommunityAdmin),
        Action::NeedClaim => matches!(role, OrgMember | Volunteer),
        // Every signed-in member of a community may book its spaces; the space's rules say who.
        Action::FacilityBook => true,
        Action::VolunteerRead => role.is_staff(),
        Action::VolunteerManage => matches!(role, CommunityAdmin | SocialWorker),
        Action::ActivityOrganize => matches!(role, CommunityAdmin | SocialWorker | OrgMember),
        // `004` §6.2: hours are verified by the social worker (or the organizer, per record).
        Action::HoursVerify => matches!(role, SocialWorker),
        Action::EmergencyRead => true,
        Action::EmergencyDeclare => matches!(role, CommunityAdmin | StreetOfficer),
        Action::EmergencyPlan => matches!(role, CommunityAdmin | SocialWorker),
        // Street officers coordinate; they do not visit homes or read personal data.
        Action::EmergencyDuty => matches!(role, CommunityAdmin | GridWorker | SocialWorker | Volunteer),
    }
}

/// One grant: a role over an area subtree given by its materialised path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub area_path: String,
}

/// The grants of the person making a request (empty for anonymous visitors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub signed_in: bool,
    pub grants: Vec<Grant>,
}

/// Length of a community's area code and of a street's.
pub const COMMUNITY_CODE_LEN: usize = 12;
pub const STREET_CODE_LEN: usize = 9;

/// The areas a person's pages start from (see [`Grants::home`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Home {
    pub community: Option<String>,
    pub street: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: the page should send the visitor to the login form.
    NeedLogin,
    Deny,
}

impl Grants {
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// May this person perform `action` on something located at `subject_path`?
    /// `None` as subject means "somewhere" (e.g. a navigation link): any grant will do.
    pub fn decide(&self, action: Action, subject_path: Option<&str>) -> Decision {
        if action == Action::Public {
            return Decision::Allow;
        }
        if !self.signed_in {
            return Decision::NeedLogin;
        }
        if action == Action::OwnAccount {
            return Decision::Allow;
        }
        let ok = self
            .grants
            .iter()
            .any(|g| role_allows(g.role, action) && subject_path.is_none_or(|p| p.starts_with(&g.area_path)));
        if ok { Decision::Allow } else { Decision::Deny }
    }

    /// The subtrees in which `action` is allowed; list queries are restricted to these.
    /// Subtrees nested in another are dropped so a row is never listed twice.
    pub fn subtrees(&self, action: Action) -> Vec<String> {
        let mut paths: Vec<String> =
            self.grants.iter().filter(|g| role_allows(g.role, action)).map(|g| g.area_path.clone()).collect();
        paths.sort();
        paths.dedup();
        let mut out: Vec<String> = Vec::new();
        for p in paths {
            if !out.iter().any(|o| p.starts_with(o.as_str())) {
                out.push(p);
            }
        }
        out
    }

    /// Whether the person may act somewhere at or below `area_path`, or above it (a grid
    /// worker opening their community's page sees their grid's part of it).
    pub fn reaches(&self, action: Action, area_path: &str) -> bool {
        self.decide(action, Some(area_path)) == Decision::Allow
            || self.subtrees(action).iter().any(|p| p.starts_with(area_path))
    }

    /// Whether some grant allowing `action` lies in or above the community at `community_path`:
    /// a resident's household grant makes them a member of its community, for booking its
    /// spaces or claiming from its list.
    pub fn member_of(&self, action: Action, community_path: &str) -> bool {
        self.signed_in
            && self.grants.iter().any(|g| {
                role_allows(g.role, action)
                    && (g.area_path.starts_with(community_path) || community_path.starts_with(&g.area_path))
            })
    }

    /// Where the person's navigation points, from their grants alone (never from the page
    /// being read): the community of the first grant at or below a community, else the
    /// street of the first grant at a street. Area paths are the chain of codes, and a
    /// community's code is 12 digits, a street's 9 (GB/T 2260 and the statistics codes).
    pub fn home(&self) -> Home {
        let mut grants: Vec<&Grant> = self.grants.iter().collect();
        grants.sort_by(|a, b| a.area_path.cmp(&b.area_path));
        let level = |path: &str, len: usize| path.split('/').find(|c| c.len() == len).map(str::to_string);
        let community = grants.iter().find_map(|g| level(&g.area_path, COMMUNITY_CODE_LEN));
        let street = grants.iter().find_map(|g| level(&g.area_path, STREET_CODE_LEN));
        Home { community, street }
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }
}

/// Usernames: 3–32 of a–z, 0–9, `_`, `.`, `-`; or a mobile number (login by phone).
pub fn parse_username(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if ok { Ok(s) } else { Err(FieldError::new("username", "errors.username.invalid")) }
}

/// Passwords: at least 8 characters, at most 128 (argon2 cost stays bounded).
pub fn parse_new_password(raw: &str) -> Result<String, FieldError> {
    let n = raw.chars().count();
    if n < 8 {
        Err(FieldError::new("password", "errors.password.too_short"))
    } else if n > 128 {
        Err(FieldError::new("password", "errors.password.too_long"))
    } else {
        Ok(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn home_comes_from_the_grants_levels() {
        use super::*;
        let g = |role, p: &str| Grant { role, area_path: p.to_string() };
        let grid = Grants {
            signed_in: true,
            grants: vec![g(Role::GridWorker, "51/5101/510104/510104001/510104001001/51010400100101/")],
        };
        assert_eq!(grid.home().community.as_deref(), Some("510104001001"));
        assert_eq!(grid.home().street.as_deref(), Some("510104001"));
        let street = Grants { signed_in: true, grants: vec![g(Role::StreetOfficer, "51/5101/510104/510104001/")] };
        assert_eq!(street.home(), Home { community: None, street: Some("510104001".into()) });
        assert_eq!(Grants::anonymous().home(), Home::default());
    }

    use super::*;

    fn grants(role: Role, path: &str) -> Grants {
        Grants { signed_in: true, grants: vec![Grant { role, area_path: path.into() }] }
    }

    #[test]
    fn anonymous_visitors_reach_only_public_actions() {
        let g = Grants::anonymous();
        assert_eq!(g.decide(Action::Public, None), Decision::Allow);
        assert_eq!(g.decide(Action::OverviewRead, None), Decision::NeedLogin);
    }

    #[test]
    fn grants_are_scoped_to_their_subtree() {
        let g = grants(Role::CommunityAdmin, "51/5101/510104/510104001/510104001001/");
        let inside = "51/5101/510104/510104001/510104001001/51010400100101/";
        let other = "31/3101/310106/310106001/310106001001/";
        assert_eq!(g.decide(Action::ResidentWrite, Some(inside)), Decision::Allow);
        assert_eq!(g.decide(Action::ResidentWrite, Some(other)), Decision::Deny);
    }

    #[test]
    fn street_officers_read_but_never_unmask() {
        let g = grants(Role::StreetOfficer, "51/5101/510104/510104001/");
        let c = "51/5101/510104/510104001/510104001001/";
        assert_eq!(g.decide(Action::ResidentRead, Some(c)), Decision::Allow);
        assert_eq!(g.decide(Action::ResidentReadSensitive, Some(c)), Decision::Deny);
    }

    #[test]
    fn a_grid_worker_reaches_their_community_page_through_their_grid() {
        let c = "51/5101/510104/510104001/510104001001/";
        let g = grants(Role::GridWorker, "51/5101/510104/510104001/510104001001/51010400100101/");
        assert!(g.reaches(Action::ResidentRead, c));
        assert_eq!(g.decide(Action::ResidentRead, Some(c)), Decision::Deny);
        assert!(!g.reaches(Action::ResidentRead, "31/"));
    }

    #[test]
    fn nested_subtrees_collapse() {
        let g = Grants {
            signed_in: true,
            grants: vec![
                Grant { role: Role::GridWorker, area_path: "1/2/3/".into() },
                Grant { role: Role::CommunityAdmin, area_path: "1/2/".into() },
            ],
        };
        assert_eq!(g.subtrees(Action::ResidentRead), vec!["1/2/".to_string()]);
    }

    #[test]
    fn usernames_and_passwords_parse() {
        assert_eq!(parse_username(" Admin.S ").unwrap(), "admin.s");
        assert!(parse_username("a").is_err());
        assert!(parse_username("张三").is_err());
        assert!(parse_new_password("short").is_err());
        assert!(parse_new_password("long enough").is_ok());
    }
}
