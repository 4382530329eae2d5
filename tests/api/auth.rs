//! JWT-xx and AUTHZ-10/11: every bad token is 401 with `WWW-Authenticate`, before any resolver.
use crate::common::*;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::Sha256;

const Q: &str = "{ viewer { roles } }";

/// Builds a token by hand (no library refusing to make it), HMAC-SHA256 when a key is given.
fn raw_token(header: &Value, claims: &Value, key: Option<&[u8]>) -> String {
    let h = B64.encode(header.to_string());
    let p = B64.encode(claims.to_string());
    let sig = match key {
        Some(k) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(k).unwrap();
            mac.update(format!("{h}.{p}").as_bytes());
            B64.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{h}.{p}.{sig}")
}

/// Asserts the 401 shape and that nothing ran: no audit row, no SQL statement.
async fn assert_rejected(app: &TestApp, token: &str) {
    let before = app.state.statements.get();
    let r = app.post(Some(token), &json!({ "query": "{ caseload(first: 5) { edges { node { id } } } }" })).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.raw);
    assert_eq!(r.headers["www-authenticate"], r#"Bearer error="invalid_token""#);
    assert_eq!(r.code(), "UNAUTHENTICATED");
    assert_eq!(r.body["errors"][0]["message"], "unauthenticated", "the reason never reaches the client");
    assert_eq!(app.state.statements.get(), before, "no resolver and no SQL ran");
}

#[tokio::test]
async fn valid_token_is_accepted() {
    let app = TestApp::new().await;
    let r = app.gql("sw.alpha1", Q, json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.data()["viewer"]["roles"], json!(["SOCIAL_WORKER"]));
}

#[tokio::test]
async fn jwt_01_02_alg_none() {
    let app = TestApp::new().await;
    let claims = app.claims("hub.worker");
    for alg in ["none", "None", "NONE", "nOnE"] {
        assert_rejected(&app, &raw_token(&json!({"alg": alg, "typ": "JWT", "kid": "dev"}), &claims, None)).await;
        assert_rejected(&app, &raw_token(&json!({"alg": alg, "typ": "JWT"}), &claims, None)).await;
    }
}

#[tokio::test]
async fn jwt_03_04_key_confusion_and_unpinned_algorithms() {
    let pem = keys_dir().join("rsa-public.pem");
    let app = TestApp::with(|c| {
        c.jwt_algorithms = vec!["HS256".into(), "RS256".into()];
        c.jwt_public_key_pem = Some(pem.clone());
    })
    .await;
    let claims = app.claims("hub.worker");
    // JWT-03: HS256 signed with the RSA public key's bytes, naming the RSA key.
    let public = std::fs::read(&pem).unwrap();
    assert_rejected(&app, &raw_token(&json!({"alg": "HS256", "kid": "rs1"}), &claims, Some(&public))).await;
    // Positive control: the real RS256 signature passes.
    let private = EncodingKey::from_rsa_pem(&std::fs::read(keys_dir().join("rsa-private.pem")).unwrap()).unwrap();
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("rs1".into());
    let good = jsonwebtoken::encode(&h, &claims, &private).unwrap();
    assert_eq!(app.post(Some(&good), &json!({ "query": Q })).await.status, StatusCode::OK);
    // JWT-04: valid signatures with algorithms the key is not pinned to.
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        let mut h = Header::new(alg);
        h.kid = Some("rs1".into());
        assert_rejected(&app, &jsonwebtoken::encode(&h, &claims, &private).unwrap()).await;
    }
    let mut h = Header::new(Algorithm::HS512);
    h.kid = Some("dev".into());
    assert_rejected(&app, &jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap())
        .await;
}

