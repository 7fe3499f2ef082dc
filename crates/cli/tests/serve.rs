//! `folio serve` as a Balanzio client meets it: the real binary on loopback with its key in the
//! real keychain (run under scripts/lib/with-keyring), Balanzio's own Python example from
//! ../shared/clients run unchanged against it, and every documented error over raw HTTP.
//! Needs FOLIO_PDFIUM_LIB, Tesseract, python3 with requests, and qpdf (scripts/lib/deps test).

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use folio_app::DataDir;
use folio_secrets::Keychain;
use reqwest::blocking::{multipart, Client};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A running `folio serve`, killed (and its keychain item removed) when dropped.
struct Server {
    child: Child,
    base_url: String,
    api_key: String,
    item: String,
    keep_item: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_item {
            let _ = Keychain::os().delete(&self.item);
        }
    }
}

impl Server {
    fn start(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_folio"));
        cmd.arg("--data-dir")
            .arg(data)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut base_url, mut api_key) = (None, None);
        while base_url.is_none() || api_key.is_none() {
            let Some(Ok(line)) = lines.next() else {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("folio serve stopped before printing BASE_URL and API_KEY: {err}");
            };
            if let Some(v) = line.strip_prefix("BASE_URL=") {
                base_url = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("API_KEY=") {
                api_key = Some(v.to_string());
            } else {
                panic!("unexpected output line: {line}");
            }
        }
        let item = format!(
            "serve-api-key:{}",
            DataDir::at(data).unwrap().path().display()
        );
        Server {
            child,
            base_url: base_url.unwrap(),
            api_key: api_key.unwrap(),
            item,
            keep_item: false,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.api_key)
    }

    /// Stops the server, returning what it wrote on stderr.
    fn stop(mut self, keep_item: bool) -> String {
        self.keep_item = keep_item;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Balanzio's Python example, read in place from the sibling `shared` checkout.
fn example() -> PathBuf {
    repo().join("../shared/clients/balanzio_example.py")
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// A float as Python prints it: the shortest form, `.0` on whole numbers.
fn py_float(d: Decimal) -> String {
    let s = d.normalize().to_string();
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn fixture(name: &str) -> folio_fixtures::Fixture {
    folio_fixtures::all()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
}

/// `fixture`'s first page replaced by a degraded 300-dpi-ish scan (the rest stays text): the file
/// is IMAGE_BASED, so the polling path runs, and OCR has one page to read.
fn first_page_scanned(f: &folio_fixtures::Fixture) -> Vec<u8> {
    use folio_fixtures::scan::{scanned_copy, style_for, Raster};
    let engine = folio_statements::pdf_engine_from_env().unwrap();
    let seed = 20_240_611;
    let dpi = style_for(0, seed).dpi as f32;
    let first = engine
        .render_pages(&f.pdf, None, dpi)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let mut rasters = vec![Some(Raster {
        width: first.width,
        height: first.height,
        pixels: first.pixels,
    })];
    rasters.resize_with(f.pages.len(), || None);
    scanned_copy(f, &format!("{}-scan1", f.name), &rasters, seed)
        .unwrap()
        .pdf
}

fn run_example(server: &Server, statement: &Path) -> String {
    let out = Command::new("python3")
        .arg(example())
        .env("BASE_URL", &server.base_url)
        .env("API_KEY", &server.api_key)
        .env("STATEMENT", statement)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn expected_lines(f: &folio_fixtures::Fixture) -> Vec<String> {
    f.truth
        .transactions
        .iter()
        .map(|t| {
            format!(
                "{}: {} - {} {}",
                t.date,
                t.description,
                py_float(t.amount),
                f.truth.currency
            )
        })
        .collect()
}

#[test]
fn balanzios_python_example_converts_a_text_statement() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    assert!(server.base_url.starts_with("http://127.0.0.1:"));
    assert!(server.base_url.ends_with("/api/v1"));
    let f = fixture("bnp-paribas-fr");
    let pdf = root.path().join("statement.pdf");
    std::fs::write(&pdf, &f.pdf).unwrap();

    let stdout = run_example(&server, &pdf);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("Uploaded: "), "{stdout}");
    assert!(lines[0].ends_with(" (TEXT_BASED)"), "{stdout}");
    let want = expected_lines(&f);
    assert_eq!(lines[1], format!("Found {} transactions", want.len()));
    assert_eq!(&lines[2..], want.as_slice());

    // The key never reaches the server's log.
    let key = server.api_key.clone();
    assert!(!server.stop(false).contains(&key));
}

#[test]
fn balanzios_python_example_polls_a_scan_until_completed() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let f = fixture("ing-nl");
    let pdf = root.path().join("scan.pdf");
    std::fs::write(&pdf, first_page_scanned(&f)).unwrap();

    let stdout = run_example(&server, &pdf);
    eprintln!("{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].ends_with(" (IMAGE_BASED)"), "{stdout}");
    // At least one poll while Tesseract reads, with a percentage, then completion.
    let progress: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Progress: "))
        .map(|p| p.trim_end_matches('%').parse().unwrap())
        .collect();
    assert!(!progress.is_empty(), "{stdout}");
    assert!(progress.iter().all(|p| *p < 100), "{stdout}");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    let done = lines
        .iter()
        .position(|l| *l == "Processing complete!")
        .unwrap_or_else(|| panic!("{stdout}"));
    let want = expected_lines(&f);
    assert_eq!(
        lines[done + 1],
        format!("Found {} transactions", want.len()),
        "{stdout}"
    );
    // Dates and amounts exact; OCR may differ from the truth in a description's letters only.
    for (got, want) in lines[done + 2..].iter().zip(&want) {
        let (got_date, got_rest) = got.split_once(": ").unwrap();
        let (want_date, want_rest) = want.split_once(": ").unwrap();
        assert_eq!(got_date, want_date, "{got}");
        let got_amount = got_rest.rsplit_once(" - ").unwrap().1;
        let want_amount = want_rest.rsplit_once(" - ").unwrap().1;
        assert_eq!(got_amount, want_amount, "{got}");
    }
    assert_eq!(lines.len(), done + 2 + want.len(), "{stdout}");
}

fn error_of(resp: reqwest::blocking::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status);
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(resp.headers().contains_key(h), "{h} missing");
    }
    let body: Value = resp.json().unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty(), "{body}");
    assert!(!body["recovery"].as_str().unwrap().is_empty(), "{body}");
    body
}

