//! Files in and out of pages: downloads with a proper file name, and posted forms that may
//! carry uploads.

use crate::shell::ctx::{url_form_pairs, urlencode};
use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use wushe_app::AppError;

pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"; filename*=UTF-8''{}", urlencode(filename));
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A posted form as text fields and uploaded files, whether url-encoded or multipart.
/// [`read_form`] with its fields deserialised into a typed form (`#[serde(default)]`), the
/// same way [`crate::shell::extract::PageForm`] reads a plain form.
pub async fn read_typed_form<T: serde::de::DeserializeOwned + Default>(
    req: axum::extract::Request,
) -> Result<(T, Vec<Vec<u8>>), AppError> {
    let (pairs, files) = read_form(req).await?;
    let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    Ok((serde_html_form::from_str(&encoded).unwrap_or_default(), files))
}

pub async fn read_form(req: axum::extract::Request) -> Result<(Vec<(String, String)>, Vec<Vec<u8>>), AppError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/"));
    let unreadable = || AppError::from(wushe_domain::FieldError::new("photo", "errors.import.unreadable"));
    if !multipart {
        let bytes = Bytes::from_request(req, &()).await.map_err(|_| unreadable())?;
        return Ok((url_form_pairs(&bytes), vec![]));
    }
    let mut mp = axum::extract::Multipart::from_request(req, &()).await.map_err(|_| unreadable())?;
    let (mut pairs, mut files) = (Vec::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_string();
        let is_file = field.file_name().is_some();
        let data = field.bytes().await.map_err(|_| unreadable())?;
        if is_file {
            if !data.is_empty() {
                files.push(data.to_vec());
            }
        } else {
            pairs.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    Ok((pairs, files))
}
