//! Contract checks: the real Budgea client and the Budgea sandbox against Budgea's published
//! OpenAPI spec (`../shared/specs/budgea-biapi-2.0.openapi.yaml`), with Prism 5 as a validating
//! proxy between them: client -> recorder (this file) -> `prism proxy SPEC SANDBOX` -> sandbox.
//!
//! Prism checks every request the client sends (path, path and query parameter types and
//! formats, body media type and fields) and every answer the sandbox gives (status, body schema)
//! and reports what breaks the spec in the `sl-violations` header. The recorder keeps each
//! exchange's violations; the test fails on any violation, warning or error, request or response,
//! that is not in the commented allow-list below, on any allow-list entry that no longer happens
//! (so the list stays exact), on any Prism error answer, and if Prism dies.
//!
//! Why Prism runs without `--errors`: with it, every response violation becomes a 500 from Prism,
//! so the first answer that breaks the spec where the spec is wrong (and the seed document, the
//! contract Folio follows, says otherwise) would stop the flow there. Reading `sl-violations`
//! sees request and response violations alike and lets the whole flow run.
//!
//! The spec's server is `//budgea.biapi.pro/2.0/` but Prism serves its paths at the root, so the
//! recorder takes the `/2.0` off (Prism forwards to the sandbox's `/2.0`). The spec documents the
//! account resources only under their connection (`/users/{id_user}/connections/{id_connection}/
//! accounts/...`) while the seed and the client use the shorter `/users/me/accounts/...` (the
//! connection segment is optional in the API); Prism finds no route for those, so the recorder
//! replays each of them (GET, same query and token) at the connection-scoped path the spec has:
//! the client's query and the sandbox's answer are checked there.
//!
//! Needs `FOLIO_PRISM_BIN` (scripts/test-all sets it; scripts/lib/deps installs the pinned Prism
//! from tools/contracts with `npm ci`). Without it the test fails: it never passes unchecked.

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::NaiveDate;
use folio_banks::budgea::{parse_connect_redirect, parse_reconnect_redirect, Budgea};
use folio_banks::http::RetryPolicy;
use folio_banks::{BankError, Provider};
use folio_sandbox::budgea::{self as budgea_sandbox, BudgeaSandbox, Dataset};
use url::Url;

const BUDGEA_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/budgea-biapi-2.0.openapi.yaml"
);

const REDIRECT: &str = "https://folio.example/budgea/callback";

// ---- What the spec says that Folio's contract (the seed document) does not ----

/// A violation Prism reports that the test accepts, and why. `op` is the method and the path as
/// sent to Prism with every number segment written `*`; `at` is the violation's location with
/// array indexes written `*`; `what` is the violation's code, or a piece of its message.
struct Allowed {
    op: &'static str,
    at: &'static str,
    what: &'static str,
    why: &'static str,
}

