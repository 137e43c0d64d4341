//! What a refused spreadsheet upload tells a person (a list of problems on the import page)
//! or a client (problem+json), shared by every capability that imports a sheet.

use crate::shell::error::{FieldProblem, WebError, field_problems, problem};
use crate::shell::i18n::T;
use axum::http::StatusCode;
use wushe_app::AppError;
use wushe_app::sheets::{ImportError, RowErrors, TooLarge};

/// One line of the import page's problem table: (row, column, message).
pub type Line = (String, String, String);

fn too_large_message(x: &TooLarge, t: T) -> String {
    t.f(x.key(), &[&x.limit()])
}

fn row_lines(rows: &RowErrors, t: T) -> Vec<Line> {
    let mut lines: Vec<Line> =
        rows.first.iter().map(|r| (r.row.to_string(), r.column.clone(), t.t(r.key).to_string())).collect();
    if rows.total > rows.first.len() {
        lines.push((String::new(), String::new(), t.f("page.import.more", &[&rows.total, &rows.first.len()])));
    }
    lines
}

/// The lines to show for a refused file, or the error to answer with when the file was not
/// the problem (a database failure, no permission).
pub fn page_lines(err: ImportError, t: T) -> Result<Vec<Line>, AppError> {
    match err {
        ImportError::Rows(rows) => Ok(row_lines(&rows, t)),
        ImportError::TooLarge(x) => Ok(vec![(String::new(), String::new(), too_large_message(&x, t))]),
        ImportError::App(e @ AppError::Invalid(_)) => {
            Ok(field_problems(&e, t).into_iter().map(|f| (String::new(), f.field, f.message)).collect())
        }
        ImportError::App(e) => Err(e),
    }
}

/// The API's answer for a refused file: 422 naming each bad cell as `row:N:column` (the
/// first 200, with the total in `detail`), or 413 for a file past a limit.
pub fn api_error(err: ImportError, t: T) -> WebError {
    match err {
        ImportError::Rows(rows) => {
            let errors = rows
                .first
                .iter()
                .map(|r| FieldProblem {
                    field: format!("row:{}:{}", r.row, r.column),
                    code: r.key.to_string(),
                    message: format!("{} {} / {}：{}", t.t("page.import.row"), r.row, r.column, t.t(r.key)),
                })
                .collect();
            let mut detail = t.t("page.import.failed").to_string();
            if rows.total > rows.first.len() {
                detail = format!("{detail} {}", t.f("page.import.more", &[&rows.total, &rows.first.len()]));
            }
            WebError::from_problem(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                t.t("errors.title.invalid").into(),
                detail,
                errors,
            ))
        }
        ImportError::TooLarge(x) => WebError::from_problem(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            t.t("errors.title.too_large").into(),
            too_large_message(&x, t),
            vec![FieldProblem { field: "file".into(), code: x.key().into(), message: too_large_message(&x, t) }],
        )),
        ImportError::App(e) => WebError::api(e, t),
    }
}