fn upload(server: &Server, name: &str, bytes: Vec<u8>) -> reqwest::blocking::Response {
    let form = multipart::Form::new().part(
        "files",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    client()
        .post(server.url("/bank-statement"))
        .header("Authorization", server.bearer())
        .multipart(form)
        .send()
        .unwrap()
}

fn post_json(server: &Server, path: &str, body: Value) -> reqwest::blocking::Response {
    client()
        .post(server.url(path))
        .header("Authorization", server.bearer())
        .json(&body)
        .send()
        .unwrap()
}

fn header_u64(resp: &reqwest::blocking::Response, name: &str) -> u64 {
    resp.headers()[name].to_str().unwrap().parse().unwrap()
}

#[test]
fn every_documented_error_has_its_status_and_code() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let http = client();

    // 401: no key, a wrong key.
    let resp = http.get(server.url("/user")).send().unwrap();
    error_of(resp, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let resp = http
        .get(server.url("/user"))
        .header("Authorization", "Bearer folio_not-the-key")
        .send()
        .unwrap();
    error_of(resp, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");

    // /user with the key: the documented shape.
    let resp = http
        .get(server.url("/user"))
        .header("Authorization", server.bearer())
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let user: Value = resp.json().unwrap();
    assert!(user["user"]["userId"].is_number());
    assert!(user["credits"]["paidCredits"].is_number());
    assert_eq!(user["unlimitedCredits"], true);

    // 400 INVALID_FILE_TYPE: not a PDF.
    let resp = upload(&server, "notes.txt", b"just some text\n".to_vec());
    error_of(resp, StatusCode::BAD_REQUEST, "INVALID_FILE_TYPE");

    // 413 FILE_TOO_LARGE: over 3 MB.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(3 * 1024 * 1024 + 1, b' ');
    big.extend_from_slice(b"\n%%EOF\n");
    let resp = upload(&server, "big.pdf", big);
    error_of(resp, StatusCode::PAYLOAD_TOO_LARGE, "FILE_TOO_LARGE");

    // 404 FILE_NOT_FOUND: an unknown UUID, for status, convert and set-password.
    let unknown = "550e8400-e29b-41d4-a716-446655440000";
    let resp = post_json(
        &server,
        "/bank-statement/status",
        json!({"uuids": [unknown]}),
    );
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=JSON",
        json!({"uuid": unknown}),
    );
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    let resp = post_json(
        &server,
        "/bank-statement/set-password",
        json!({"uuid": unknown, "password": "x"}),
    );
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");

    // 400 INVALID_FORMAT.
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=PDF",
        json!({"uuid": unknown}),
    );
    error_of(resp, StatusCode::BAD_REQUEST, "INVALID_FORMAT");

    // 422 PASSWORD_REQUIRED, then INVALID_PASSWORD, then the right password opens it.
    let f = fixture("abn-amro-nl");
    let plain = root.path().join("plain.pdf");
    let locked = root.path().join("locked.pdf");
    std::fs::write(&plain, &f.pdf).unwrap();
    let status = Command::new("qpdf")
        .args(["--encrypt", "s3cret", "owner", "256", "--"])
        .arg(&plain)
        .arg(&locked)
        .status()
        .expect("qpdf is installed by scripts/lib/deps test");
    assert!(status.success());
    let resp = upload(&server, "locked.pdf", std::fs::read(&locked).unwrap());
    assert_eq!(resp.status(), StatusCode::CREATED);
    let uploaded: Value = resp.json().unwrap();
    let uuid = uploaded[0]["uuid"].as_str().unwrap().to_string();
    assert_eq!(uploaded[0]["filename"], "locked.pdf");
    assert_eq!(uploaded[0]["state"], "READY");
    assert_eq!(uploaded[0]["passwordSet"], false);
    // Folio cannot see inside before the password: type and pages are unknown, not guessed.
    assert!(uploaded[0]["pdfType"].is_null());
    assert!(uploaded[0]["numberOfPages"].is_null());
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=JSON",
        json!({"uuid": uuid}),
    );
    error_of(resp, StatusCode::UNPROCESSABLE_ENTITY, "PASSWORD_REQUIRED");
    let resp = post_json(
        &server,
        "/bank-statement/set-password",
        json!({"uuid": uuid, "password": "wrong"}),
    );
    error_of(resp, StatusCode::UNPROCESSABLE_ENTITY, "INVALID_PASSWORD");
    let resp = post_json(
        &server,
        "/bank-statement/set-password",
        json!({"uuid": uuid, "password": "s3cret"}),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>().unwrap(),
        json!({"uuid": uuid, "state": "READY", "passwordSet": true})
    );
    let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
    assert_eq!(resp.status(), StatusCode::OK);
    let status: Value = resp.json().unwrap();
    assert_eq!(status[0]["pdfType"], "TEXT_BASED");
    assert_eq!(status[0]["numberOfPages"], f.truth.pages);
    assert_eq!(status[0]["progress"], 100);

    // Converted: JSON (the documented shape), CSV and XLSX through Folio's exporter.
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=JSON",
        json!({"uuid": uuid}),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    let converted: Value = resp.json().unwrap();
    let txs = converted["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), f.truth.transactions.len());
    assert_eq!(
        txs[0]["date"],
        f.truth.transactions[0].date.to_string().as_str()
    );
    assert_eq!(txs[0]["currency"], f.truth.currency.as_str());
    assert!(converted["metadata"]["statementPeriod"].is_string());
    assert!(converted["warnings"].is_array());
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=CSV",
        json!({"uuid": uuid}),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = resp.text().unwrap();
    assert_eq!(csv.lines().count(), f.truth.transactions.len() + 1);
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=xlsx",
        json!({"uuid": uuid}),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().unwrap().starts_with(b"PK"));
}

