//! Sessions: held in the portal's memory, named by a random ID in an HttpOnly, SameSite=Lax
//! cookie (Secure outside the dev profile). A session holds the person's API token and its
//! expiry (the session's sign-in ends with it), a CSRF token that every form carries, and the
//! answers of a form in progress, which outlive a sign-in that expires mid-form.
use axum::http::{HeaderMap, HeaderValue, header};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const COOKIE: &str = "portal_session";
/// A session nobody has used for this long is forgotten (with any unsent answers).
const IDLE_SECS: i64 = 4 * 3600;

/// Answers by field name (a checkbox list has several values).
pub type Answers = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, Default)]
pub struct Person {
    /// The API's ID for whoever the token speaks for.
    pub id: String,
    pub name: String,
    pub organisation: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Session {
    pub csrf: String,
    pub token: Option<String>,
    /// Unix seconds when the token expires.
    pub expires_at: i64,
    pub person: Option<Person>,
    /// Forms in progress by form name (`request`, `update`), each with its idempotency key
    /// under `_key`.
    pub forms: HashMap<String, Answers>,
    /// What the last API call refused, by field name, for the page that shows the field.
    pub field_errors: HashMap<String, Answers>,
    /// A page's posted fields kept across a sign-in: `(path, fields)`.
    pub resume: Option<(String, Answers)>,
    /// Where to go once signed in.
    pub return_to: Option<String>,
    /// A finished form's outcome for its confirmation page: `(form, values)`.
    pub done: HashMap<String, Answers>,
    /// OpenID Connect state, PKCE verifier and nonce while the person is at the issuer.
    pub oidc: Option<(String, String, String)>,
    pub last_seen: i64,
}

impl Session {
    pub fn signed_in(&self, now: i64) -> bool {
        self.token.is_some() && self.expires_at > now
    }
}

#[derive(Clone, Default)]
pub struct Store(Arc<Mutex<HashMap<String, Session>>>);

pub fn random_id() -> String {
    // Two v4 UUIDs: 244 random bits from the OS's generator.
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

impl Store {
    /// The session the request's cookie names, or a new one (`true` when new: set the cookie).
    pub fn load(&self, headers: &HeaderMap, now: i64) -> (String, Session, bool) {
        let mut map = self.0.lock().expect("session lock");
        map.retain(|_, s| now - s.last_seen < IDLE_SECS);
        if let Some(id) = cookie(headers, COOKIE)
            && let Some(s) = map.get_mut(&id)
        {
            s.last_seen = now;
            return (id, s.clone(), false);
        }
        let id = random_id();
        let s = Session { csrf: random_id(), last_seen: now, ..Default::default() };
        map.insert(id.clone(), s.clone());
        (id, s, true)
    }

    pub fn save(&self, id: &str, s: Session) {
        self.0.lock().expect("session lock").insert(id.to_string(), s);
    }

    /// Forgets a session and hands out a new ID for what is kept (after sign-in, so an ID known
    /// before it is worth nothing after: session fixation).
    pub fn renew(&self, old: &str, s: Session) -> String {
        let mut map = self.0.lock().expect("session lock");
        map.remove(old);
        let id = random_id();
        map.insert(id.clone(), s);
        id
    }

    pub fn remove(&self, id: &str) {
        self.0.lock().expect("session lock").remove(id);
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn set_cookie(id: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={id}; Path=/portal; HttpOnly; SameSite=Lax{secure}"))
        .expect("hex is a valid header")
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}=; Path=/portal; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
        .expect("a valid header")
}
