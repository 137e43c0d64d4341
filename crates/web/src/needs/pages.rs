//! The routes of the needs pages; each kind of page lives in its own file.

use super::detail::{add_photo, group, photo, report, reveal_contact, show, step, whistle};
use super::intake::{my_needs, my_tasks, own_form, record, record_form, submit_own};
use super::ledger::{bulk_assign, delete_view, export_csv, export_xlsx, import, import_form, ledger, save_view};
use super::metrics::metrics;
use super::setup::{add_category, categories_page, set_calendar, update_category};
use super::street::street;
use crate::shell::registry::Registry;
use axum::http::Method;
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/needs", Action::NeedRead, ledger);
    r.page(Method::GET, "/communities/{code}/needs/new", Action::NeedRecord, record_form);
    r.page(Method::POST, "/communities/{code}/needs/bulk-assign", Action::NeedManage, bulk_assign);
    r.page(Method::GET, "/communities/{code}/needs/categories", Action::AreaWrite, categories_page);
    r.page(Method::POST, "/communities/{code}/needs/categories", Action::AreaWrite, add_category);
    r.page(Method::POST, "/communities/{code}/needs/categories/{id}", Action::AreaWrite, update_category);
    r.page(Method::POST, "/communities/{code}/needs/calendar", Action::AreaWrite, set_calendar);
    r.page(Method::POST, "/communities/{code}/needs/views", Action::NeedRead, save_view);
    r.page(Method::POST, "/communities/{code}/needs/views/{id}/delete", Action::NeedRead, delete_view);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/communities/{code}/needs", Action::NeedRecord, record);
    r.page(Method::GET, "/communities/{code}/needs/metrics", Action::NeedMetricsRead, metrics);
    r.page(Method::GET, "/streets/{code}", Action::OverviewRead, street);
    r.page(Method::GET, "/needs/{id}", Action::OwnAccount, show);
    r.page(Method::POST, "/needs/{id}/step", Action::OwnAccount, step);
    r.page(Method::POST, "/needs/{id}/contact", Action::OwnAccount, reveal_contact);
    r.page(Method::POST, "/needs/{id}/whistle", Action::NeedManage, whistle);
    r.page(Method::POST, "/needs/{id}/report", Action::NeedWork, report);
    r.page(Method::POST, "/needs/{id}/group", Action::NeedManage, group);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/needs/{id}/photos", Action::OwnAccount, add_photo);
    r.page(Method::GET, "/needs/{id}/photos/{photo}", Action::OwnAccount, photo);
    r.page(Method::GET, "/my/needs", Action::NeedOwn, my_needs);
    r.page(Method::GET, "/my/needs/new", Action::NeedOwn, own_form);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/my/needs", Action::NeedOwn, submit_own);
    r.page(Method::GET, "/my/tasks", Action::NeedWork, my_tasks);
    r.page(Method::GET, "/communities/{code}/needs/export.csv", Action::NeedRead, export_csv);
    r.page(Method::GET, "/communities/{code}/needs/export.xlsx", Action::NeedRead, export_xlsx);
    r.page(Method::GET, "/communities/{code}/needs/import", Action::NeedManage, import_form);
    r.upload(
        crate::shell::route::Kind::Page,
        Method::POST,
        "/communities/{code}/needs/import",
        Action::NeedManage,
        import,
    );
}