#[tokio::test]
async fn es256_pem_and_jwks_keys_are_chosen_by_kid() {
    let app = TestApp::with(|c| {
        c.profile = casegraph::config::Profile::Prod;
        c.jwt_algorithms = vec!["ES256".into(), "RS256".into()];
        c.jwt_hs256_secret = None;
        c.jwt_key_id = "ec1".into();
        c.jwt_public_key_pem = Some(keys_dir().join("ec-public.pem"));
        c.jwt_jwks_file = Some(keys_dir().join("jwks.json"));
    })
    .await;
    let claims = app.claims("hub.worker");
    let ec = EncodingKey::from_ec_pem(&std::fs::read(keys_dir().join("ec-private.pem")).unwrap()).unwrap();
    let rsa = EncodingKey::from_rsa_pem(&std::fs::read(keys_dir().join("rsa-private.pem")).unwrap()).unwrap();
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some("ec1".into());
    assert_eq!(
        app.post(Some(&jsonwebtoken::encode(&h, &claims, &ec).unwrap()), &json!({ "query": Q })).await.status,
        StatusCode::OK
    );
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("jwks-rsa-1".into());
    assert_eq!(
        app.post(Some(&jsonwebtoken::encode(&h, &claims, &rsa).unwrap()), &json!({ "query": Q })).await.status,
        StatusCode::OK
    );
    // The same RSA signature under the EC key's kid fails; the dev HS256 key does not exist in prod.
    h.kid = Some("ec1".into());
    assert_rejected(&app, &jsonwebtoken::encode(&h, &claims, &rsa).unwrap()).await;
    assert_rejected(&app, &raw_token(&json!({"alg": "HS256", "kid": "dev"}), &claims, Some(SECRET.as_bytes()))).await;
}

#[tokio::test]
async fn jwt_05_tampered_payload() {
    let app = TestApp::new().await;
    let t = app.token("sw.alpha1");
    let parts: Vec<&str> = t.split('.').collect();
    let mut payload = B64.decode(parts[1]).unwrap();
    // Flip one byte inside the roles value.
    let pos = payload.windows(6).position(|w| w == b"SOCIAL").unwrap();
    payload[pos] = b'X';
    let forged = format!("{}.{}.{}", parts[0], B64.encode(&payload), parts[2]);
    assert_rejected(&app, &forged).await;
}

#[tokio::test]
async fn jwt_06_08_09_10_time_issuer_audience() {
    let app = TestApp::new().await;
    let base = app.claims("sw.alpha1");
    let with = |k: &str, v: Value| {
        let mut c = base.clone();
        c[k] = v;
        sign(&c)
    };
    assert_rejected(&app, &with("exp", json!(now() - 61))).await; // JWT-06
    assert_rejected(&app, &with("nbf", json!(now() + 300))).await; // JWT-08
    assert_rejected(&app, &with("iss", json!("someone-else"))).await; // JWT-09
    assert_rejected(&app, &with("aud", json!("another-service"))).await; // JWT-10
    assert_rejected(&app, &with("exp", json!(now() + 3 * 3600))).await; // lifetime above policy
    // Within the 30 s leeway still passes (REL-16 clock skew).
    let r = app.post(Some(&with("nbf", json!(now() + 20))), &json!({ "query": Q })).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn jwt_07_missing_required_claims() {
    let app = TestApp::new().await;
    for claim in ["exp", "iss", "aud", "sub"] {
        let mut c = app.claims("sw.alpha1");
        c.as_object_mut().unwrap().remove(claim);
        assert_rejected(&app, &sign(&c)).await;
    }
}

#[tokio::test]
async fn jwt_11_12_unknown_and_hostile_kid() {
    let app = TestApp::new().await;
    let claims = app.claims("sw.alpha1");
    let long = "k".repeat(10_000);
    for kid in ["nope", "../../dev/null", "' OR '1'='1", long.as_str()] {
        assert_rejected(&app, &raw_token(&json!({"alg": "HS256", "kid": kid}), &claims, Some(SECRET.as_bytes()))).await;
    }
    // A `jku` pointing elsewhere is ignored: the token still needs our key.
    let t = raw_token(
        &json!({"alg": "HS256", "kid": "evil", "jku": "http://127.0.0.1:9/keys"}),
        &claims,
        Some(b"attacker-secret-attacker-secret-xx"),
    );
    assert_rejected(&app, &t).await;
}

#[tokio::test]
async fn jwt_15_roles_and_organisation_fail_closed() {
    let app = TestApp::new().await;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("unknown role", Box::new(|c| c["roles"] = json!(["SUPERUSER"]))),
        ("a known and an unknown role", Box::new(|c| c["roles"] = json!(["SOCIAL_WORKER", "ROOT"]))),
        ("no roles", Box::new(|c| c["roles"] = json!([]))),
        ("lower-case role", Box::new(|c| c["roles"] = json!(["social_worker"]))),
        (
            "partner without org",
            Box::new(|c| {
                c["roles"] = json!(["PARTNER_PRACTITIONER"]);
                c.as_object_mut().unwrap().remove("org");
            }),
        ),
        (
            "integration without scope",
            Box::new(|c| {
                c["roles"] = json!(["INTEGRATION"]);
                c.as_object_mut().unwrap().remove("scope");
            }),
        ),
        (
            "social worker without team",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("team");
            }),
        ),
        ("sub not an id", Box::new(|c| c["sub"] = json!("alice"))),
        ("org not an id", Box::new(|c| c["org"] = json!("1 OR 1=1"))),
    ];
    for (what, f) in cases {
        let mut c = app.claims("sw.alpha1");
        f(&mut c);
        let r = app.post(Some(&sign(&c)), &json!({ "query": Q })).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
    }
}