/// Every Budgea violation that is the spec's fault, not the client's or the sandbox's. Each entry
/// must still happen (a stale entry fails the test).
const BUDGEA_ALLOWED: &[Allowed] = &[
    // -- Paths and methods the seed documents and the spec (a Swagger 2 conversion) lacks.
    Allowed {
        op: "GET /users/me/accounts",
        at: "request",
        what: "Selected route not found",
        why: "the seed lists accounts at /users/me/accounts (the connection segment is optional); \
              the spec only has /users/{id_user}/connections/{id_connection}/accounts, where the \
              recorder replays the call and it is checked",
    },
    Allowed {
        op: "GET /users/me/accounts/*",
        at: "request",
        what: "Selected route not found",
        why: "the seed's own example is GET /2.0/users/me/accounts/123?expand=...,connection; the \
              spec has no GET of one account at all (replayed on the connection's account list, \
              which returns the same Account objects with the same expand)",
    },
    Allowed {
        op: "GET /users/me/accounts/*/transactions",
        at: "request",
        what: "Selected route not found",
        why: "as above: replayed at /users/me/connections/{c}/accounts/{a}/transactions, whose \
              min_date/max_date/offset/limit/all parameters are checked there",
    },
    Allowed {
        op: "POST /auth/token/code",
        at: "request",
        what: "Selected route not found",
        why: "the seed documents POST /auth/token/code (its example); the spec has only GET, and \
              Prism 5 crashes on validating that GET's answer (non-media-type content keys)",
    },
    Allowed {
        op: "PUT /users/me/connections",
        at: "request",
        what: "Selected route not found",
        why: "the seed documents PUT /users/ID/connections for a manual sync of every connection; \
              the spec has only DELETE, GET and POST there",
    },
    // -- The token exchange.
    Allowed {
        op: "POST /auth/token/access",
        at: "request",
        what: "Supported content types: multipart/form-data",
        why: "the seed: 'Data format: application/x-www-form-urlencoded or application/json \
              (suggested)', and its /auth/token/access example is a JSON body with a numeric \
              client_id; multipart-only is a conversion artefact of the spec",
    },
    Allowed {
        op: "POST /auth/token/access",
        at: "response",
        what: "Unable to match the returned status code",
        why: "a refused code answers 400 {code, message} (the seed's error shape); the spec \
              documents only the 200",
    },
    // -- Errors the seed and the spec's own descriptions give, with no response documented.
    Allowed {
        op: "PUT /users/me/connections/*",
        at: "response",
        what: "Unable to match the returned status code",
        why: "a sync the bank refuses answers 400 with code wrongpass (the spec's own text for \
              updating a connection: 'a 400 response is given with the error code wrongpass'); \
              only the 200 is documented",
    },
    // -- Dates: the API writes 'YYYY-MM-DD HH:MM:SS' (the seed, the spec's own examples such as
    //    '2020-11-27 15:49:03', and the client's parsing); the spec types them as RFC 3339
    //    date-time, which needs a 'T' or a time zone.
    Allowed {
        op: "GET /users/me/connections",
        at: "response.body.connections.*.last_update",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "PUT /users/me/connections/*",
        at: "response.body.last_update",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts",
        at: "response.body.accounts.*.last_update",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts",
        at: "response.body.accounts.*.deleted",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.date_scraped",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.last_update",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.deleted",
        what: "format",
        why: "API date-times are 'YYYY-MM-DD HH:MM:SS', not RFC 3339 (see above)",
    },
    // -- null for an absent optional value: Swagger 2, which the spec was converted from, has
    //    no `nullable`; the API writes null (the seed's account example: "deleted" : null).
    Allowed {
        op: "GET /users/me/connections/*/accounts",
        at: "response.body.accounts.*.deleted",
        what: "type",
        why: "null for 'not deleted', as in the seed's account example",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts",
        at: "response.body.accounts.*.disabled",
        what: "type",
        why: "null for 'not disabled' (absent optional date-time; no nullable in Swagger 2)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts",
        at: "response.body.accounts.*.coming",
        what: "type",
        why: "null when the bank gives no upcoming total (absent optional amount)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.deleted",
        what: "type",
        why: "null for 'not deleted' (the seed: a transaction whose deleted is set is deleted)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.original_value",
        what: "type",
        why: "null when the transaction is in the account's currency (absent optional amount)",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.original_currency",
        what: "type",
        why: "null when the transaction is in the account's currency",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.comment",
        what: "type",
        why: "null: the person wrote no comment",
    },
    Allowed {
        op: "GET /users/me/connections/*/accounts/*/transactions",
        at: "response.body.transactions.*.id_category",
        what: "type",
        why: "null: not categorised",
    },
];

// ---- Prism ----

fn prism_bin() -> PathBuf {
    match std::env::var_os("FOLIO_PRISM_BIN").filter(|p| !p.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "FOLIO_PRISM_BIN={} is not a file: run the contract tests through scripts/test-all \
                 (scripts/lib/deps test installs Prism from tools/contracts), or set it to \
                 tools/contracts/node_modules/.bin/prism after `npm ci --prefix tools/contracts`",
                path.display()
            );
            path
        }
        None => panic!(
            "FOLIO_PRISM_BIN is not set, so the contract tests cannot run Prism: run them through \
             scripts/test-all, or set FOLIO_PRISM_BIN to tools/contracts/node_modules/.bin/prism \
             after `npm ci --prefix tools/contracts`"
        ),
    }
}

