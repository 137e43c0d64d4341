//! Accounts, role grants, sessions and API tokens. Owns tables `users`, `grants`, `sessions`,
//! `api_tokens`.
//!
//! Passwords are argon2id (hashed off the async runtime). Session cookies and API tokens are
//! random 256-bit values; only their SHA-256 is stored, so a database leak yields no live
//! session.

mod login;
mod model;
mod passwords;
mod queries;
mod sessions;
mod users;

pub use login::{account_of, authenticate, record_failed_login};
pub use model::User;
pub use passwords::hash_password;
pub use queries::{display_name, display_names, grant_list, grants_of, member_org_ids, person_of, users_in};
pub(crate) use queries::{holders_in, phones_of, users_inside};
pub use sessions::{
    NewSession, SESSION_TTL_MILLIS, create_api_token, create_session, end_session, session, token_user,
};
pub use users::{NewUser, add_user, by_username, email_of, grant, set_email};
pub(crate) use users::{insert_grant, insert_user, link_person};
