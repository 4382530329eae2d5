//! Bearer token verification (RFC 8725): one pinned algorithm per key, key chosen by `kid`,
//! `iss`/`aud`/`exp`/`nbf`/`sub` checked, roles and organisation validated. Any failure is a
//! single opaque [`AuthError`]; its reason goes to the log, never to the client.
use super::{Principal, Role};
use crate::config::{Config, ConfigError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, jwk::JwkSet};
use sea_orm::prelude::Uuid;
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, path::Path, str::FromStr, sync::Mutex};

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

/// The verification keys, by `kid`.
pub struct KeySet {
    keys: HashMap<String, Key>,
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
                Key { alg: Algorithm::HS256, decoding: DecodingKey::from_secret(&secret) },
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
            keys.insert(cfg.jwt_key_id.clone(), Key { alg, decoding });
        }
        if let Some(path) = &cfg.jwt_jwks_file {
            let text = std::fs::read_to_string(path)
                .map_err(|_| ConfigError(format!("JWT_JWKS_FILE: cannot read {}", path.display())))?;
            let set: JwkSet =
                serde_json::from_str(&text).map_err(|_| ConfigError("JWT_JWKS_FILE: not a JWKS document".into()))?;
            for jwk in &set.keys {
                let kid = jwk
                    .common
                    .key_id
                    .clone()
                    .ok_or_else(|| ConfigError("JWT_JWKS_FILE: every key needs a kid".into()))?;
                let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                    (Some(a), _) => Algorithm::from_str(&a.to_string())
                        .map_err(|_| ConfigError(format!("JWT_JWKS_FILE: key {kid}: unsupported alg")))?,
                    (None, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                    (None, jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_)) => Algorithm::ES256,
                    _ => {
                        return Err(ConfigError(format!("JWT_JWKS_FILE: key {kid}: unsupported key type")));
                    }
                };
                if !allowed.contains(&alg) || alg == Algorithm::HS256 {
                    return Err(ConfigError(format!(
                        "JWT_JWKS_FILE: key {kid} uses an algorithm JWT_ALGORITHMS does not allow"
                    )));
                }
                let decoding = DecodingKey::from_jwk(jwk)
                    .map_err(|_| ConfigError(format!("JWT_JWKS_FILE: key {kid} is invalid")))?;
                keys.insert(kid, Key { alg, decoding });
            }
        }
        if keys.is_empty() {
            return Err(ConfigError("no token verification key is configured".into()));
        }
        Ok(KeySet {
            keys,
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

    /// Checks a token's signature and claims.
    fn verify(&self, token: &str, now: u64) -> Result<Principal, AuthError> {
        // The header is read only to pick the key; `jku`, `x5u` and embedded `jwk` are ignored.
        let header = jsonwebtoken::decode_header(token).map_err(|e| AuthError::Rejected(log_safe(&e.to_string())))?;
        let key = match &header.kid {
            Some(kid) => self.keys.get(kid).ok_or(AuthError::UnknownKey)?,
            None if self.keys.len() == 1 => self.keys.values().next().ok_or(AuthError::UnknownKey)?,
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
        let mut keys = HashMap::new();
        keys.insert(DEV_KID.to_string(), Key { alg: Algorithm::HS256, decoding: DecodingKey::from_secret(secret) });
        KeySet {
            keys,
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
