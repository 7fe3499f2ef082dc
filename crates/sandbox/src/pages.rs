//! The HTML a sandbox bank shows a person: the approve-or-cancel page of a connect or consent
//! flow. Plain links, no script, so it works in any webview and in a test's HTTP client.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `text` safe inside HTML text and double-quoted attributes.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A page asking the person to approve or cancel: two links back to `page` with the same query
/// plus `decision=approve` or `decision=cancel`. `what` says what is being granted.
pub fn decision_page(
    title: &str,
    what: &str,
    page: &str,
    query: &HashMap<String, String>,
) -> Response {
    let link = |decision: &str| {
        let mut pairs: Vec<(&String, &String)> = query
            .iter()
            .filter(|(k, _)| k.as_str() != "decision")
            .collect();
        pairs.sort();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        q.append_pair("decision", decision);
        escape_html(&format!("{page}?{}", q.finish()))
    };
    html(
        StatusCode::OK,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
             <body><h1>{t}</h1><p>{w}</p><p>Sandbox bank: test data, no credentials needed.</p>\
             <p><a id=\"approve\" href=\"{a}\">Approve</a> <a id=\"cancel\" href=\"{c}\">Cancel</a></p>\
             </body></html>",
            t = escape_html(title),
            w = escape_html(what),
            a = link("approve"),
            c = link("cancel"),
        ),
    )
}