fn spec(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "the published spec {} is missing: the contract tests read it from ../shared/specs \
         beside the repository checkout",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// `prism proxy SPEC UPSTREAM` on 127.0.0.1, killed on drop; its output goes to a log file.
struct Prism {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Prism {
    fn proxy(spec: &Path, upstream: &str) -> Prism {
        let bin = prism_bin();
        let port = free_port();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let log = dir.path().join("prism.log");
        let out = std::fs::File::create(&log).expect("Prism's log file");
        let err = out.try_clone().expect("Prism's log file");
        let child = Command::new(&bin)
            .arg("proxy")
            .arg(spec)
            .arg(upstream)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            prism.assert_alive();
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return prism;
            }
            assert!(
                Instant::now() < deadline,
                "Prism did not listen on {} within 90 s; its log:\n{}",
                prism.url,
                prism.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("Prism exited ({status}); its log:\n{}", self.log_tail());
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- The recorder: the client's server, forwarding to Prism and keeping what Prism says ----

#[derive(Clone, Debug)]
struct Violation {
    severity: String,
    /// `response.body.transactions.*.deleted`
    at: String,
    code: String,
    message: String,
}

#[derive(Clone, Debug)]
struct Exchange {
    method: Method,
    /// As sent to Prism, without the query.
    path: String,
    query: String,
    status: u16,
    violations: Vec<Violation>,
    /// A Prism error answer (`application/problem+json` from stoplight.io/prism/errors).
    prism_error: Option<String>,
    /// For a replay at the spec's connection-scoped path: the path the client used.
    replay_of: Option<String>,
}

impl Exchange {
    /// `GET /users/me/accounts/*/transactions`
    fn op(&self) -> String {
        format!("{} {}", self.method, numbers_as_stars(&self.path))
    }
}

fn numbers_as_stars(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn violations_of(headers: &reqwest::header::HeaderMap) -> Vec<Violation> {
    let Some(raw) = headers.get("sl-violations").and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    // Prism cuts the header at 8 KiB ("Too many violations! [..."): keep the whole items of the
    // part it sent, and say it was cut (the flow asks for small pages so that it is not).
    let (raw, cut) = match raw.strip_prefix("Too many violations! ") {
        Some(rest) => (
            rest.rfind("},{")
                .map(|i| format!("{}}}]", &rest[..i]))
                .unwrap_or_else(|| "[]".to_string()),
            true,
        ),
        None => (raw.to_string(), false),
    };
    let list: Vec<serde_json::Value> = serde_json::from_str(&raw).unwrap_or_default();
    let mut violations: Vec<Violation> = list
        .iter()
        .map(|v| {
            let text = |key: &str| match v.get(key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let at = v
                .get("location")
                .and_then(|l| l.as_array())
                .map(|parts| {
                    parts
                        .iter()
                        .map(|p| match p.as_str() {
                            Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
                                "*".to_string()
                            }
                            Some(s) => s.to_string(),
                            None => p.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_default();
            Violation {
                severity: text("severity"),
                at,
                code: text("code"),
                message: text("message"),
            }
        })
        .collect();
    if cut || (list.is_empty() && !raw.trim().is_empty() && raw.trim() != "[]") {
        violations.push(Violation {
            severity: "Error".to_string(),
            at: "sl-violations".to_string(),
            code: "unreadable".to_string(),
            message: "Prism's sl-violations header was cut at 8 KiB or is not JSON: \
                      ask for smaller pages so that every violation is seen"
                .to_string(),
        });
    }
    violations
}

/// For a path Prism finds no route for: the paths to replay the GET at (the spec's own paths).
type Replays = Box<dyn Fn(&str) -> Vec<String> + Send + Sync>;

struct Recorder {
    prism: String,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
    /// The spec's server path, not part of Prism's routes (`/2.0` for Budgea).
    base_path: &'static str,
    replays: Replays,
}

impl Recorder {
    fn take(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default()
    }

    fn push(&self, exchange: Exchange) {
        if let Ok(mut e) = self.exchanges.lock() {
            e.push(exchange);
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> (Response, Exchange) {
        let url = if query.is_empty() {
            format!("{}{path}", self.prism)
        } else {
            format!("{}{path}?{query}", self.prism)
        };
        let mut request = self.http.request(method.clone(), url).body(body);
        for (name, value) in headers {
            if !matches!(name.as_str(), "host" | "content-length") {
                request = request.header(name, value);
            }
        }
        let mut exchange = Exchange {
            method,
            path: path.to_string(),
            query: query.to_string(),
            status: 0,
            violations: Vec::new(),
            prism_error: None,
            replay_of: None,
        };
        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(e) => {
                exchange.prism_error = Some(format!("Prism did not answer: {e}"));
                return (StatusCode::BAD_GATEWAY.into_response(), exchange);
            }
        };
        exchange.status = answer.status().as_u16();
        exchange.violations = violations_of(answer.headers());
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            if !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection" | "keep-alive"
            ) {
                response = response.header(name, value);
            }
        }
        let problem = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/problem+json"));
        let bytes = answer.bytes().await.unwrap_or_default();
        if problem {
            let body = String::from_utf8_lossy(&bytes);
            if body.contains("stoplight.io/prism/errors") {
                exchange.prism_error = Some(body.into_owned());
            }
        }
        let response = response
            .body(Body::from(bytes))
            .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response());
        (response, exchange)
    }
}

async fn forward(State(recorder): State<Arc<Recorder>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path();
    let path = path
        .strip_prefix(recorder.base_path)
        .unwrap_or(path)
        .to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let (response, exchange) = recorder
        .send(parts.method.clone(), &path, &query, &parts.headers, body)
        .await;
    let unrouted = exchange
        .violations
        .iter()
        .any(|v| v.message == "Selected route not found");
    recorder.push(exchange);
    if unrouted && parts.method == Method::GET {
        for replay in (recorder.replays)(&path) {
            let (_, mut exchange) = recorder
                .send(Method::GET, &replay, &query, &parts.headers, Bytes::new())
                .await;
            exchange.replay_of = Some(path.clone());
            recorder.push(exchange);
        }
    }
    response
}

/// Starts the recorder on 127.0.0.1; its base URL. Stops with the test's runtime.
async fn start_recorder(
    prism: &str,
    base_path: &'static str,
    replays: Replays,
) -> (Arc<Recorder>, String) {
    let recorder = Arc::new(Recorder {
        prism: prism.to_string(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("an HTTP client"),
        exchanges: Mutex::new(Vec::new()),
        base_path,
        replays,
    });
    let app = Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&recorder));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("the recorder binds");
    let addr = listener.local_addr().expect("the recorder's address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (recorder, format!("http://{addr}"))
}

// ---- Judging what was recorded ----

/// The violations no entry allows, Prism's error answers, and the entries nothing used.
fn judge(exchanges: &[Exchange], allowed: &[Allowed]) -> (Vec<String>, String) {
    let mut failures = Vec::new();
    let mut used = vec![0_usize; allowed.len()];
    for exchange in exchanges {
        let op = exchange.op();
        if let Some(error) = &exchange.prism_error {
            failures.push(format!(
                "{op}?{} -> Prism error answer: {error}",
                exchange.query
            ));
        }
        for v in &exchange.violations {
            let hit = allowed.iter().position(|a| {
                a.op == op
                    && a.at == v.at
                    && (a.what == v.code || (!a.what.is_empty() && v.message.contains(a.what)))
            });
            let line = format!("{op}: {} {} [{}] {}", v.severity, v.at, v.code, v.message);
            match hit {
                Some(i) => used[i] += 1,
                None => {
                    let replay = exchange
                        .replay_of
                        .as_deref()
                        .map(|p| format!(" (replay of GET {p})"))
                        .unwrap_or_default();
                    failures.push(format!("{line}{replay}"));
                }
            }
        }
    }
    for (a, n) in allowed.iter().zip(&used) {
        if *n == 0 {
            failures.push(format!(
                "stale allow-list entry (no longer happens; remove it): {} {} {}",
                a.op, a.at, a.what
            ));
        }
    }
    failures.sort();
    failures.dedup();
    let mut summary = format!("{} exchanges through Prism\n", exchanges.len());
    let mut ops: Vec<(String, usize)> = Vec::new();
    for e in exchanges {
        let key = match &e.replay_of {
            Some(p) => format!("{} (replay of {})", e.op(), numbers_as_stars(p)),
            None => e.op(),
        };
        match ops.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => ops.push((key, 1)),
        }
    }
    for (op, n) in ops {
        summary.push_str(&format!("  {n:>4} x {op}\n"));
    }
    for (a, n) in allowed.iter().zip(&used) {
        summary.push_str(&format!(
            "  allowed {n:>4} x {} {} {}: {}\n",
            a.op, a.at, a.what, a.why
        ));
    }
    (failures, summary)
}

// ---- Budgea ----

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(1),
        timeout: Duration::from_secs(20),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// Opens a webview `url` like a browser, on `origin` (the sandbox): the `Location` it answers.
/// The webview is a browser page, not part of the API spec, so it is not sent through Prism
/// (which would also try to follow the redirect to the app's callback address).
async fn open_webview(url: &Url, origin: &str) -> String {
    let mut on_sandbox = Url::parse(origin).expect("the sandbox URL");
    on_sandbox.set_path(url.path());
    on_sandbox.set_query(url.query());
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(on_sandbox)
        .send()
        .await
        .expect("the webview answers");
    assert_eq!(answer.status(), reqwest::StatusCode::FOUND);
    answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_string()
}

/// The connection-scoped paths the spec documents for a `/users/me/accounts...` path.
fn budgea_replays(data: &Dataset) -> Replays {
    let connection_of: HashMap<String, String> = data
        .accounts
        .iter()
        .map(|a| (a.id.to_string(), a.id_connection.to_string()))
        .collect();
    let connections: Vec<String> = data.connections.iter().map(|c| c.id.to_string()).collect();
    Box::new(move |path: &str| {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["users", "me", "accounts"] => connections
                .iter()
                .map(|c| format!("/users/me/connections/{c}/accounts"))
                .collect(),
            ["users", "me", "accounts", account] => connection_of
                .get(*account)
                .map(|c| vec![format!("/users/me/connections/{c}/accounts")])
                .unwrap_or_default(),
            ["users", "me", "accounts", account, "transactions"] => connection_of
                .get(*account)
                .map(|c| {
                    vec![format!(
                        "/users/me/connections/{c}/accounts/{account}/transactions"
                    )]
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budgea_client_and_sandbox_follow_the_published_spec() {
    let started = Instant::now();
    prism_bin();
    let config = BudgeaSandbox::new();
    let data = config.dataset();
    let sandbox = budgea_sandbox::start(config.clone())
        .await
        .expect("the sandbox starts");
    let mut prism = Prism::proxy(&spec(BUDGEA_SPEC), &format!("{}/2.0", sandbox.base_url));
    let prism_ready = started.elapsed();
    let (recorder, recorder_url) = start_recorder(&prism.url, "/2.0", budgea_replays(&data)).await;

    // Control: Prism does validate requests here (a non-integer connection id is flagged), so an
    // empty violation list below means "valid", not "not looked at".
    let control = reqwest::Client::new()
        .put(format!(
            "{recorder_url}/2.0/users/me/connections/not-a-number"
        ))
        .send()
        .await
        .expect("an answer");
    drop(control);
    let controls = recorder.take();
    assert!(
        controls.iter().any(|e| e
            .violations
            .iter()
            .any(|v| v.at == "request.path.id_connection" && v.code == "type")),
        "Prism did not flag a non-integer id_connection: {controls:?}\n{}",
        prism.log_tail()
    );

    // Connect: the webview on the sandbox; the code exchange's request through Prism. Prism 5
    // crashes validating /auth/token/access's 200 (the spec lists "access_token" and
    // "token_type" as media types), so the exchange that succeeds goes to the sandbox directly
    // and the one through Prism carries a code the sandbox refuses (400: not validated).
    let direct = Budgea::new(&sandbox.base_url, config.client_id.clone(), policy())
        .expect("a client on the sandbox");
    let checked = Budgea::new(&recorder_url, config.client_id.clone(), policy())
        .expect("a client through Prism");
    let url = checked
        .connect_url(REDIRECT, "contract-1")
        .expect("connect url");
    let callback =
        parse_connect_redirect(&open_webview(&url, &sandbox.base_url).await, "contract-1")
            .expect("a code");
    let refused = checked
        .exchange_code(&config.client_secret, "not-a-code")
        .await;
    assert!(
        matches!(&refused, Err(BankError::Refused { status: 400, code, .. }) if code == "invalidCode"),
        "{refused:?}"
    );
    let token = direct
        .exchange_code(&config.client_secret, &callback.code)
        .await
        .expect("a token");
    // Small pages: paging (offset/limit) is exercised, and Prism's sl-violations header (cut at
    // 8 KiB, about 50 violations) holds every violation of a page, allowed ones included.
    let client = checked.with_token(token).with_page_size(5);

    let connections = client.connections().await.expect("connections");
    assert_eq!(connections.len(), data.connections.len());
    let accounts = client.accounts().await.expect("accounts");
    assert_eq!(
        accounts
            .iter()
            .map(|a| a.provider_id.as_str())
            .collect::<Vec<_>>(),
        vec!["101", "102", "201"]
    );

    // Transactions over six months: several pages, deleted ones reported as such.
    let (from, to) = (day(2024, 1, 1), day(2024, 6, 30));
    let batch = client
        .transactions("101", from, to)
        .await
        .expect("transactions");
    let in_window = |deleted: bool| {
        let mut ids: Vec<String> = data
            .transactions
            .iter()
            .filter(|t| t.id_account == 101 && t.date >= from && t.date <= to)
            .filter(|t| t.deleted == deleted && !t.coming)
            .map(|t| t.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut booked: Vec<String> = batch
        .transactions
        .iter()
        .map(|t| t.provider_id.clone())
        .collect();
    booked.sort();
    let mut deleted = batch.deleted.clone();
    deleted.sort();
    assert_eq!(booked, in_window(false));
    assert!(!deleted.is_empty());
    assert_eq!(deleted, in_window(true));

    // Error states: wrongpass on the account's connection, a refused sync, the reconnect webview.
    config.control.set_wrongpass(true);
    let err = client.transactions("201", from, to).await;
    assert!(
        matches!(&err, Err(BankError::ActionNeeded { code, .. }) if code == "wrongpass"),
        "{err:?}"
    );
    let states: Vec<Option<String>> = client
        .connections()
        .await
        .expect("connections")
        .into_iter()
        .map(|c| c.error)
        .collect();
    assert_eq!(states, vec![None, Some("wrongpass".to_string())]);
    let err = client.resync("12").await;
    assert!(
        matches!(&err, Err(BankError::ActionNeeded { code, .. }) if code == "wrongpass"),
        "{err:?}"
    );
    assert_eq!(client.resync("11").await.expect("resync").error, None);
    assert_eq!(client.resync_all().await.expect("resync all").len(), 2);
    let url = client
        .reconnect_url("12", REDIRECT, "contract-2")
        .await
        .expect("reconnect url");
    parse_reconnect_redirect(&open_webview(&url, &sandbox.base_url).await, "contract-2")
        .expect("reconnected");
    client
        .transactions("201", from, to)
        .await
        .expect("repaired");

    prism.assert_alive();
    let exchanges = recorder.take();
    let (failures, summary) = judge(&exchanges, BUDGEA_ALLOWED);
    eprintln!(
        "{summary}Prism ready after {:.1} s; whole check {:.1} s",
        prism_ready.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} contract problem(s) between the Budgea client, the sandbox and the spec:\n{}\n\
         Fix the sandbox or the client when the seed document agrees with the spec; when the \
         spec is wrong or the seed says otherwise, add an entry with its reason to \
         BUDGEA_ALLOWED.",
        failures.len(),
        failures.join("\n")
    );
}

// ---- Berlin Group ----

const BERLIN_GROUP_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/berlin-group-nextgenpsd2-1.3.11.openapi.yaml"
);

/// Belfius' Account API (the seed, `belfius-psd2-account-api.txt`) is Belfius' own, not the
/// Berlin Group NextGenPSD2 (XS2A) shape: `/accounts` not `/v1/accounts`, `Request-ID` not
/// `X-Request-ID`, an access token instead of a `Consent-ID`, `date_from`/`next_page_key` instead
/// of `dateFrom`/`bookingStatus`. So the Berlin Group spec is not Belfius' contract (the seed is;
/// crates/banks/tests/belfius.rs checks the client and the sandbox against it). This test keeps
/// that claim honest: it runs the Belfius client through Prism with the Berlin Group spec, finds
/// that no Belfius request is a Berlin Group route, replays each at the Berlin Group path, and
/// pins what XS2A would refuse there. If Belfius ever moves to XS2A, this fails: time to make
/// the Berlin Group spec the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn berlin_group_spec_is_not_the_belfius_contract() {
    use folio_banks::belfius::Belfius;
    use folio_sandbox::belfius::{self as belfius_sandbox, BelfiusSandbox};

    prism_bin();
    let today = day(2025, 6, 30);
    let config = BelfiusSandbox::new(today);
    let sandbox = belfius_sandbox::start(config.clone())
        .await
        .expect("the sandbox starts");
    let mut prism = Prism::proxy(&spec(BERLIN_GROUP_SPEC), &sandbox.base_url);
    // Each Belfius path, replayed at the Berlin Group path of the same resource.
    let replays: Replays = Box::new(|path: &str| vec![format!("/v1{path}")]);
    let (recorder, recorder_url) = start_recorder(&prism.url, "", replays).await;

    let client = Belfius::new(
        &recorder_url,
        &config.client_id,
        "http://127.0.0.1:1/folio/belfius/callback",
        config.access_token.clone(),
    )
    .expect("a client")
    .with_retry_policy(policy())
    .expect("a client")
    .with_today(today);
    let accounts = client.accounts().await.expect("accounts (forwarded as is)");
    let first = accounts.first().expect("an account");
    client
        .transactions(&first.provider_id, day(2025, 6, 1), today)
        .await
        .expect("transactions (forwarded as is)");
    prism.assert_alive();

    let exchanges = recorder.take();
    let mut refused: Vec<String> = Vec::new();
    for e in &exchanges {
        // "Request header must have required property 'x-request-id'"
        let requires = |name: &str| {
            e.violations.iter().any(|v| {
                v.at.starts_with("request")
                    && v.code == "required"
                    && v.message
                        .to_lowercase()
                        .contains(&format!("'{}'", name.to_lowercase()))
            })
        };
        match &e.replay_of {
            None => assert!(
                e.violations
                    .iter()
                    .any(|v| v.message == "Selected route not found"),
                "{} is a Berlin Group route: is Belfius moving to XS2A? {e:?}",
                e.op()
            ),
            Some(_) => {
                // XS2A requires these on every account call; the Belfius client sends
                // Request-ID and a bearer token instead.
                assert!(requires("x-request-id"), "{e:?}");
                assert!(requires("consent-id"), "{e:?}");
                if e.path.ends_with("/transactions") {
                    assert!(requires("bookingStatus"), "{e:?}");
                }
                for v in e.violations.iter().filter(|v| v.at.starts_with("request")) {
                    let path: Vec<&str> = e
                        .path
                        .split('/')
                        .enumerate()
                        .map(|(i, s)| if i == 3 { "{account-id}" } else { s })
                        .collect();
                    refused.push(format!("{} {}: {}", e.method, path.join("/"), v.message));
                }
            }
        }
    }
    refused.sort();
    refused.dedup();
    eprintln!(
        "Berlin Group XS2A would refuse the Belfius client's requests:\n  {}",
        refused.join("\n  ")
    );
}