#[test]
fn several_files_upload_in_one_request_or_none_does() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let (a, b) = (fixture("uk-current"), fixture("us-checking"));
    let part = |f: &folio_fixtures::Fixture, name: &str| {
        multipart::Part::bytes(f.pdf.clone()).file_name(name.to_string())
    };
    let form = multipart::Form::new()
        .part("files", part(&a, "june.pdf"))
        .part("files", part(&b, "us.pdf"));
    let resp = client()
        .post(server.url("/bank-statement"))
        .header("Authorization", format!("bearer {}", server.api_key))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let items: Value = resp.json().unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (item, (f, name)) in items.iter().zip([(&a, "june.pdf"), (&b, "us.pdf")]) {
        assert_eq!(item["filename"], name);
        assert_eq!(item["pdfType"], "TEXT_BASED");
        assert_eq!(item["state"], "READY");
        assert_eq!(item["numberOfPages"], f.truth.pages);
        let uuid = item["uuid"].as_str().unwrap();
        let resp = post_json(
            &server,
            "/bank-statement/convert?format=JSON",
            json!({"uuid": uuid}),
        );
        let converted: Value = resp.json().unwrap();
        assert_eq!(
            converted["transactions"].as_array().unwrap().len(),
            f.truth.transactions.len()
        );
    }

    // One file that is not a PDF refuses the whole request: nothing is kept.
    let form = multipart::Form::new()
        .part("files", part(&a, "june.pdf"))
        .part(
            "files",
            multipart::Part::bytes(b"PK\x03\x04 a zip".to_vec()).file_name("x.zip"),
        );
    let resp = client()
        .post(server.url("/bank-statement"))
        .header("Authorization", server.bearer())
        .multipart(form)
        .send()
        .unwrap();
    let body = error_of(resp, StatusCode::BAD_REQUEST, "INVALID_FILE_TYPE");
    assert!(
        body["message"].as_str().unwrap().contains("x.zip"),
        "{body}"
    );
}

