//! Export and import: SQLite → PostgreSQL → SQLite gives back the same records and the same
//! API answers (the PostgreSQL leg is skipped, loudly, without a server).

use std::process::Command;

use partnerd_testkit::{customer_body, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

use crate::multinode::{fresh_database, start_node};

fn partnerd(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_partnerd"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn records(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every answer a partner's token gets about its customers.
async fn answers(base: &str, token: &str, ids: &[String]) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut paths = vec!["/v1/customers".to_owned(), "/v1/relationships".to_owned()];
    for id in ids {
        for suffix in [
            "",
            "/profiles/billing",
            "/profiles/company",
            "/relationships",
        ] {
            paths.push(format!("/v1/customers/{id}{suffix}"));
        }
    }
    let mut out = Vec::new();
    for path in paths {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        out.push(json!({"path": path, "status": status, "body": r.json::<Value>().await.unwrap_or(Value::Null)}));
    }
    out
}

#[tokio::test]
async fn sqlite_to_postgres_to_sqlite_round_trips() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let reseller = s
        .add_partner("Reseller", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    s.store
        .link_partners(&s.partner.tenant(), &reseller.tenant())
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..4 {
        let mut body = customer_body(&format!("moving{i}.onmicrosoft.com"));
        if i == 1 {
            body["associatedPartnerId"] = json!(reseller.tenant_id);
        }
        let r = s
            .authed(Method::POST, "/v1/customers", &t)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, c) = status_json(r).await;
        assert_eq!(status, 201, "{c}");
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{}", ids[2]), &t)
        .json(&json!({"allowDelegatedAccess": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s.authed(Method::PUT, &format!("/v1/customers/{}/profiles/billing", ids[3]), &t).header("If-Match", "*")
        .json(&json!({"email": "moved@contoso.com", "culture": "en-GB", "language": "en", "companyName": "Moved",
            "defaultAddress": {"country": "GB", "city": "London", "addressLine1": "1 Way", "postalCode": "SW1A 1AA"}}))
        .send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{}", ids[0]), &t)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let reseller_token = s.user_token_of(&reseller).await;
    let before = (
        answers(&s.base, &t, &ids).await,
        answers(&s.base, &reseller_token, &ids).await,
    );

    let dir = tempfile::tempdir().unwrap();
    let first = partnerd(&["export", "--database", &s.db_url]);
    let mut text = first.clone();
    match fresh_database() {
        Some(pg) => {
            let file = dir.path().join("a.jsonl");
            std::fs::write(&file, &first).unwrap();
            partnerd(&[
                "import",
                "--database",
                &pg,
                "--input",
                file.to_str().unwrap(),
            ]);
            text = partnerd(&["export", "--database", &pg]);
            assert_eq!(
                records(&text),
                records(&first),
                "SQLite → PostgreSQL keeps every record"
            );
            // Importing into a store that is not empty is refused.
            let out = Command::new(env!("CARGO_BIN_EXE_partnerd"))
                .args([
                    "import",
                    "--database",
                    &pg,
                    "--input",
                    file.to_str().unwrap(),
                ])
                .output()
                .unwrap();
            assert!(
                !out.status.success()
                    && String::from_utf8_lossy(&out.stderr).contains("empty store")
            );
        }
        None => eprintln!("*** the PostgreSQL leg of the round trip was skipped ***"),
    }
    let back = format!("sqlite://{}/back.db", dir.path().display());
    let file = dir.path().join("b.jsonl");
    std::fs::write(&file, &text).unwrap();
    partnerd(&[
        "import",
        "--database",
        &back,
        "--input",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        records(&partnerd(&["export", "--database", &back])),
        records(&first),
        "… → SQLite keeps every record"
    );

    // The same tokens (the signing keys moved too) get the same answers from the copy.
    let node = start_node(&back).await;
    let after = (
        answers(&node.base, &t, &ids).await,
        answers(&node.base, &reseller_token, &ids).await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn import_reads_standard_input_and_names_a_bad_line() {
    use std::io::Write;
    use std::process::Stdio;

    let source = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/source.db", source.path().display());
    partnerd(&["partner", "create", "--database", &db, "--name", "Stdin"]);
    let good = partnerd(&["export", "--database", &db]);
    let import = |db: &str, text: String| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partnerd"))
            .args(["import", "--database", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let dir = tempfile::tempdir().unwrap();
    let copy = format!("sqlite://{}/copy.db", dir.path().display());
    let out = import(&copy, format!("\n{good}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The command emptied the log before it exited, so the next start reads none back.
    let log = dir.path().join("copy.db-wal");
    assert!(
        std::fs::metadata(&log).map_or(true, |m| m.len() == 0),
        "{} is empty or gone",
        log.display()
    );
    assert_eq!(
        records(&partnerd(&["export", "--database", &copy])),
        records(&good)
    );

    // An app away from its partner is refused with the order an import expects.
    let (apps, rest): (Vec<&str>, Vec<&str>) =
        good.lines().partition(|l| l.contains("\"record\":\"app\""));
    assert_eq!(apps.len(), 1, "{good}");
    let reordered = format!("{}\n{}\n", rest.join("\n"), apps[0]);
    let out = import(
        &format!("sqlite://{}/reordered.db", dir.path().display()),
        reordered,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("does not directly follow its partner")
            && stderr.contains("in the order `partnerd export` writes them"),
        "{stderr}"
    );

    let broken = format!("sqlite://{}/broken.db", dir.path().display());
    let lines = good.lines().count();
    let out = import(&broken, format!("{good}{{\"record\": \"customer\"\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("line {}", lines + 1)),
        "the bad line is named: {stderr}"
    );
}
