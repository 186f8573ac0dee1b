//! The command line: `serve` (bootstrap, graceful shutdown), `partner create|link`, `token`,
//! `migrate`, working beside a running server on the same database.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::Value;

fn partnerd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_partnerd"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = partnerd().args(args).output().expect("run partnerd");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn partner_create_works_beside_a_running_server() {
    let s = TestServer::start().await;
    let (ok, out, err) = run(&[
        "partner",
        "create",
        "--database",
        &s.db_url,
        "--name",
        "Woodgrove",
        "--kind",
        "production",
        "--json",
    ]);
    assert!(ok, "{err}");
    let p: Value = serde_json::from_str(out.trim()).expect("one JSON object");
    for key in [
        "tenantId",
        "name",
        "kind",
        "clientId",
        "clientSecret",
        "userName",
        "userPassword",
    ] {
        assert!(p[key].is_string(), "{key} missing in {p}");
    }
    assert_eq!(p["kind"], "production");
    assert_eq!(p["name"], "Woodgrove");
    // The running server knows the new partner at once: its credentials get a token that works.
    let tenant = p["tenantId"].as_str().unwrap();
    let r = s
        .request(Method::POST, &format!("/{tenant}/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", p["clientId"].as_str().unwrap()),
            ("client_secret", p["clientSecret"].as_str().unwrap()),
            ("username", p["userName"].as_str().unwrap()),
            ("password", p["userPassword"].as_str().unwrap()),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let (status, token) = status_json(r).await;
    assert_eq!(status, 200, "{token}");
    let t = token["access_token"].as_str().unwrap();
    let r = s
        .authed(Method::GET, "/v1/customers", t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A production partner: no cap and no deletes.
    let c = s.create_customer(t, "woodgrovecust.onmicrosoft.com").await;
    let r = s
        .authed(
            Method::DELETE,
            &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
            t,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 900127).await;

    let (ok, _, err) = run(&[
        "partner",
        "create",
        "--database",
        &s.db_url,
        "--name",
        "X",
        "--kind",
        "gold",
    ]);
    assert!(!ok && err.contains("gold"), "{err}");
}

#[tokio::test]
async fn partner_link_and_token_commands() {
    let s = TestServer::start().await;
    let (ok, out, err) = run(&[
        "partner",
        "create",
        "--database",
        &s.db_url,
        "--name",
        "Reseller Co",
        "--customer-cap",
        "3",
        "--json",
    ]);
    assert!(ok, "{err}");
    let reseller: Value = serde_json::from_str(out.trim()).unwrap();
    let rid = reseller["tenantId"].as_str().unwrap();
    let (ok, _, err) = run(&[
        "partner",
        "link",
        "--database",
        &s.db_url,
        "--provider",
        &s.partner.tenant_id,
        "--reseller",
        rid,
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&[
        "partner",
        "link",
        "--database",
        &s.db_url,
        "--provider",
        &s.partner.tenant_id,
        "--reseller",
        "00000000-0000-0000-0000-000000000000",
    ]);
    assert!(!ok && !err.is_empty());

    // `token` by tenant id, app-only; and by domain, app+user.
    let (ok, app_token, err) = run(&[
        "token",
        "--database",
        &s.db_url,
        "--tenant",
        &s.partner.tenant_id,
    ]);
    assert!(ok, "{err}");
    let r = s
        .authed(Method::GET, "/v1/relationships", app_token.trim())
        .send()
        .await
        .unwrap();
    let (status, rels) = status_json(r).await;
    assert_eq!(status, 200, "{rels}");
    assert_eq!(rels["items"][0]["id"], rid);
    let (ok, user_token, err) = run(&[
        "token",
        "--database",
        &s.db_url,
        "--tenant",
        &s.partner.domain,
        "--user",
    ]);
    assert!(ok, "{err}");
    let c = s
        .create_customer(user_token.trim(), "viacli.onmicrosoft.com")
        .await;
    let r = s
        .authed(
            Method::GET,
            &format!(
                "/v1/customers/{}/profiles/company",
                c["id"].as_str().unwrap()
            ),
            user_token.trim(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (ok, _, err) = run(&[
        "token",
        "--database",
        &s.db_url,
        "--tenant",
        "nobody.onmicrosoft.com",
    ]);
    assert!(!ok && err.contains("nobody"), "{err}");
}

#[test]
fn migrate_and_bad_urls() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sub/dir/p.db", dir.path().display());
    let (ok, _, err) = run(&["migrate", "--database", &url]);
    assert!(ok, "{err}");
    assert!(dir.path().join("sub/dir/p.db").exists());
    let (ok, _, err) = run(&["migrate", "--database", &url]);
    assert!(ok, "migrating twice is harmless: {err}");
    for bad in [
        "mysql://localhost/x",
        "postgres://localhost/x",
        "sqlite::memory:",
    ] {
        let (ok, _, err) = run(&["migrate", "--database", bad]);
        assert!(!ok, "{bad}");
        assert!(err.contains("partnerd:"), "{bad}: {err}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `partnerd serve`, returns the child and the lines printed before it listened.
fn start_serve(dir: &std::path::Path, port: u16) -> (std::process::Child, Vec<String>) {
    start_serve_logging(dir, port, "warn", Stdio::null())
}

/// Starts `partnerd serve` with a log filter and a destination for its log (stderr).
fn start_serve_logging(
    dir: &std::path::Path,
    port: u16,
    filter: &str,
    log: Stdio,
) -> (std::process::Child, Vec<String>) {
    let mut child = partnerd()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .env("RUST_LOG", filter)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.contains("listening");
                lines.push(line);
                if done {
                    return (child, lines);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("partnerd serve did not start: {lines:?}");
}

fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("partnerd did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn serve_bootstraps_once_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, lines) = start_serve(dir.path(), port);
    let text = lines.join("\n");
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("{name} not printed: {text}"))
    };
    let tenant = field("tenant id:");
    let client_id = field("client id:");
    let secret = field("client secret:");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The control plane's token was made, printed once and kept beside the database.
    let admin = field("Control-plane admin token (kept in");
    let admin = admin.rsplit(' ').next().unwrap().to_owned();
    let kept = std::fs::read_to_string(dir.path().join("admin-token")).unwrap();
    assert_eq!(kept.trim(), admin);
    let r = http
        .get(format!("{base}/_partnerd/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let status = terminate(&mut child);
    assert!(status.success(), "exit status {status}");

    // A second start on the same store creates no new partner and prints no credentials.
    let (mut child, lines) = start_serve(dir.path(), port);
    // And a second server on the same SQLite file at the same time is refused.
    let other = partnerd()
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("already serving"));
    assert!(
        !lines.iter().any(|l| l.contains("client secret")),
        "{lines:?}"
    );
    assert!(terminate(&mut child).success());
}

#[tokio::test]
async fn keys_rotate_list_and_retire() {
    let s = TestServer::start().await;
    let list = || {
        let (ok, out, err) = run(&["keys", "list", "--database", &s.db_url]);
        assert!(ok, "{err}");
        out.lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let before = list();
    assert_eq!(before.len(), 1);
    let (ok, _, err) = run(&["keys", "retire", "--database", &s.db_url, &before[0]]);
    assert!(!ok && err.contains("only active key"), "{err}");
    let (ok, out, err) = run(&["keys", "rotate", "--database", &s.db_url]);
    assert!(ok, "{err}");
    let new_kid = out.trim().to_owned();
    assert_eq!(
        list(),
        vec![new_kid.clone(), before[0].clone()],
        "newest first"
    );
    let old_token = s.app_token().await;
    let (ok, _, err) = run(&["keys", "retire", "--database", &s.db_url, &before[0]]);
    assert!(ok, "{err}");
    assert_eq!(list(), vec![new_kid]);
    s.state.keys.reload().await.unwrap();
    let r = s
        .authed(Method::GET, "/v1/customers", &old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (ok, _, err) = run(&["keys", "retire", "--database", &s.db_url, "no-such-kid"]);
    assert!(!ok && err.contains("no-such-kid"), "{err}");
}

#[tokio::test]
async fn no_secret_password_or_token_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    let (mut child, lines) = start_serve_logging(dir.path(), port, "trace", Stdio::from(log));
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
            .unwrap()
    };
    let (tenant, client, secret) = (
        field("tenant id:"),
        field("client id:"),
        field("client secret:"),
    );
    let (user, password) = (field("user name:"), field("user password:"));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let token = |form: Vec<(&'static str, String)>| {
        let (http, url) = (http.clone(), format!("{base}/{tenant}/oauth2/v2.0/token"));
        async move {
            http.post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let scope = "https://api.partnercenter.microsoft.com/user_impersonation offline_access openid"
        .to_owned();
    let wrong = token(vec![
        ("grant_type", "password".into()),
        ("client_id", client.clone()),
        ("username", user.clone()),
        ("password", format!("{password}x")),
        ("scope", scope.clone()),
    ])
    .await;
    assert_eq!(wrong["error"], "invalid_grant");
    let good = token(vec![
        ("grant_type", "password".into()),
        ("client_id", client.clone()),
        ("client_secret", secret.clone()),
        ("username", user.clone()),
        ("password", password.clone()),
        ("scope", scope.clone()),
    ])
    .await;
    let access = good["access_token"].as_str().unwrap().to_owned();
    let refresh = good["refresh_token"].as_str().unwrap().to_owned();
    for path in ["/v1/customers", "/v1/customers/not-a-guid", "/nowhere"] {
        http.get(format!("{base}{path}"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap();
    }
    let _ = token(vec![
        ("grant_type", "refresh_token".into()),
        ("client_id", client.clone()),
        ("refresh_token", refresh.clone()),
        ("scope", scope),
    ])
    .await;
    assert!(terminate(&mut child).success());
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.lines().count() > 5,
        "the trace log is not empty: {text}"
    );
    for (what, secret_value) in [
        ("client secret", &secret),
        ("password", &password),
        ("access token", &access),
        ("refresh token", &refresh),
    ] {
        assert!(
            !text.contains(secret_value.as_str()),
            "the {what} appears in the log"
        );
    }
    // A token's signature alone must not appear either.
    assert!(!text.contains(access.rsplit('.').next().unwrap()));
}

#[tokio::test]
async fn fault_rules_load_from_a_file_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("faults.json");
    std::fs::write(
        &rules,
        r#"{"rules": [{"method": "GET", "route": "/v1/customers", "everyNth": 1,
            "effect": {"kind": "error", "status": 503, "code": 990006}}]}"#,
    )
    .unwrap();
    let port = free_port();
    let mut child = partnerd()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--admin-token",
            "test-admin",
        ])
        .arg("--faults")
        .arg(&rules)
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let done = line.contains("listening");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("Loaded 1 fault rule")),
        "{seen:?}"
    );
    let http = reqwest::Client::new();
    let r = http
        .get(format!("http://127.0.0.1:{port}/_partnerd/faults"))
        .bearer_auth("test-admin")
        .send()
        .await
        .unwrap();
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(terminate(&mut child).success());
    // A broken file stops the start with a message.
    std::fs::write(&rules, "[{\"route\": \"\"}]").unwrap();
    let out = partnerd()
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--faults")
        .arg(&rules)
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("partnerd:"));
}
