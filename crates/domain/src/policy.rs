//! The record-level policy: may this person do this to this one record?
//!
//! [`crate::access::Grants::decide`] answers for a route and an area ("may a grid worker read
//! needs here?"). This module answers for one record, from facts the app gathers about how the
//! asker stands to it ([`Ties`]: requester, household, assignee, claim holder, owner, member of
//! the organization concerned). Commands check it before writing, and pages offer exactly the
//! buttons it allows, so no rule is restated elsewhere.

use crate::access::{Action, Decision, Grants};
use crate::needs::EventKind;

/// Who asks: their grants, and whether they are the operator at the console (who may do
/// everything, still audited).
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub grants: &'a Grants,
    pub operator: bool,
    /// Signed in with an account of their own (an Open311 key is signed in but is nobody).
    pub person: bool,
}

/// How the asker stands to one record; gathered by the app from its tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ties {
    /// Submitted the need, or lives in the household it is about.
    pub requester: bool,
    /// The need is assigned to this person.
    pub assignee: bool,
    /// Member of the organization the record concerns: a need's assignee organization, a
    /// whistled organization, a resource's owner organization.
    pub member: bool,
    /// Holds the active claim on the need.
    pub claim_holder: bool,
    /// Owns the resource personally (a volunteer's skill), or is the volunteer whose record it is.
    pub owner: bool,
    /// Organized the activity the record belongs to.
    pub organizer: bool,
}

/// One record as the policy sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Where the record lies in the area tree (its materialised path).
    pub area_path: String,
    pub ties: Ties,
    /// A closed need takes no more photos, whistles, matches or claims.
    pub closed: bool,
    /// The record carries a private person's contact (a person-owned resource).
    pub personal: bool,
}

/// Every record-level question a capability asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// See the need at all (others' needs look missing).
    NeedRead,
    /// Record one workflow event; whether the need's status allows it is the state machine's
    /// question, not this one.
    NeedStep(EventKind),
    NeedAddPhoto,
    /// See similar needs, group, list for claiming.
    NeedManage,
    /// Offer to whistle organizations (吹哨) to the need: a manager, while it is open. The
    /// command checks [`Ask::NeedManage`] and the state machine, which together say the same.
    NeedWhistle,
    /// Offer the ranked resources for the need: a manager, while it is open.
    NeedMatch,
    /// Report to a whistle addressed to the organization in [`Ties::member`].
    NeedReport,
    /// See the requester's name and phone in full: the requester, the person doing the work,
    /// and roles that may read residents' sensitive data there. Others see them masked.
    NeedContact,
    /// Release the active claim on the need.
    ClaimRelease,
    ResourceRead,
    /// Edit a resource, move its stock.
    ResourceEdit,
    ResourceManage,
    /// See a person-owned resource's full contact and address.
    ResourceContact,
    /// See a volunteer's profile, hours and points: the volunteer, or staff of the area.
    VolunteerRecord,
    /// Verify or reject hours: a social worker of the area, or the activity's organizer, never
    /// for their own hours.
    HoursVerify,
    /// Run an activity (its check-in code, its sign-ups): volunteer staff or its organizer.
    ActivityRun,
    /// Record what a check-in found (E3): the person it is dispatched to, or staff who record
    /// for residents of the area; only while the incident is active (`closed` is its end).
    CheckinRecord,
    /// See a vulnerable resident's name, address and phone on the check-in list (E3): the
    /// same people, while the incident is active; afterwards everyone sees them masked again.
    VulnerableList,
}

impl Asker<'_> {
    fn at(&self, action: Action, path: &str) -> bool {
        self.grants.decide(action, Some(path)) == Decision::Allow
    }

    fn anywhere(&self, action: Action) -> bool {
        self.grants.decide(action, None) == Decision::Allow
    }

    /// At the path, above it (a grid worker and their community's street-level resources), or
    /// as a member of the community it lies in.
    fn near(&self, action: Action, path: &str) -> bool {
        self.grants.reaches(action, path) || self.grants.member_of(action, path)
    }
}

