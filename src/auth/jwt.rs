//! Bearer token verification (RFC 8725): one pinned algorithm per key, key chosen by `kid`,
//! `iss`/`aud`/`exp`/`nbf`/`sub` checked, roles and organisation validated. Any failure is a
//! single opaque [`AuthError`]; its reason goes to the log, never to the client.
use super::{Principal, Role};
use crate::config::{Config, ConfigError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, jwk::JwkSet};
use sea_orm::prelude::Uuid;
use serde::{Deserialize, Serialize};
use std::{
    collections::HashMap,
    path::Path,
    str::FromStr,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

/// Leeway for clock skew on `exp`/`nbf` (seconds).
pub const LEEWAY_SECS: u64 = 30;
/// How many verified tokens are remembered (about 600 bytes each).
const VERIFIED_MAX: usize = 2048;
/// `kid` of the development HS256 key.
pub const DEV_KID: &str = "dev";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Why a token was refused. Logged only.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("malformed header")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("token rejected: {0}")]
    Rejected(String),
    #[error("claims rejected: {0}")]
    Claims(&'static str),
    #[error("header rejected: {0}")]
    Header(&'static str),
}

/// A rejection's reason as the log may hold it: a library's message can quote what the client
/// sent (an `alg` value), so control characters are escaped (no forged lines, no terminal escape
/// codes) and the length is capped.
fn log_safe(s: &str) -> String {
    s.chars().flat_map(char::escape_debug).take(200).collect()
}

struct Key {
    alg: Algorithm,
    decoding: DecodingKey,
}

type Keys = HashMap<String, Arc<Key>>;

/// Keys published by an identity provider: its OpenID discovery document names a JWKS.
struct Remote {
    issuer_url: String,
    client: reqwest::Client,
    allowed: Vec<Algorithm>,
    /// Fewest seconds between two refreshes caused by an unknown `kid`.
    min_refresh: Duration,
    last_unknown_refresh: Mutex<Option<Instant>>,
    /// The JWKS text last installed (a refresh that changes nothing keeps the remembered tokens).
    installed: Mutex<String>,
    /// One fetch at a time.
    fetching: tokio::sync::Mutex<()>,
}

/// How long one discovery or JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The verification keys, by `kid`.
pub struct KeySet {
    /// Keys from configuration (dev secret, PEM, JWKS file): always present.
    fixed: Keys,
    /// `fixed` and the identity provider's current keys, swapped whole on a refresh.
    keys: RwLock<Arc<Keys>>,
    remote: Option<Remote>,
    issuer: String,
    audience: String,
    max_lifetime: u64,
    /// The development signing key, present only in the dev profile with HS256.
    dev_signing: Option<EncodingKey>,
    /// Tokens already verified, by their exact text, with the principal each gave. A client
    /// sends the same token with every request until it expires; its signature and claims are
    /// checked once, its expiry on every use.
    verified: Mutex<HashMap<Box<str>, Principal>>,
}

impl KeySet {
    /// Builds the key set from configuration (reads PEM/JWKS files and the dev secret).
    pub fn from_config(cfg: &Config) -> Result<Self, ConfigError> {
        let allowed: Vec<Algorithm> = cfg.jwt_algorithms.iter().filter_map(|a| Algorithm::from_str(a).ok()).collect();
        let mut keys = HashMap::new();
        let mut dev_signing = None;
        if allowed.contains(&Algorithm::HS256) && cfg.dev() {
            let secret = match &cfg.jwt_hs256_secret {
                Some(s) => s.clone().into_bytes(),
                None => dev_secret(&cfg.data_dir)?,
            };
            if secret.len() < 32 {
                return Err(ConfigError("JWT_HS256_SECRET must be at least 32 bytes".into()));
            }
            keys.insert(
                DEV_KID.to_string(),
                Arc::new(Key { alg: Algorithm::HS256, decoding: DecodingKey::from_secret(&secret) }),
            );
            dev_signing = Some(EncodingKey::from_secret(&secret));
        }
        if let Some(path) = &cfg.jwt_public_key_pem {
            let pem = std::fs::read(path)
                .map_err(|_| ConfigError(format!("JWT_PUBLIC_KEY_PEM: cannot read {}", path.display())))?;
            let (alg, decoding) = if let Ok(k) = DecodingKey::from_rsa_pem(&pem) {
                (Algorithm::RS256, k)
            } else if let Ok(k) = DecodingKey::from_ec_pem(&pem) {
                (Algorithm::ES256, k)
            } else {
                return Err(ConfigError("JWT_PUBLIC_KEY_PEM: not an RSA or EC public key".into()));
            };
            if !allowed.contains(&alg) {
                return Err(ConfigError(format!("JWT_PUBLIC_KEY_PEM is {alg:?} but JWT_ALGORITHMS does not allow it")));
            }
            keys.insert(cfg.jwt_key_id.clone(), Arc::new(Key { alg, decoding }));
        }
        if let Some(path) = &cfg.jwt_jwks_file {
            let text = std::fs::read_to_string(path)
                .map_err(|_| ConfigError(format!("JWT_JWKS_FILE: cannot read {}", path.display())))?;
            let set: JwkSet =
                serde_json::from_str(&text).map_err(|_| ConfigError("JWT_JWKS_FILE: not a JWKS document".into()))?;
            keys.extend(keys_of(&set, &allowed, true).map_err(|e| ConfigError(format!("JWT_JWKS_FILE: {e}")))?);
        }
        let remote = match &cfg.jwt_issuer_url {
            Some(url) => Some(Remote {
                issuer_url: url.trim_end_matches('/').to_string(),
                client: reqwest::Client::builder()
                    .timeout(FETCH_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|_| ConfigError("JWT_ISSUER_URL: cannot build an HTTP client".into()))?,
                allowed: allowed.iter().copied().filter(|a| *a != Algorithm::HS256).collect(),
                min_refresh: Duration::from_secs(cfg.jwt_jwks_min_refresh_secs),
                last_unknown_refresh: Mutex::new(None),
                installed: Mutex::new(String::new()),
                fetching: tokio::sync::Mutex::new(()),
            }),
            None => None,
        };
        if keys.is_empty() && remote.is_none() {
            return Err(ConfigError("no token verification key is configured".into()));
        }
        Ok(KeySet {
            keys: RwLock::new(Arc::new(keys.clone())),
            fixed: keys,
            remote,
            issuer: cfg.jwt_issuer.clone(),
            audience: cfg.jwt_audience.clone(),
            max_lifetime: cfg.jwt_max_lifetime_secs,
            dev_signing,
            verified: Mutex::new(HashMap::new()),
        })
    }

    /// Verifies an `Authorization` header value and returns the principal.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let value = authorization.ok_or(AuthError::Missing)?;
        let token =
            value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(AuthError::Malformed)?.trim();
        if token.is_empty() || token.len() > 8192 {
            return Err(AuthError::Malformed);
        }
        let now = jsonwebtoken::get_current_timestamp();
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = verified.get(token) {
            // The same test jsonwebtoken applies to `exp`, with the same leeway.
            if p.expires_at + LEEWAY_SECS >= now {
                return Ok(p.clone());
            }
            verified.remove(token);
        }
        drop(verified);
        let principal = self.verify(token, now)?;
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= VERIFIED_MAX {
            verified.retain(|_, p| p.expires_at + LEEWAY_SECS >= now);
            if verified.len() >= VERIFIED_MAX {
                verified.clear();
            }
        }
        verified.insert(token.into(), principal.clone());
        Ok(principal)
    }

    /// As [`KeySet::authenticate`], and a token signed with a key not seen yet makes the
    /// identity provider's keys be fetched again (at most once per `JWT_JWKS_MIN_REFRESH_SECS`):
    /// keys rotate without a restart.
    pub async fn authenticate_fresh(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        match self.authenticate(authorization) {
            Err(AuthError::UnknownKey) if self.may_refresh_for_unknown_key() => {
                if let Err(e) = self.refresh().await {
                    tracing::warn!(error = %log_safe(&e), "identity provider keys not refreshed");
                }
                self.authenticate(authorization)
            }
            other => other,
        }
    }

    fn may_refresh_for_unknown_key(&self) -> bool {
        let Some(remote) = &self.remote else { return false };
        let mut last = remote.last_unknown_refresh.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < remote.min_refresh) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    /// Whether keys come from an identity provider (and so should be refreshed on a timer).
    pub fn has_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Fetches the identity provider's discovery document and JWKS and installs its keys beside
    /// the configured ones. Returns how many remote keys are installed. The discovery document's
    /// `issuer` must be the expected `iss`. A failure leaves the current keys in place.
    pub async fn refresh(&self) -> Result<usize, String> {
        let Some(remote) = &self.remote else { return Ok(0) };
        let _one = remote.fetching.lock().await;
        let discovery =
            get_text(&remote.client, &format!("{}/.well-known/openid-configuration", remote.issuer_url)).await?;
        let discovery: serde_json::Value =
            serde_json::from_str(&discovery).map_err(|_| "the discovery document is not JSON".to_string())?;
        if discovery.get("issuer").and_then(|v| v.as_str()) != Some(self.issuer.as_str()) {
            return Err("the discovery document's issuer is not JWT_ISSUER".into());
        }
        let jwks_uri =
            discovery.get("jwks_uri").and_then(|v| v.as_str()).ok_or("the discovery document has no jwks_uri")?;
        let text = get_text(&remote.client, jwks_uri).await?;
        let set: JwkSet = serde_json::from_str(&text).map_err(|_| "JWKS: not a JWKS document".to_string())?;
        let fetched = keys_of(&set, &remote.allowed, false)?;
        let n = fetched.len();
        let mut installed = remote.installed.lock().unwrap_or_else(|e| e.into_inner());
        if *installed != text {
            let mut all = self.fixed.clone();
            all.extend(fetched);
            *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(all);
            // A key taken away may be a compromised one: tokens it signed are checked again.
            self.verified.lock().unwrap_or_else(|e| e.into_inner()).clear();
            *installed = text;
            tracing::info!(keys = n, "identity provider keys installed");
        }
        Ok(n)
    }

    /// Checks a token's signature and claims.
    fn verify(&self, token: &str, now: u64) -> Result<Principal, AuthError> {
        check_header_parameters(token)?;
        // The header is read only to pick the key; `jku`, `x5u` and embedded `jwk` are ignored.
        let header = jsonwebtoken::decode_header(token).map_err(|e| AuthError::Rejected(log_safe(&e.to_string())))?;
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner()).clone();
        let key = match &header.kid {
            Some(kid) => keys.get(kid).ok_or(AuthError::UnknownKey)?,
            None if keys.len() == 1 => keys.values().next().ok_or(AuthError::UnknownKey)?,
            None => return Err(AuthError::UnknownKey),
        };
        let mut v = Validation::new(key.alg);
        v.set_issuer(&[self.issuer.as_str()]);
        v.set_audience(&[self.audience.as_str()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &v)
            .map_err(|e| AuthError::Rejected(log_safe(&e.to_string())))?
            .claims;
        if claims.exp > now + self.max_lifetime + LEEWAY_SECS {
            return Err(AuthError::Claims("lifetime above policy"));
        }
        principal_from_claims(claims)
    }

    /// Signs a development token. Only possible with the dev profile's HS256 key.
    pub fn sign_dev(&self, claims: &Claims) -> Option<String> {
        let key = self.dev_signing.as_ref()?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(DEV_KID.to_string());
        jsonwebtoken::encode(&header, claims, key).ok()
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The longest lifetime a token may have (`JWT_MAX_LIFETIME_SECS`).
    pub fn max_lifetime(&self) -> u64 {
        self.max_lifetime
    }
}

/// RFC 7515 §4.1.11: a token that marks an extension as critical must be refused unless the
/// extension is understood, and casegraph understands none. RFC 8725 §3.11: `typ`, when present,
/// must say this is a JWT access token.
fn check_header_parameters(token: &str) -> Result<(), AuthError> {
    use base64::Engine;
    let head = token.split('.').next().unwrap_or("");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(head).map_err(|_| AuthError::Malformed)?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    if header.contains_key("crit") {
        return Err(AuthError::Header("a critical extension (crit) is not understood"));
    }
    match header.get("typ") {
        None => Ok(()),
        Some(serde_json::Value::String(t))
            if ["JWT", "at+jwt", "application/at+jwt"].iter().any(|ok| t.eq_ignore_ascii_case(ok)) =>
        {
            Ok(())
        }
        Some(_) => Err(AuthError::Header("typ is not JWT or at+jwt")),
    }
}

/// The body of a successful GET, or why there is none.
async fn get_text(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let res = client.get(url).send().await.and_then(|r| r.error_for_status()).map_err(|e| format!("{url}: {e}"))?;
    res.text().await.map_err(|e| format!("{url}: {e}"))
}

/// The verification keys of a JWKS, by `kid`. `strict` (a configured file): any key that cannot
/// be used is an error. Otherwise (an identity provider's set, which may also hold encryption
/// keys or algorithms not allowed here) such keys are skipped.
fn keys_of(set: &JwkSet, allowed: &[Algorithm], strict: bool) -> Result<Keys, String> {
    let mut keys = Keys::new();
    for jwk in &set.keys {
        let usable = (|| {
            let kid = jwk.common.key_id.clone().ok_or_else(|| "every key needs a kid".to_string())?;
            if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature) {
                return Err(format!("key {kid} is not a signing key"));
            }
            let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                (Some(a), _) => {
                    Algorithm::from_str(&a.to_string()).map_err(|_| format!("key {kid}: unsupported alg"))?
                }
                (None, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                (None, jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_)) => Algorithm::ES256,
                _ => return Err(format!("key {kid}: unsupported key type")),
            };
            if !allowed.contains(&alg) || alg == Algorithm::HS256 {
                return Err(format!("key {kid} uses an algorithm JWT_ALGORITHMS does not allow"));
            }
            let decoding = DecodingKey::from_jwk(jwk).map_err(|_| format!("key {kid} is invalid"))?;
            Ok((kid, Arc::new(Key { alg, decoding })))
        })();
        match usable {
            Ok((kid, key)) => {
                keys.insert(kid, key);
            }
            Err(e) if strict => return Err(e),
            Err(_) => {}
        }
    }
    Ok(keys)
}

