//! Production sign-in: the OpenID Connect authorization code flow with PKCE (RFC 7636, S256),
//! against the issuer casegraph also trusts. The portal keeps the access token in its session
//! and sends it to the API, which validates it as it does every token; the ID token's nonce,
//! issuer and audience are checked here (it came straight from the token endpoint over TLS,
//! which OpenID Connect Core §3.1.3.7 accepts in place of checking its signature).
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct Settings {
    /// The issuer, e.g. `https://login.example.org/realms/blackpool`; its
    /// `/.well-known/openid-configuration` names the endpoints.
    pub issuer: String,
    pub client_id: String,
    /// For a confidential client; a public one leaves it out (PKCE protects the code).
    pub client_secret: Option<String>,
    /// This portal's callback, e.g. `https://portal.example.org/portal/oidc/callback`.
    pub redirect_url: String,
    /// The scopes to ask for, space-separated (always with `openid`).
    pub scopes: String,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

async fn discover(http: &reqwest::Client, s: &Settings) -> Result<Discovery, String> {
    let url = format!("{}/.well-known/openid-configuration", s.issuer.trim_end_matches('/'));
    let d: Discovery = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("discovery: {}", e.without_url()))?
        .error_for_status()
        .map_err(|e| format!("discovery: {}", e.without_url()))?
        .json()
        .await
        .map_err(|e| format!("discovery: {}", e.without_url()))?;
    if d.issuer.trim_end_matches('/') != s.issuer.trim_end_matches('/') {
        return Err("discovery: the issuer named itself differently".into());
    }
    Ok(d)
}

fn random() -> String {
    let bytes: Vec<u8> =
        uuid::Uuid::new_v4().as_bytes().iter().chain(uuid::Uuid::new_v4().as_bytes()).copied().collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE challenge for a verifier: `BASE64URL(SHA256(verifier))`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where to send the person, and the `(state, verifier, nonce)` to keep in their session.
pub async fn start(http: &reqwest::Client, s: &Settings) -> Result<(String, (String, String, String)), String> {
    let d = discover(http, s).await?;
    let (state, verifier, nonce) = (random(), random() + &random(), random());
    let mut url =
        reqwest::Url::parse(&d.authorization_endpoint).map_err(|_| "discovery: a bad authorization endpoint")?;
    let scopes =
        if s.scopes.split(' ').any(|x| x == "openid") { s.scopes.clone() } else { format!("openid {}", s.scopes) };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &s.client_id)
        .append_pair("redirect_uri", &s.redirect_url)
        .append_pair("scope", scopes.trim())
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok((url.to_string(), (state, verifier, nonce)))
}

#[derive(Deserialize)]
struct Tokens {
    access_token: String,
    expires_in: Option<i64>,
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct IdClaims {
    iss: String,
    aud: serde_json::Value,
    nonce: Option<String>,
    exp: i64,
}

/// Exchanges the code (with the PKCE verifier) for tokens: the access token and when it
/// expires.
pub async fn finish(
    http: &reqwest::Client,
    s: &Settings,
    (state, verifier, nonce): &(String, String, String),
    code: &str,
    returned_state: &str,
) -> Result<(String, i64), String> {
    if returned_state != state {
        return Err("sign-in: the state did not match".into());
    }
    let d = discover(http, s).await?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", s.redirect_url.as_str()),
        ("client_id", s.client_id.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    if let Some(secret) = &s.client_secret {
        form.push(("client_secret", secret));
    }
    let t: Tokens = http
        .post(&d.token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("token: {}", e.without_url()))?
        .error_for_status()
        .map_err(|e| format!("token: {}", e.without_url()))?
        .json()
        .await
        .map_err(|e| format!("token: {}", e.without_url()))?;
    let id = t.id_token.ok_or("token: no ID token")?;
    let payload = id.split('.').nth(1).ok_or("token: a malformed ID token")?;
    let claims: IdClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("token: a malformed ID token")?;
    let aud_ok = match &claims.aud {
        serde_json::Value::String(a) => *a == s.client_id,
        serde_json::Value::Array(a) => a.iter().any(|x| x.as_str() == Some(&s.client_id)),
        _ => false,
    };
    let now = chrono::Utc::now().timestamp();
    if claims.iss.trim_end_matches('/') != s.issuer.trim_end_matches('/')
        || !aud_ok
        || claims.nonce.as_deref() != Some(nonce)
        || claims.exp <= now
    {
        return Err("token: the ID token is not for this sign-in".into());
    }
    Ok((t.access_token, now + t.expires_in.unwrap_or(300)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636, Appendix B.
        assert_eq!(
            super::challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