/// The one answer to every record-level question.
pub fn allows(who: Asker, r: &Record, ask: Ask) -> bool {
    if who.operator {
        return true;
    }
    let t = r.ties;
    let path = r.area_path.as_str();
    let manage = who.at(Action::NeedManage, path);
    // Assigned personally, or through an organization the asker works for.
    let assignee = who.person && (t.assignee || (t.member && who.anywhere(Action::NeedWork)));
    let requester = who.person && t.requester;
    let read = who.at(Action::NeedRead, path) || manage || requester || assignee;
    match ask {
        Ask::NeedRead => read,
        Ask::NeedStep(e) => match e {
            EventKind::Accepted | EventKind::Assigned | EventKind::Rejected | EventKind::Merged => manage,
            EventKind::Started | EventKind::Resolved => manage || assignee,
            EventKind::Confirmed | EventKind::Reopened => requester || manage,
            EventKind::Commented => read,
            // A mediation is recorded by whoever did it: the assignee, or staff.
            EventKind::Mediated => manage || assignee,
            _ => false,
        },
        Ask::NeedAddPhoto => !r.closed && (requester || manage || assignee),
        Ask::NeedManage => manage,
        Ask::NeedWhistle | Ask::NeedMatch => manage && !r.closed,
        Ask::NeedReport => manage || (who.person && t.member && who.anywhere(Action::NeedWork)),
        Ask::NeedContact => requester || assignee || who.at(Action::ResidentReadSensitive, path),
        Ask::ClaimRelease => manage || (who.person && t.claim_holder),
        Ask::ResourceRead => who.near(Action::ResourceRead, path) || (who.person && t.owner),
        Ask::ResourceManage => who.at(Action::ResourceManage, path),
        Ask::ResourceEdit => resource_edit(who, r),
        Ask::ResourceContact => !r.personal || resource_edit(who, r) || who.at(Action::ResidentReadSensitive, path),
        Ask::VolunteerRecord => (who.person && t.owner) || who.at(Action::VolunteerRead, path),
        Ask::HoursVerify => !t.owner && (who.at(Action::HoursVerify, path) || (who.person && t.organizer)),
        Ask::ActivityRun => who.at(Action::VolunteerManage, path) || (who.person && t.organizer),
        Ask::CheckinRecord | Ask::VulnerableList => {
            !r.closed
                && (who.at(Action::NeedRecord, path)
                    || (who.person && t.assignee && who.at(Action::EmergencyDuty, path)))
        }
    }
}