fn principal_from_claims(c: Claims) -> Result<Principal, AuthError> {
    let user = Uuid::parse_str(&c.sub).map_err(|_| AuthError::Claims("sub is not an id"))?;
    if c.roles.is_empty() {
        return Err(AuthError::Claims("no roles"));
    }
    let mut roles = Vec::with_capacity(c.roles.len());
    for r in &c.roles {
        // Fail closed: an unknown role never becomes a default one.
        roles.push(Role::from_str(r).map_err(|_| AuthError::Claims("unknown role"))?);
    }
    roles.sort();
    roles.dedup();
    let parse = |v: &Option<String>, what| -> Result<Option<Uuid>, AuthError> {
        v.as_deref().map(|s| Uuid::parse_str(s).map_err(|_| AuthError::Claims(what))).transpose()
    };
    let organisation = parse(&c.org, "org is not an id")?;
    let team = parse(&c.team, "team is not an id")?;
    let scopes: Vec<String> = c.scope.as_deref().unwrap_or("").split_whitespace().map(str::to_string).collect();
    if roles.iter().any(|r| r.needs_org()) && organisation.is_none() {
        return Err(AuthError::Claims("partner role without org"));
    }
    if roles.iter().any(|r| r.needs_team()) && team.is_none() {
        return Err(AuthError::Claims("team role without team"));
    }
    if roles.contains(&Role::Integration) && scopes.is_empty() {
        return Err(AuthError::Claims("integration without scope"));
    }
    Ok(Principal { user, roles, organisation, team, scopes, expires_at: c.exp })
}

