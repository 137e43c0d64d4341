//! Passwords: argon2id, hashed and checked off the async runtime, the same time for unknown names.

use crate::AppError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// A valid argon2id hash of a random string: checked against when the login name is unknown
/// so that unknown and known names take the same time.
pub(crate) static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut pw = [0u8; 16];
    rand::rng().fill_bytes(&mut pw);
    Argon2::default().hash_password(&pw).map(|h| h.to_string()).unwrap_or_default()
});