#[test]
fn the_rate_limits_count_down_and_refuse_with_429() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let http = client();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut last_remaining = u64::MAX;
    for i in 0..60 {
        let resp = http
            .get(server.url("/user"))
            .header("Authorization", server.bearer())
            .send()
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "request {i}");
        assert_eq!(header_u64(&resp, "x-ratelimit-limit"), 60);
        let remaining = header_u64(&resp, "x-ratelimit-remaining");
        assert!(remaining < last_remaining);
        last_remaining = remaining;
        let reset = header_u64(&resp, "x-ratelimit-reset");
        assert!(reset > now && reset <= now + 62, "{reset} vs {now}");
    }
    assert_eq!(last_remaining, 0);
    let resp = http
        .get(server.url("/user"))
        .header("Authorization", server.bearer())
        .send()
        .unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(header_u64(&resp, "x-ratelimit-remaining"), 0);
    error_of(resp, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");

    // Without a key: the anonymous ten a minute, then 429 instead of 401.
    for _ in 0..10 {
        let resp = http.get(server.url("/user")).send().unwrap();
        assert_eq!(header_u64(&resp, "x-ratelimit-limit"), 10);
        error_of(resp, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    let resp = http.get(server.url("/user")).send().unwrap();
    error_of(resp, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED");
}

#[test]
fn the_key_is_kept_in_the_keychain_and_new_key_rotates_it() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let first = Server::start(&data, &[], &[]);
    let old_key = first.api_key.clone();
    let item = first.item.clone();
    assert!(old_key.len() >= 32);
    assert_eq!(
        Keychain::os().get(&item).unwrap().unwrap().expose(),
        &old_key
    );
    first.stop(true);

    // A restart keeps the key.
    let again = Server::start(&data, &["--port", "0"], &[]);
    assert_eq!(again.api_key, old_key);
    again.stop(true);

    // --new-key replaces it; the old one is refused.
    let rotated = Server::start(&data, &["--new-key"], &[]);
    assert_ne!(rotated.api_key, old_key);
    assert_eq!(
        Keychain::os().get(&item).unwrap().unwrap().expose(),
        &rotated.api_key
    );
    let http = client();
    let resp = http
        .get(rotated.url("/user"))
        .header("Authorization", format!("Bearer {old_key}"))
        .send()
        .unwrap();
    error_of(resp, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let resp = http
        .get(rotated.url("/user"))
        .header("Authorization", rotated.bearer())
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[test]
fn a_fixed_port_is_used_when_asked() {
    let root = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = Server::start(
        &root.path().join("data"),
        &["--port", &port.to_string()],
        &[],
    );
    assert_eq!(server.base_url, format!("http://127.0.0.1:{port}/api/v1"));
}

#[test]
fn files_are_forgotten_after_the_retention() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(
        &root.path().join("data"),
        &[],
        &[("FOLIO_SERVE_RETENTION_SECS", "2")],
    );
    let f = fixture("uk-current");
    let resp = upload(&server, "statement.pdf", f.pdf.clone());
    assert_eq!(resp.status(), StatusCode::CREATED);
    let uuid = resp.json::<Value>().unwrap()[0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
    assert_eq!(resp.status(), StatusCode::OK);
    // The sweeper runs every quarter of the retention: by 3 s the file is gone from memory.
    std::thread::sleep(Duration::from_millis(3000));
    let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=JSON",
        json!({"uuid": uuid}),
    );
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    let log = server.stop(false);
    assert!(
        log.contains("forgot 1 file(s) uploaded more than 2 s ago"),
        "{log}"
    );
}

#[test]
fn a_scan_is_processing_with_progress_until_completed() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let f = fixture("abn-amro-nl");
    let resp = upload(&server, "scan.pdf", first_page_scanned(&f));
    assert_eq!(resp.status(), StatusCode::CREATED);
    let item = &resp.json::<Value>().unwrap()[0];
    assert_eq!(item["pdfType"], "IMAGE_BASED");
    assert_eq!(item["state"], "PROCESSING");
    assert_eq!(item["numberOfPages"], f.truth.pages);
    let uuid = item["uuid"].as_str().unwrap().to_string();

    // Converting before the reading is done: refused, not a half statement.
    let resp = post_json(
        &server,
        "/bank-statement/convert?format=CSV",
        json!({"uuid": uuid}),
    );
    error_of(resp, StatusCode::CONFLICT, "FILE_PROCESSING");

    let mut seen = Vec::new();
    let status = loop {
        let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
        assert_eq!(resp.status(), StatusCode::OK);
        let status = resp.json::<Value>().unwrap()[0].clone();
        if status["state"] != "PROCESSING" {
            break status;
        }
        seen.push(status["progress"].as_u64().unwrap());
        // Once a second: the 60-a-minute limit counts these too.
        assert!(seen.len() < 50, "still processing after 50 s");
        std::thread::sleep(Duration::from_secs(1));
    };
    assert_eq!(status["state"], "COMPLETED", "{status}");
    assert_eq!(status["progress"], 100);
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|p| *p < 100), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");

    let resp = post_json(
        &server,
        "/bank-statement/convert?format=CSV",
        json!({"uuid": uuid}),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.text().unwrap().lines().count(),
        f.truth.transactions.len() + 1
    );
}

#[test]
fn without_a_keychain_serve_says_so_and_does_not_start() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .arg("serve")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/folio-no-bus",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("code: KEYCHAIN_UNAVAILABLE"), "{err}");
}

#[test]
fn a_file_is_forgotten_on_demand() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(&root.path().join("data"), &[], &[]);
    let f = fixture("uk-current");
    let resp = upload(&server, "statement.pdf", f.pdf.clone());
    assert_eq!(resp.status(), StatusCode::CREATED);
    let uuid = resp.json::<Value>().unwrap()[0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/bank-statement/{uuid}");
    // Without the key: refused, and the file is still there.
    let resp = client().delete(server.url(&path)).send().unwrap();
    error_of(resp, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
    assert_eq!(resp.status(), StatusCode::OK);
    // With it: gone at once, for every endpoint.
    let resp = client()
        .delete(server.url(&path))
        .header("Authorization", server.bearer())
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = post_json(&server, "/bank-statement/status", json!({"uuids": [uuid]}));
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    let resp = client()
        .delete(server.url(&path))
        .header("Authorization", server.bearer())
        .send()
        .unwrap();
    error_of(resp, StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
}