/// Reads (or creates once) the random development secret under the data directory.
fn dev_secret(dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = dir.join("dev-jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        return Ok(s.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(dir).map_err(|_| ConfigError(format!("cannot create {}", dir.display())))?;
    let secret = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    std::fs::write(&path, &secret).map_err(|_| ConfigError(format!("cannot write {}", path.display())))?;
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> KeySet {
        let secret = b"unit-test-secret-0123456789abcdef0123456789";
        let mut keys = Keys::new();
        keys.insert(
            DEV_KID.to_string(),
            Arc::new(Key { alg: Algorithm::HS256, decoding: DecodingKey::from_secret(secret) }),
        );
        KeySet {
            keys: RwLock::new(Arc::new(keys.clone())),
            fixed: keys,
            remote: None,
            issuer: "casegraph-dev".into(),
            audience: "casegraph".into(),
            max_lifetime: 3600,
            dev_signing: Some(EncodingKey::from_secret(secret)),
            verified: Mutex::new(HashMap::new()),
        }
    }

    fn token(k: &KeySet, exp: u64) -> String {
        let claims = Claims {
            sub: Uuid::nil().to_string(),
            iss: "casegraph-dev".into(),
            aud: "casegraph".into(),
            exp,
            nbf: None,
            iat: None,
            roles: vec!["HUB_WORKER".into()],
            org: Some(Uuid::nil().to_string()),
            team: None,
            scope: None,
        };
        format!("Bearer {}", k.sign_dev(&claims).unwrap())
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_expires() {
        let k = keys();
        let now = jsonwebtoken::get_current_timestamp();
        // Valid for about one more second (the leeway is 30 s).
        let t = token(&k, now + 1 - LEEWAY_SECS);
        assert!(k.authenticate(Some(&t)).is_ok());
        assert!(k.authenticate(Some(&t)).is_ok(), "second use, from the cache");
        assert_eq!(k.verified.lock().unwrap().len(), 1);
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(k.authenticate(Some(&t)).is_err(), "expired while remembered");
        assert!(k.verified.lock().unwrap().is_empty());
    }

    #[test]
    fn only_verified_tokens_are_remembered_and_the_memory_is_bounded() {
        let k = keys();
        let now = jsonwebtoken::get_current_timestamp();
        let good = token(&k, now + 600);
        let forged = format!("{}x", good);
        assert!(k.authenticate(Some(&forged)).is_err());
        assert!(k.verified.lock().unwrap().is_empty());
        for i in 0..(VERIFIED_MAX as u64 + 5) {
            assert!(k.authenticate(Some(&token(&k, now + 600 + i))).is_ok());
        }
        assert!(k.verified.lock().unwrap().len() <= VERIFIED_MAX);
        assert!(k.authenticate(Some(&good)).is_ok());
    }
}