fn resource_edit(who: Asker, r: &Record) -> bool {
    who.at(Action::ResourceManage, &r.area_path)
        || (who.person && who.near(Action::ResourceOwn, &r.area_path) && (r.ties.owner || r.ties.member))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Role};

    const COMMUNITY: &str = "/51/s/";
    const GRID: &str = "/51/s/g1/";
    const HOME: &str = "/51/s/g1/h1/";

    fn grants(role: Role, path: &str) -> Grants {
        Grants { signed_in: true, grants: vec![Grant { role, area_path: path.into() }] }
    }

    fn need(path: &str, ties: Ties) -> Record {
        Record { area_path: path.into(), ties, closed: false, personal: false }
    }

    fn person(g: &Grants) -> Asker<'_> {
        Asker { grants: g, operator: false, person: true }
    }

    #[test]
    fn hours_are_verified_by_social_workers_or_the_organizer_never_by_oneself() {
        let social = grants(Role::SocialWorker, COMMUNITY);
        let admin = grants(Role::CommunityAdmin, COMMUNITY);
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        let record = need(HOME, Ties::default());
        assert!(allows(person(&social), &record, Ask::HoursVerify));
        assert!(!allows(person(&admin), &record, Ask::HoursVerify));
        assert!(!allows(person(&volunteer), &record, Ask::HoursVerify));
        let organized = need(HOME, Ties { organizer: true, ..Ties::default() });
        assert!(allows(person(&volunteer), &organized, Ask::HoursVerify));
        let own = need(HOME, Ties { owner: true, organizer: true, ..Ties::default() });
        assert!(!allows(person(&volunteer), &own, Ask::HoursVerify));
        assert!(!allows(person(&social), &Record { area_path: "/51/a/".into(), ..record.clone() }, Ask::HoursVerify));
    }

    #[test]
    fn check_ins_are_for_their_assignee_and_the_areas_staff_only_while_the_incident_lasts() {
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        let grid = grants(Role::GridWorker, GRID);
        let street = grants(Role::StreetOfficer, "/51/");
        let mine = need(HOME, Ties { assignee: true, ..Ties::default() });
        let other = need(HOME, Ties::default());
        for ask in [Ask::CheckinRecord, Ask::VulnerableList] {
            assert!(allows(person(&volunteer), &mine, ask));
            assert!(!allows(person(&volunteer), &other, ask));
            assert!(allows(person(&grid), &other, ask));
            assert!(!allows(person(&grid), &need("/51/s/g2/h9/", Ties::default()), ask));
            assert!(!allows(person(&street), &other, ask), "street officers read no personal data");
            let over = Record { closed: true, ..mine.clone() };
            assert!(!allows(person(&volunteer), &over, ask));
            assert!(!allows(person(&grid), &Record { closed: true, ..other.clone() }, ask));
        }
    }

    #[test]
    fn a_volunteer_sees_only_their_own_record() {
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        let own = need(COMMUNITY, Ties { owner: true, ..Ties::default() });
        let other = need(COMMUNITY, Ties::default());
        assert!(allows(person(&volunteer), &own, Ask::VolunteerRecord));
        assert!(!allows(person(&volunteer), &other, Ask::VolunteerRecord));
        assert!(allows(person(&grants(Role::GridWorker, COMMUNITY)), &other, Ask::VolunteerRecord));
    }

    #[test]
    fn a_resident_reads_and_confirms_only_their_households_need() {
        let g = grants(Role::Resident, HOME);
        let own = need(HOME, Ties { requester: true, ..Ties::default() });
        let other = need("/51/s/g1/h2/", Ties::default());
        assert!(allows(person(&g), &own, Ask::NeedRead));
        assert!(allows(person(&g), &own, Ask::NeedStep(EventKind::Confirmed)));
        assert!(!allows(person(&g), &own, Ask::NeedStep(EventKind::Accepted)));
        assert!(allows(person(&g), &own, Ask::NeedAddPhoto));
        assert!(!allows(person(&g), &Record { closed: true, ..own.clone() }, Ask::NeedAddPhoto));
        assert!(!allows(person(&g), &other, Ask::NeedRead));
        assert!(!allows(person(&g), &other, Ask::NeedStep(EventKind::Commented)));
    }

    #[test]
    fn a_grid_worker_manages_their_grid_and_nothing_beyond() {
        let g = grants(Role::GridWorker, GRID);
        assert!(allows(person(&g), &need(HOME, Ties::default()), Ask::NeedWhistle));
        let closed = Record { closed: true, ..need(HOME, Ties::default()) };
        assert!(!allows(person(&g), &closed, Ask::NeedWhistle));
        assert!(allows(person(&g), &closed, Ask::NeedManage));
        assert!(allows(person(&g), &need(HOME, Ties::default()), Ask::NeedStep(EventKind::Accepted)));
        assert!(!allows(person(&g), &need("/51/s/g2/h1/", Ties::default()), Ask::NeedRead));
        assert!(!allows(person(&g), &need("/51/a/g1/", Ties::default()), Ask::NeedRead));
    }

    #[test]
    fn the_requesters_contact_is_full_only_to_them_the_worker_and_sensitive_readers() {
        let home = need(HOME, Ties::default());
        let social = grants(Role::SocialWorker, COMMUNITY);
        let street = grants(Role::StreetOfficer, "/51/");
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        assert!(allows(person(&social), &home, Ask::NeedContact));
        assert!(allows(person(&street), &home, Ask::NeedRead));
        assert!(!allows(person(&street), &home, Ask::NeedContact));
        assert!(!allows(person(&volunteer), &home, Ask::NeedContact));
        let claimed = need(HOME, Ties { assignee: true, ..Ties::default() });
        assert!(allows(person(&volunteer), &claimed, Ask::NeedContact));
        let own = need(HOME, Ties { requester: true, ..Ties::default() });
        assert!(allows(person(&grants(Role::Resident, HOME)), &own, Ask::NeedContact));
    }

    #[test]
    fn an_organizations_member_works_its_needs_only_with_a_working_role() {
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        let donor = grants(Role::Donor, COMMUNITY);
        let assigned = need(HOME, Ties { member: true, ..Ties::default() });
        assert!(allows(person(&volunteer), &assigned, Ask::NeedStep(EventKind::Resolved)));
        assert!(allows(person(&volunteer), &assigned, Ask::NeedReport));
        assert!(!allows(person(&volunteer), &assigned, Ask::NeedStep(EventKind::Accepted)));
        assert!(!allows(person(&donor), &assigned, Ask::NeedRead));
        assert!(!allows(person(&volunteer), &need(HOME, Ties::default()), Ask::NeedRead));
    }

    #[test]
    fn an_intake_key_is_nobody_so_ties_never_count_for_it() {
        let g = grants(Role::GridWorker, COMMUNITY);
        let key = Asker { grants: &g, operator: false, person: false };
        let elsewhere = need("/51/a/g1/", Ties { requester: true, assignee: true, ..Ties::default() });
        assert!(!allows(key, &elsewhere, Ask::NeedRead));
        assert!(allows(key, &need(HOME, Ties::default()), Ask::NeedRead));
    }

    #[test]
    fn claims_are_released_by_their_holder_or_a_manager() {
        let v = grants(Role::Volunteer, COMMUNITY);
        assert!(allows(person(&v), &need(HOME, Ties { claim_holder: true, ..Ties::default() }), Ask::ClaimRelease));
        assert!(!allows(person(&v), &need(HOME, Ties::default()), Ask::ClaimRelease));
        let admin = grants(Role::CommunityAdmin, COMMUNITY);
        assert!(allows(person(&admin), &need(HOME, Ties::default()), Ask::ClaimRelease));
    }

    #[test]
    fn a_person_owned_resource_shows_its_contact_to_its_owner_curators_and_sensitive_readers() {
        let skill = Record {
            area_path: COMMUNITY.into(),
            ties: Ties { owner: true, ..Ties::default() },
            closed: false,
            personal: true,
        };
        let stranger = Record { ties: Ties::default(), ..skill.clone() };
        let volunteer = grants(Role::Volunteer, COMMUNITY);
        let donor = grants(Role::Donor, COMMUNITY);
        let curator = grants(Role::SocialWorker, COMMUNITY);
        assert!(allows(person(&volunteer), &skill, Ask::ResourceEdit));
        assert!(allows(person(&volunteer), &skill, Ask::ResourceContact));
        assert!(!allows(person(&donor), &stranger, Ask::ResourceContact));
        assert!(!allows(person(&donor), &stranger, Ask::ResourceEdit));
        assert!(allows(person(&curator), &stranger, Ask::ResourceEdit));
        assert!(allows(person(&curator), &stranger, Ask::ResourceContact));
        let elsewhere = Record { area_path: "/51/a/".into(), ..stranger };
        assert!(!allows(person(&curator), &elsewhere, Ask::ResourceRead));
        assert!(!allows(person(&curator), &elsewhere, Ask::ResourceEdit));
    }

    #[test]
    fn the_operator_may_do_everything() {
        let g = Grants::anonymous();
        let op = Asker { grants: &g, operator: true, person: false };
        assert!(allows(op, &need("/x/", Ties::default()), Ask::NeedStep(EventKind::Merged)));
        assert!(allows(op, &need("/x/", Ties::default()), Ask::ResourceEdit));
    }
}
