//! S3 — one model for every organized actor, with a kind, and memberships with a post.
//! The party chain 社区党委—网格党支部—楼栋党小组—党员中心户 `[000 §5.1]` is data: organizations
//! with parents, not code.

use crate::error::FieldError;

code_enum!(
    /// Organization kinds from GLOSSARY.
    OrganizationKind, "kind", "errors.organization_kind.invalid" {
    PartyCommittee => "party_committee",
    PartyBranch => "party_branch",
    PartyGroup => "party_group",
    ResidentsCommittee => "residents_committee",
    SocialWorkAgency => "social_work_agency",
    SocialOrganization => "social_organization",
    VolunteerTeam => "volunteer_team",
    VolunteerGroup => "volunteer_group",
    SelfGovernanceGroup => "self_governance_group",
    Foundation => "foundation",
    Company => "company",
    PartnerUnit => "partner_unit",
    PropertyManager => "property_manager",
    GovernmentDepartment => "government_department",
});

code_enum!(
    /// A member's post in an organization.
    Post, "post", "errors.post.invalid" {
    Secretary => "secretary",
    DeputySecretary => "deputy_secretary",
    Director => "director",
    CommitteeMember => "committee_member",
    Leader => "leader",
    Member => "member",
    PartyMember => "party_member",
    GridWorker => "grid_worker",
    BuildingLeader => "building_leader",
    SituationMessenger => "situation_messenger",
    IntegritySupervisor => "integrity_supervisor",
    PartyHousehold => "party_household",
    SocialWorker => "social_worker",
    Volunteer => "volunteer",
    Staff => "staff",
});

impl OrganizationKind {
    /// Whether an organization of this kind may sit under a parent of `parent` kind.
    /// Party organizations nest only in party organizations; everything else may have any
    /// parent or none (a volunteer group under a team, a station under an agency).
    pub fn may_have_parent(self, parent: OrganizationKind) -> bool {
        use OrganizationKind::*;
        match self {
            PartyBranch => matches!(parent, PartyCommittee),
            PartyGroup => matches!(parent, PartyBranch | PartyCommittee),
            PartyCommittee => matches!(parent, PartyCommittee),
            _ => true,
        }
    }

    /// Kinds listed in the public service directory (S4).
    pub fn is_public(self) -> bool {
        !matches!(self, OrganizationKind::PartyGroup)
    }
}

pub fn parse_organization_name(raw: &str) -> Result<String, FieldError> {
    crate::error::text("name", raw, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_posts_parse_their_codes() {
        for k in OrganizationKind::ALL {
            assert_eq!(OrganizationKind::parse(k.code()).unwrap(), *k);
        }
        for p in Post::ALL {
            assert_eq!(Post::parse(p.code()).unwrap(), *p);
        }
        assert_eq!(OrganizationKind::parse("club").unwrap_err().field, "kind");
    }

    #[test]
    fn party_chain_nests_only_in_party_organizations() {
        use OrganizationKind::*;
        assert!(PartyBranch.may_have_parent(PartyCommittee));
        assert!(PartyGroup.may_have_parent(PartyBranch));
        assert!(!PartyBranch.may_have_parent(VolunteerTeam));
        assert!(VolunteerGroup.may_have_parent(VolunteerTeam));
    }
}
