//! S3 — organizations of every kind and memberships with posts. Owns tables `organizations`
//! and `memberships`. Writes re-index the organization in the directory (S4).

mod commands;
mod forms;
mod model;
mod queries;

pub use commands::{Created, add_member, create, insert, insert_membership};
pub use forms::{NewOrganization, OrganizationForm};
pub use model::Organization;
pub use queries::{
    Membership, by_ids, children, count_in_community, count_kind, count_posts, get, in_area, listed_in, members,
    posts_of, public_get,
};
