//! The command line: `serve` (bootstrap, graceful shutdown, several listeners, the admin
//! token file), `partner create|list|show|reset-secret|link`, `token`, `migrate`, working
//! beside a running server on the same database; and the control plane's partner reset.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use partnerd_testkit::{assert_fault, jwt_claims, status_json, TestServer};
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
        "userObjectId",
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
    // The printed object id is the `oid` of the user's tokens, for tests minting their own.
    assert_eq!(jwt_claims(t)["oid"], p["userObjectId"]);
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
    // A URL that cannot be used is worded one way, whichever command reads it first.
    for bad in ["mysql://localhost/x", "sqlite::memory:", "sqlite://"] {
        for command in [
            vec!["migrate", "--database", bad],
            vec!["partner", "list", "--database", bad],
            vec!["serve", "--listen", "127.0.0.1:0", "--database", bad],
        ] {
            let (ok, _, err) = run(&command);
            assert!(!ok, "{command:?}");
            assert!(
                err.contains("invalid database URL: ") && err.contains("expected sqlite://PATH"),
                "{command:?}: {err}"
            );
        }
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
    let mut command = partnerd();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", filter)
        .stderr(log);
    spawn_serve(dir, command)
}

/// Spawns a prepared `partnerd serve` command on `partnerd.db` in `dir`, and returns the child
/// and the lines it printed up to and including its `listening on` line.
fn spawn_serve(dir: &std::path::Path, mut command: Command) -> (std::process::Child, Vec<String>) {
    let mut child = command
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .current_dir(dir)
        .stdout(Stdio::piped())
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
    // The control plane's token was made, printed once and kept beside the database, in a
    // file named after it: another database in the same folder gets a token of its own.
    let admin = field("Control-plane admin token (kept in");
    let admin = admin.rsplit(' ').next().unwrap().to_owned();
    let kept = std::fs::read_to_string(dir.path().join("partnerd.db.admin-token")).unwrap();
    assert_eq!(kept.trim(), admin);
    assert!(!dir.path().join("admin-token").exists());
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
    // A log that goes to a file is plain text: no colour codes.
    assert!(
        !text.contains('\u{1b}'),
        "ANSI escapes in a log file: {text}"
    );
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

/// Asks the token service for an app-only token; returns the status and the answer.
async fn client_credentials(s: &TestServer, tenant: &str, client: &str, secret: &str) -> u16 {
    let r = s
        .request(Method::POST, &format!("/{tenant}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

#[tokio::test]
async fn partner_list_show_and_reset_secret() {
    let s = TestServer::start().await;
    let (ok, out, err) = run(&[
        "partner",
        "create",
        "--database",
        &s.db_url,
        "--name",
        "Reseller Two",
        "--kind",
        "production",
        "--json",
    ]);
    assert!(ok, "{err}");
    let other: Value = serde_json::from_str(out.trim()).unwrap();
    let other_domain = other["domain"].as_str().unwrap();

    // `list --json`: every partner, oldest first, with these fields and no credentials.
    let (ok, out, err) = run(&["partner", "list", "--database", &s.db_url, "--json"]);
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{out}");
    assert_eq!(listed[0]["tenantId"], s.partner.tenant_id.as_str());
    assert_eq!(listed[1]["tenantId"], other["tenantId"]);
    for p in listed {
        let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["customerCap", "domain", "kind", "name", "tenantId"],
            "{p}"
        );
    }
    assert_eq!(listed[1]["kind"], "production");
    assert_eq!(listed[1]["customerCap"], 0);
    // The table: a header and one row a partner.
    let (ok, out, err) = run(&["partner", "list", "--database", &s.db_url]);
    assert!(ok, "{err}");
    assert!(out.starts_with("TENANT ID"), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains(&s.partner.domain) && out.contains(other_domain),
        "{out}"
    );

    // `link` takes domains as well as tenant ids.
    let (ok, _, err) = run(&[
        "partner",
        "link",
        "--database",
        &s.db_url,
        "--provider",
        &s.partner.domain,
        "--reseller",
        other_domain,
    ]);
    assert!(ok, "{err}");

    // `show` by domain: the partner, its app and user, its links; no secret or hash.
    let (ok, out, err) = run(&[
        "partner",
        "show",
        "--database",
        &s.db_url,
        &s.partner.domain,
        "--json",
    ]);
    assert!(ok, "{err}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["tenantId"], s.partner.tenant_id.as_str());
    assert_eq!(shown["apps"][0]["clientId"], s.partner.client_id.as_str());
    assert_eq!(shown["users"][0]["userName"], s.partner.user_name.as_str());
    assert_eq!(shown["indirectResellers"][0]["tenantId"], other["tenantId"]);
    for secret in [
        "$argon2",
        "$sha256",
        "Hash",
        s.partner.client_secret.as_str(),
        s.partner.user_password.as_str(),
    ] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    // By tenant id, as text read by its labels.
    let (ok, out, err) = run(&[
        "partner",
        "show",
        "--database",
        &s.db_url,
        other["tenantId"].as_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("domain:         {other_domain}")),
        "{out}"
    );
    assert!(
        out.contains("client id:") && out.contains("user name:"),
        "{out}"
    );
    assert!(out.contains("indirect provider:"), "{out}");
    assert!(
        !out.contains("secret") && !out.contains("password"),
        "{out}"
    );
    let (ok, _, err) = run(&[
        "partner",
        "show",
        "--database",
        &s.db_url,
        "nobody.onmicrosoft.com",
    ]);
    assert!(!ok && err.contains("nobody.onmicrosoft.com"), "{err}");

    // `reset-secret`: new credentials, printed once; the old secret stops working at once.
    let tenant = s.partner.tenant_id.as_str();
    let client = s.partner.client_id.as_str();
    assert_eq!(
        client_credentials(&s, tenant, client, &s.partner.client_secret).await,
        200
    );
    let (ok, out, err) = run(&[
        "partner",
        "reset-secret",
        "--database",
        &s.db_url,
        &s.partner.domain,
        "--json",
    ]);
    assert!(ok, "{err}");
    let new: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(new["clientId"], client);
    assert_eq!(new["userName"], s.partner.user_name.as_str());
    let secret = new["clientSecret"].as_str().unwrap();
    let password = new["userPassword"].as_str().unwrap();
    assert_ne!(secret, s.partner.client_secret);
    assert_ne!(password, s.partner.user_password);
    assert_eq!(
        client_credentials(&s, tenant, client, &s.partner.client_secret).await,
        401
    );
    assert_eq!(client_credentials(&s, tenant, client, secret).await, 200);
    let r = s
        .request(Method::POST, &format!("/{tenant}/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client),
            ("client_secret", secret),
            ("username", s.partner.user_name.as_str()),
            ("password", password),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, 200, "{body}");
    // The text form, by tenant id.
    let (ok, out, err) = run(&["partner", "reset-secret", "--database", &s.db_url, tenant]);
    assert!(ok, "{err}");
    assert!(
        out.contains("client secret:") && out.contains("user password:"),
        "{out}"
    );
    assert_eq!(client_credentials(&s, tenant, client, secret).await, 401);
}

#[tokio::test]
async fn partner_reset_takes_a_tenant_id_or_a_domain() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    s.create_customer(&t, "resetbydomain.onmicrosoft.com").await;
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", s.partner.domain),
        )
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["tenantId"], s.partner.tenant_id.as_str());
    assert_eq!(v["deletedCustomers"], 1);
    let r = s
        .admin(
            Method::POST,
            "/_partnerd/partners/nobody.onmicrosoft.com/reset",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[test]
fn serve_that_cannot_listen_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap();
    // The first address is free: it is bound, then given back when the second fails.
    let out = partnerd()
        .args(["serve", "--tls-self-signed"])
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .args(["--listen", &taken_addr.to_string()])
        .env("PARTNERD_DATABASE", "sqlite://partnerd.db")
        .env_remove("PARTNERD_ADMIN_TOKEN")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on {taken_addr}")),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("client secret"), "{stdout}");
    // No database, lock file, TLS material or admin token was made.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn one_server_listens_on_several_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let mut command = partnerd();
    command
        .arg("serve")
        .env("PARTNERD_LISTEN", format!("127.0.0.1:{a},127.0.0.1:{b}"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null());
    let (mut child, lines) = spawn_serve(dir.path(), command);
    let listening = lines.last().unwrap();
    assert!(
        listening.contains(&format!("http://127.0.0.1:{a}"))
            && listening.contains(&format!("http://127.0.0.1:{b}")),
        "{listening}"
    );
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
    // One state behind both: a token from one socket works on the other.
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("http://127.0.0.1:{a}/{tenant}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http
        .get(format!("http://127.0.0.1:{b}/v1/customers"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // SIGTERM stops both, gracefully.
    assert!(terminate(&mut child).success());
}

#[tokio::test]
async fn serve_keeps_the_admin_token_of_an_older_set_up() {
    let dir = tempfile::tempdir().unwrap();
    // Before the token file was named after its database, it was `admin-token`.
    std::fs::write(dir.path().join("admin-token"), "kept-from-before\n").unwrap();
    let port = free_port();
    let (mut child, lines) = start_serve(dir.path(), port);
    assert!(
        !lines.iter().any(|l| l.contains("admin token")),
        "{lines:?}"
    );
    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/_partnerd/metrics"))
        .bearer_auth("kept-from-before")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!dir.path().join("partnerd.db.admin-token").exists());
    assert!(terminate(&mut child).success());
}

/// Every file partnerd writes is readable by its owner alone, whatever the umask: the database
/// and its `-wal`/`-shm` hold the signing keys; the lock, admin token and bootstrap file sit
/// beside it. A database that others can read gets a warning at start.
#[cfg(unix)]
#[tokio::test]
async fn files_partnerd_writes_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    // A umask that keeps nothing private, so only partnerd's own care makes files private.
    let serve = |log: &std::path::Path| {
        let mut sh = Command::new("sh");
        sh.args([
            "-c",
            &format!(
                "umask 000; exec '{}' serve --listen 127.0.0.1:{}",
                env!("CARGO_BIN_EXE_partnerd"),
                free_port()
            ),
        ])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()));
        spawn_serve(dir.path(), sh).0
    };
    let first_log = dir.path().join("first.log");
    let mut child = serve(&first_log);
    for name in [
        "partnerd.db",
        "partnerd.db-wal",
        "partnerd.db-shm",
        "partnerd.db.serve-lock",
        "partnerd.db.admin-token",
        "partnerd.db.bootstrap.json",
    ] {
        let path = dir.path().join(name);
        assert!(path.exists(), "{name} was not made");
        assert_eq!(mode(&path), 0o600, "{name}");
    }
    terminate(&mut child);
    let first = std::fs::read_to_string(&first_log).unwrap();
    assert!(!first.contains("other users can read"), "{first}");

    std::fs::set_permissions(
        dir.path().join("partnerd.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let second_log = dir.path().join("second.log");
    let mut child = serve(&second_log);
    terminate(&mut child);
    let second = std::fs::read_to_string(&second_log).unwrap();
    assert!(
        second.contains("other users can read") && second.contains("partnerd.db"),
        "{second}"
    );
}

/// A server restarted after a crash releases the idempotency leases its dead process held, so
/// a retry of a request it cut short runs at once instead of waiting for the lease to lapse.
#[tokio::test]
async fn a_restarted_server_releases_stale_leases() {
    use partnerd_store::{IdempotencyKey, Lease, Reservation, TenantId};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _) = start_serve(dir.path(), free_port());
    terminate(&mut child);
    // What a crash mid-request leaves: a pending lease, held for minutes.
    let url = format!("sqlite://{}", dir.path().join("partnerd.db").display());
    let lease = Lease {
        key: IdempotencyKey {
            partner_id: TenantId::random(),
            request_id: "cut-short".into(),
        },
        token: "dead-process".into(),
        node: "some-node".into(),
    };
    {
        let store = partnerd_store::open(&url).await.unwrap();
        let reserved = store.reserve(&lease, "fp", 600, 3600).await.unwrap();
        assert_eq!(reserved, Reservation::Acquired);
    }
    let (mut child, lines) = start_serve(dir.path(), free_port());
    terminate(&mut child);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Released 1 idempotency lease")),
        "{lines:?}"
    );
    let store = partnerd_store::open(&url).await.unwrap();
    let retry = Lease {
        token: "retry".into(),
        ..lease
    };
    assert_eq!(
        store.reserve(&retry, "fp", 600, 3600).await.unwrap(),
        Reservation::Acquired,
        "the retry takes the key at once"
    );
}

#[tokio::test]
async fn serve_applies_a_seed_file_once_and_healthcheck_probes_it() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/seed.yaml");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let start = || {
        let mut command = partnerd();
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("PARTNERD_SEED", seed)
            .env("PARTNERD_ADMIN_TOKEN", "seed-test-admin")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null());
        spawn_serve(dir.path(), command)
    };
    let (mut child, lines) = start();
    let text = lines.join("\n");
    assert!(
        text.contains("2 partner(s) and 1 customer(s) created"),
        "{text}"
    );
    assert!(text.contains("Armed 1 fault rule(s)"), "{text}");
    // The file's partners stand in for the bootstrap partner.
    assert!(!text.contains("bootstrap"), "{text}");

    let rules: Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/_partnerd/faults"))
        .bearer_auth("seed-test-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
    assert_eq!(rules[0]["everyNth"], 50, "{rules}");

    // healthcheck: the URL given, or the one PARTNERD_LISTEN implies.
    let url = format!("http://127.0.0.1:{port}/_partnerd/health");
    let (ok, out, err) = run(&["healthcheck", &url]);
    assert!(ok, "{out}{err}");
    let probe = partnerd()
        .arg("healthcheck")
        .env("PARTNERD_LISTEN", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(probe.status.success(), "{probe:?}");
    assert!(terminate(&mut child).success());

    // Stopped: the probe fails, with exit code 1.
    let (ok, _, err) = run(&["healthcheck", &url]);
    assert!(!ok);
    assert!(err.contains("unhealthy"), "{err}");

    // The same file again changes nothing.
    let (mut child, lines) = start();
    let text = lines.join("\n");
    assert!(
        text.contains("0 partner(s) and 0 customer(s) created, 0 secret(s)"),
        "{text}"
    );
    assert!(terminate(&mut child).success());
}