#[tokio::test]
async fn jwt_16_token_only_from_the_header() {
    let app = TestApp::new().await;
    let t = app.token("hub.worker");
    let req = Request::post(format!("/graphql?access_token={t}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({ "query": Q }).to_string()))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post(None, &json!({ "query": Q, "access_token": t, "extensions": { "authorization": format!("Bearer {t}") } }))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Not Basic, not a bare token.
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", t.clone())
        .body(Body::from(json!({ "query": Q }).to_string()))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn jwt_17_huge_authorization_header() {
    let app = TestApp::new().await;
    let big = format!("Bearer {}", "a".repeat(16 * 1024));
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", big)
        .body(Body::from(json!({ "query": Q }).to_string()))
        .unwrap();
    let r = app.send(req).await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{}",
        r.status
    );
}

#[tokio::test]
async fn authz_10_no_token_is_401_for_every_operation() {
    let app = TestApp::new().await;
    let ops = [
        "{ __typename }",
        "{ __schema { types { name } } }",
        "{ viewer { roles } }",
        "{ levelsOfNeed { name } }",
        "{ children(search: {familyName: \"Testwood\"}, first: 5) { edges { node { id } } } }",
        "mutation { closeCase(input: {caseId: \"x\", reason: DIED, expectedVersion: 1}) { userErrors { code } } }",
    ];
    let audit_before = app.count("audit_events").await;
    for q in ops {
        let r = app.post(None, &json!({ "query": q })).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{q}");
        assert_eq!(r.code(), "UNAUTHENTICATED");
        assert!(r.body.get("data").is_none());
    }
    assert_eq!(app.count("audit_events").await, audit_before);
}

#[tokio::test]
async fn authz_11_roles_and_org_smuggled_in_headers_are_ignored() {
    let app = TestApp::new().await;
    let t = app.token("partner.school");
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {t}"))
        .header("x-role", "TEAM_MANAGER")
        .header("x-roles", "HUB_WORKER")
        .header("x-org", app.staff["tm.alpha"].organisation_id.to_string())
        .body(Body::from(
            json!({ "query": "{ viewer { roles } caseload(first: 5) { edges { node { id } } } }" }).to_string(),
        ))
        .unwrap();
    let r = app.send(req).await;
    // `caseload` is non-null and forbidden: per the spec's null propagation `data` is null.
    assert_eq!(r.code(), "FORBIDDEN");
    assert!(r.body["data"].is_null(), "{}", r.raw);
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {t}"))
        .header("x-role", "TEAM_MANAGER")
        .header("x-roles", "HUB_WORKER")
        .body(Body::from(json!({ "query": "{ viewer { roles } }" }).to_string()))
        .unwrap();
    assert_eq!(app.send(req).await.data()["viewer"]["roles"], json!(["PARTNER_PRACTITIONER"]));
}

#[tokio::test]
async fn jwt_18_configuration_is_validated_at_start() {
    let mut c = test_config("sqlite::memory:".into());
    c.jwt_hs256_secret = Some("too-short".into());
    assert!(c.validate().is_err(), "a secret under 32 bytes is refused");
    let mut c = test_config("sqlite::memory:".into());
    c.profile = casegraph::config::Profile::Prod;
    assert!(c.validate().unwrap_err().to_string().contains("HS256"), "prod refuses the dev secret");
    // Each value's form and range is refused as it is read, by its clap value parser.
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        cfg: casegraph::config::Config,
    }
    use clap::Parser;
    for (flag, value) in [
        ("--jwt-algorithms", "none"),
        ("--jwt-max-lifetime-secs", "0"),
        ("--jwt-max-lifetime-secs", "86401"),
        ("--request-timeout-secs", "0"),
        ("--request-timeout-secs", "301"),
        ("--db-pool", "0"),
        ("--db-pool", "201"),
        ("--morning-check", "25:00"),
    ] {
        assert!(Cli::try_parse_from(["casegraph", flag, value]).is_err(), "{flag} {value} must be refused");
    }
    let ok = Cli::try_parse_from(["casegraph", "--db-pool", "200", "--morning-check", "09:30"]).expect("in range");
    assert_eq!((ok.cfg.db_pool, ok.cfg.morning_check.to_string().as_str()), (200, "09:30:00"));
    let mut c = test_config("sqlite::memory:".into());
    c.morning_check = c.afternoon_check;
    assert!(c.validate().is_err(), "the morning check comes before the afternoon one");
    let mut c = test_config("mysql://x".into());
    c.database_url = "mysql://x".into();
    assert!(c.validate().is_err());
    let mut c = test_config("sqlite::memory:".into());
    c.cors_origins = vec!["*".into()];
    assert!(c.validate().is_err(), "no wildcard CORS");
    assert!(
        casegraph::build_state(&{
            let mut c = test_config("sqlite::memory:".into());
            c.jwt_hs256_secret = Some("short".into());
            c
        })
        .await
        .is_err()
    );
}

#[tokio::test]
async fn token_command_mints_in_dev_and_refuses_prod() {
    let dir = std::env::temp_dir().join(format!("cg-token-{}", sea_orm::prelude::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_casegraph");
    let db = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let clean = |cmd: &mut std::process::Command| {
        for k in [
            "DATABASE_URL",
            "CASEGRAPH_PROFILE",
            "JWT_HS256_SECRET",
            "JWT_ALGORITHMS",
            "JWT_PUBLIC_KEY_PEM",
            "JWT_JWKS_FILE",
        ] {
            cmd.env_remove(k);
        }
    };
    let mut cmd = std::process::Command::new(bin);
    clean(&mut cmd);
    let out =
        cmd.args(["token", "--user", "sw.alpha1", "--database-url", &db, "--data-dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap();
    let secret = std::fs::read_to_string(dir.join("dev-jwt-secret")).unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::HS256);
    v.set_audience(&["casegraph"]);
    let claims = jsonwebtoken::decode::<Value>(
        token.trim(),
        &jsonwebtoken::DecodingKey::from_secret(secret.trim().as_bytes()),
        &v,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["roles"], json!(["SOCIAL_WORKER"]));
    assert!(claims["team"].is_string());

    let mut cmd = std::process::Command::new(bin);
    clean(&mut cmd);
    let out = cmd.args(["token", "--role", "HUB_WORKER", "--profile", "prod", "--database-url", &db]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("prod"));
    std::fs::remove_dir_all(&dir).ok();
}
